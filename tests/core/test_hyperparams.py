"""Every hyperparameter rule: a bad value is refused with a message naming field, rule and value."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import (
    FIELDS,
    MAX_EPOCHS,
    MAX_HIDDEN_LAYERS,
    MAX_LAYER_SIZE,
    MAX_SEED,
    Hyperparams,
    parse_field,
)

NAN, INF = float("nan"), float("inf")

# (field, bad typed value, how the message must quote it)
BAD_VALUES: list[tuple[str, Any, str]] = [
    ("recipe", "magic", "'magic'"),
    ("recipe", "Tutorial", "'Tutorial'"),
    ("hidden", (0,), "0"),
    ("hidden", (MAX_LAYER_SIZE + 1,), str(MAX_LAYER_SIZE + 1)),
    ("hidden", (4, -3), "4,-3"),
    ("hidden", (2.5,), "2.5"),
    ("hidden", (True,), "True"),
    ("hidden", (1,) * (MAX_HIDDEN_LAYERS + 1), ",".join(["1"] * (MAX_HIDDEN_LAYERS + 1))),
    ("activation", "softmax", "'softmax'"),
    ("activation", "gelu", "'gelu'"),
    ("output_activation", "gelu", "'gelu'"),
    ("loss", "hinge", "'hinge'"),
    ("optimizer", "sgd", "'sgd'"),
    ("init", "zeros", "'zeros'"),
    ("lr", -1, "-1"),
    ("lr", 0, "0"),
    ("lr", 0.0, "0.0"),
    ("lr", NAN, "nan"),
    ("lr", INF, "inf"),
    ("lr", "0.1", "'0.1'"),
    ("lr", True, "True"),
    ("lr", None, "None"),
    ("epochs", 0, "0"),
    ("epochs", -5, "-5"),
    ("epochs", MAX_EPOCHS + 1, str(MAX_EPOCHS + 1)),
    ("epochs", 1.5, "1.5"),
    ("epochs", 100.0, "100.0"),
    ("epochs", True, "True"),
    ("batch_size", -1, "-1"),
    ("batch_size", 2.0, "2.0"),
    ("batch_size", False, "False"),
    ("seed", -1, "-1"),
    ("seed", MAX_SEED + 1, str(MAX_SEED + 1)),
    ("seed", 1.0, "1.0"),
    ("seed", True, "True"),
    ("l2", -0.1, "-0.1"),
    ("l2", NAN, "nan"),
    ("l2", INF, "inf"),
    ("l2", True, "True"),
    ("l1", -0.5, "-0.5"),
    ("l1", -INF, "-inf"),
    ("l1", "0", "'0'"),
    ("dtype", "float16", "'float16'"),
]


def test_the_issues_example_message_word_for_word() -> None:
    with pytest.raises(TuiNNError) as caught:
        Hyperparams(lr=-1)
    assert str(caught.value) == "learning rate must be a finite number > 0, got -1"
    assert caught.value.field == "lr"
    assert isinstance(caught.value, ValueError)


def test_every_field_has_bad_values_below() -> None:
    assert {field for field, _, _ in BAD_VALUES} == set(FIELDS)


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [pytest.param(*case, id=f"{case[0]}={case[2]}") for case in BAD_VALUES],
)
def test_bad_value_is_refused_naming_field_rule_and_value(
    field: str, value: Any, shown: str
) -> None:
    # Textbook, so the tutorial's fixed settings are not what gets reported.
    with pytest.raises(TuiNNError) as caught:
        Hyperparams(recipe="textbook").replace(**{field: value})
    spec = FIELDS[field]
    assert str(caught.value) == f"{spec.label} {spec.rule}, got {shown}"
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("recipe", "recipe must be one of tutorial, textbook, got 'magic'"),
        ("optimizer", "optimizer must be one of gd, momentum, adam, got 'sgd'"),
        ("epochs", "epochs must be a whole number from 1 to 1_000_000_000, got 0"),
        ("batch_size", "batch size must be a whole number >= 0 (0 means the full batch), got -1"),
        ("l2", "L2 penalty must be a finite number >= 0, got -0.1"),
    ],
)
def test_messages_read_as_sentences(field: str, message: str) -> None:
    value = next(v for f, v, _ in BAD_VALUES if f == field)
    with pytest.raises(TuiNNError, match="^" + re.escape(message) + "$"):
        Hyperparams(recipe="textbook").replace(**{field: value})


@pytest.mark.parametrize(
    "changes",
    [
        {"lr": 1e-12},
        {"lr": 10},
        {"epochs": 1},
        {"epochs": MAX_EPOCHS},
        {"batch_size": 0},
        {"batch_size": 1},
        {"seed": 0},
        {"seed": MAX_SEED},
        {"hidden": (MAX_LAYER_SIZE,)},
        {"hidden": (1,) * MAX_HIDDEN_LAYERS},
        {"hidden": [8, 4]},
        {"l2": 0.0, "l1": 0},
        {"optimizer": "adam", "loss": "bce", "l2": 1e-4, "l1": 1e-5, "batch_size": 2},
        {"loss": "ce", "output_activation": "softmax", "init": "he", "activation": "relu"},
        {"output_activation": "linear", "dtype": "float32", "init": "xavier"},
    ],
    ids=lambda changes: ",".join(changes),
)
def test_values_at_the_edges_are_accepted(changes: dict[str, Any]) -> None:
    hp = Hyperparams(recipe="textbook", **changes)
    for name, value in changes.items():
        assert getattr(hp, name) == (tuple(value) if isinstance(value, list) else value)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"recipe": "textbook", "loss": "bce", "output_activation": "linear"},
            "loss",
            "loss bce needs output activation sigmoid, got linear",
        ),
        (
            {"recipe": "textbook", "loss": "ce"},
            "loss",
            "loss ce needs output activation softmax, got sigmoid",
        ),
        (
            {"recipe": "textbook", "output_activation": "softmax"},
            "output_activation",
            "output activation softmax needs loss ce, got mse",
        ),
    ],
    ids=["bce-needs-sigmoid", "ce-needs-softmax", "softmax-needs-ce"],
)
def test_loss_and_output_must_match(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(TuiNNError) as caught:
        Hyperparams(**changes)
    assert str(caught.value) == message
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "field", "label", "shown"),
    [
        ({"optimizer": "adam"}, "optimizer", "optimizer", "'adam'"),
        ({"loss": "bce"}, "loss", "loss", "'bce'"),
        ({"batch_size": 2}, "batch_size", "batch size", "2"),
        ({"l2": 0.1}, "l2", "L2 penalty", "0.1"),
        ({"l1": 0.01}, "l1", "L1 penalty", "0.01"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_tutorial_recipe_fixes_how_it_trains(
    changes: dict[str, Any], field: str, label: str, shown: str
) -> None:
    with pytest.raises(TuiNNError) as caught:
        Hyperparams(recipe="tutorial", **changes)
    message = str(caught.value)
    assert message.startswith(f"{label} must be ")
    assert "with recipe tutorial" in message
    assert "choose recipe textbook" in message
    assert message.endswith(f"got {shown}")
    assert caught.value.field == field
    # The same value is fine once the recipe is textbook.
    assert Hyperparams(recipe="textbook", **changes).recipe == "textbook"


def test_tutorial_recipe_may_still_grow_hidden_layers() -> None:
    hp = Hyperparams(hidden=(4,), activation="tanh", output_activation="linear")
    assert (hp.recipe, hp.hidden) == ("tutorial", (4,))


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("lr", "0.5", 0.5),
        ("lr", " 1e-3 ", 0.001),
        ("epochs", "1_000", 1000),
        ("epochs", " 30000 ", 30000),
        ("hidden", "4, 3", (4, 3)),
        ("hidden", "8 8", (8, 8)),
        ("hidden", "4,", (4,)),
        ("hidden", "", ()),
        ("hidden", "  ", ()),
        ("batch_size", "0", 0),
        ("seed", "42", 42),
        ("l2", "0", 0.0),
        ("l1", "1e-4", 1e-4),
        ("optimizer", " adam ", "adam"),
        ("recipe", "textbook", "textbook"),
        ("dtype", "float32", "float32"),
    ],
)
def test_parse_field_reads_what_users_type(field: str, text: str, value: Any) -> None:
    parsed = parse_field(field, text)
    assert parsed == value
    assert type(parsed) is type(value)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("lr", "abc"),
        ("lr", ""),
        ("lr", "-1"),
        ("lr", "0"),
        ("lr", "nan"),
        ("lr", "inf"),
        ("epochs", "1.5"),
        ("epochs", "1e3"),
        ("epochs", "ten"),
        ("epochs", "0"),
        ("hidden", "4,x"),
        ("hidden", "0"),
        ("hidden", "4,-2"),
        ("hidden", "2.5"),
        ("batch_size", "-1"),
        ("batch_size", "all"),
        ("seed", "-1"),
        ("seed", str(MAX_SEED + 1)),
        ("l2", "-0.5"),
        ("l1", "lots"),
        ("optimizer", "SGD"),
        ("init", ""),
        ("dtype", "float16"),
    ],
)
def test_parse_field_refuses_bad_text(field: str, text: str) -> None:
    with pytest.raises(TuiNNError) as caught:
        parse_field(field, text)
    spec = FIELDS[field]
    message = str(caught.value)
    assert message.startswith(f"{spec.label} {spec.rule}, got ")
    assert message.endswith((f"got {text.strip()}", f"got {text.strip()!r}"))
    assert caught.value.field == field


@pytest.mark.parametrize(
    "hp",
    [
        Hyperparams(),
        Hyperparams(
            recipe="textbook",
            hidden=(8, 4),
            activation="relu",
            loss="ce",
            output_activation="softmax",
            optimizer="adam",
            init="he",
            lr=0.001,
            epochs=250,
            batch_size=32,
            seed=7,
            l2=1e-4,
            l1=3e-5,
            dtype="float32",
        ),
    ],
    ids=["tutorial", "textbook"],
)
def test_text_round_trip(hp: Hyperparams) -> None:
    texts = hp.to_text()
    assert set(texts) == {f.name for f in dataclasses.fields(Hyperparams)}
    assert all(isinstance(text, str) for text in texts.values())
    assert Hyperparams.from_text(texts) == hp


def test_from_text_changes_only_the_given_fields() -> None:
    base = Hyperparams(recipe="textbook", optimizer="adam", epochs=50)
    hp = Hyperparams.from_text({"lr": "0.2", "hidden": "5"}, base=base)
    assert hp == base.replace(lr=0.2, hidden=(5,))


def test_from_text_refuses_unknown_fields_and_broken_combinations() -> None:
    with pytest.raises(TuiNNError, match="unknown hyperparameter 'momentum'") as unknown:
        Hyperparams.from_text({"momentum": "0.9"})
    assert unknown.value.field == "momentum"
    with pytest.raises(TuiNNError, match=r"^learning rate .* got 'fast'$") as bad:
        Hyperparams.from_text({"epochs": "10", "lr": "fast"})
    assert bad.value.field == "lr"
    with pytest.raises(TuiNNError, match="with recipe tutorial") as combined:
        Hyperparams.from_text({"optimizer": "adam"})
    assert combined.value.field == "optimizer"


@given(st.lists(st.integers(1, 4096), min_size=1, max_size=16), st.sampled_from([",", ", ", " "]))
def test_hidden_sizes_parse_with_any_separator(sizes: list[int], separator: str) -> None:
    assert parse_field("hidden", separator.join(map(str, sizes))) == tuple(sizes)


@pytest.mark.parametrize("text", ["4,,4", "4,,", ",4", "4 , , 4"])
def test_an_empty_hidden_size_is_refused(text: str) -> None:
    with pytest.raises(TuiNNError, match="hidden layers must be comma-separated sizes"):
        parse_field("hidden", text)
