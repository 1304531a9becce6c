"""Hyperparameters: one validated, immutable record, and the parsing of what users type.

Every rule lives in ``FIELDS`` or ``Hyperparams._check_combination``; a broken rule raises
``TuiNNError`` whose message names the field and the rule, e.g.
``learning rate must be a finite number > 0, got -1``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tui_nn.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from tui_nn.core.errors import TuiNNError
from tui_nn.core.initializers import INITIALIZERS
from tui_nn.core.losses import LOSSES, REQUIRED_OUTPUT
from tui_nn.core.optimizers import OPTIMIZERS
from tui_nn.core.recipes import RECIPES, Recipe

DTYPES: tuple[str, ...] = ("float64", "float32")
MAX_LAYER_SIZE = 4096
MAX_HIDDEN_LAYERS = 16
MAX_EPOCHS = 1_000_000_000
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Field:
    """How one hyperparameter is named, parsed and checked."""

    label: str
    rule: str
    parse: Callable[[str], Any]
    check: Callable[[Any], bool]


def _choice(options: tuple[str, ...] | list[str]) -> tuple[str, Callable[[Any], bool]]:
    return "must be one of " + ", ".join(options), lambda value: value in options


def _int(text: str) -> int:
    return int(text.strip().replace("_", ""))


def _float(text: str) -> float:
    return float(text.strip())


def _hidden(text: str) -> tuple[int, ...]:
    """``8,4``, ``8, 4`` or ``8 4``; empty for none. An empty size (``4,,4``) is refused.

    One trailing comma is forgiven (``8,`` is what a user has typed halfway to ``8,4``).
    """
    stripped = text.strip()
    stripped = stripped[:-1].rstrip() if stripped.endswith(",") else stripped
    if not stripped:
        return ()
    return tuple(int(part) for part in re.split(r"\s*,\s*|\s+", stripped))


def _finite_positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def _finite_non_negative(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value >= 0


def _field(label: str, options: tuple[str, ...] | list[str]) -> Field:
    rule, check = _choice(options)
    return Field(label, rule, str.strip, check)


FIELDS: dict[str, Field] = {
    "recipe": _field("recipe", list(RECIPES)),
    "hidden": Field(
        "hidden layers",
        f"must be comma-separated sizes from 1 to {MAX_LAYER_SIZE} (empty for none), "
        f"at most {MAX_HIDDEN_LAYERS} layers",
        _hidden,
        lambda sizes: (
            len(sizes) <= MAX_HIDDEN_LAYERS
            and all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_LAYER_SIZE
                for n in sizes
            )
        ),
    ),
    "activation": _field("hidden activation", HIDDEN_ACTIVATIONS),
    "output_activation": _field("output activation", list(ACTIVATIONS)),
    "loss": _field("loss", list(LOSSES)),
    "optimizer": _field("optimizer", list(OPTIMIZERS)),
    "init": _field("init", list(INITIALIZERS)),
    "lr": Field("learning rate", "must be a finite number > 0", _float, _finite_positive),
    "epochs": Field(
        "epochs",
        f"must be a whole number from 1 to {MAX_EPOCHS:_}",
        _int,
        lambda n: isinstance(n, int) and 1 <= n <= MAX_EPOCHS,
    ),
    "batch_size": Field(
        "batch size",
        "must be a whole number >= 0 (0 means the full batch)",
        _int,
        lambda n: isinstance(n, int) and n >= 0,
    ),
    "seed": Field(
        "seed",
        f"must be a whole number from 0 to {MAX_SEED}",
        _int,
        lambda n: isinstance(n, int) and 0 <= n <= MAX_SEED,
    ),
    "l2": Field("L2 penalty", "must be a finite number >= 0", _float, _finite_non_negative),
    "l1": Field("L1 penalty", "must be a finite number >= 0", _float, _finite_non_negative),
    "dtype": _field("dtype", DTYPES),
}
"""Each hyperparameter's label, rule and parser, keyed by its field name."""


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value) or "(none)"
    if isinstance(value, str):
        return repr(value)
    return str(value)


QUOTE_LIMIT = 40
"""The most characters of a typed value a message echoes (a pasted page is not repeated)."""


def cut(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` stripped for a message, cut to ``limit`` characters with an ellipsis."""
    stripped = text.strip()
    if len(stripped) > limit:
        return f"{stripped[: limit - 1]}… ({len(stripped)} characters)"
    return stripped


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` stripped and quoted for a message, cut to ``limit`` characters with an ellipsis."""
    stripped = text.strip()
    if len(stripped) > limit:
        return f"{stripped[: limit - 1]!r}… ({len(stripped)} characters)"
    return repr(stripped)


def parse_field(name: str, text: str) -> Any:
    """Parse and check one field from text.

    Raises:
        TuiNNError: naming the field and its rule when the text does not parse or breaks it.
    """
    spec = FIELDS[name]
    try:
        value = spec.parse(text)
    except (ValueError, TypeError, OverflowError):
        raise TuiNNError(f"{spec.label} {spec.rule}, got {quoted(text)}", field=name) from None
    check_field(name, value, shown=cut(text))
    return value


def check_field(name: str, value: Any, shown: str | None = None) -> None:
    """Check one already-typed value against its field's rule.

    Args:
        name: The field.
        value: Its typed value.
        shown: How to quote the value in the message (what the user typed), if not ``value``.
    """
    spec = FIELDS[name]
    try:
        valid = not isinstance(value, bool) and spec.check(value)
    except TypeError:
        valid = False
    if not valid:
        got = shown if shown is not None else _show(value)
        raise TuiNNError(f"{spec.label} {spec.rule}, got {got}", field=name)


@dataclass(frozen=True)
class Hyperparams:
    """Everything that decides how a network is built and trained. Defaults are the tutorial's.

    Attributes:
        recipe: ``tutorial`` (the seed's exact procedure) or ``textbook`` (correct gradients).
        hidden: Hidden layer sizes, input side first; empty for the tutorial's single neuron.
        activation: Activation of every hidden layer.
        output_activation: Activation of the output layer.
        loss: Loss the textbook recipe minimises (the tutorial recipe reports ``mse`` beside its
            signed error sum).
        optimizer: ``gd``, ``momentum`` or ``adam``.
        init: ``uniform`` (the tutorial's), ``xavier`` or ``he``.
        lr: Learning rate.
        epochs: Epochs a full run trains for.
        batch_size: Rows per update; 0 means the full batch.
        seed: Seeds the initial weights and the mini-batch shuffling.
        l2: L2 penalty on weights (not biases).
        l1: L1 penalty on weights (not biases).
        dtype: ``float64`` or ``float32``.
    """

    recipe: str = "tutorial"
    hidden: tuple[int, ...] = ()
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "mse"
    optimizer: str = "gd"
    init: str = "uniform"
    lr: float = 0.05
    epochs: int = 30000
    batch_size: int = 0
    seed: int = 42
    l2: float = 0.0
    l1: float = 0.0
    dtype: str = "float64"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "hidden", tuple(self.hidden))
        except TypeError:
            check_field("hidden", self.hidden)  # not a sequence of sizes: raises its message
        for name in FIELDS:
            check_field(name, getattr(self, name))
        self._check_combination()

    def _check_combination(self) -> None:
        required = REQUIRED_OUTPUT.get(self.loss)
        if required and self.output_activation != required:
            raise TuiNNError(
                f"loss {self.loss} needs output activation {required}, "
                f"got {self.output_activation}",
                field="loss",
            )
        if self.output_activation == "softmax" and self.loss != "ce":
            raise TuiNNError(
                f"output activation softmax needs loss ce, got {self.loss}",
                field="output_activation",
            )
        recipe = RECIPES[self.recipe]
        for name, value in recipe.fixed.items():
            if getattr(self, name) != value:
                others = " or ".join(n for n in RECIPES if n != self.recipe)
                raise TuiNNError(
                    f"{FIELDS[name].label} must be {_show(value)} with recipe {self.recipe} "
                    f"(it trains by the {self.recipe}'s own rule); choose recipe {others} "
                    f"to change it, got {_show(getattr(self, name))}",
                    field=name,
                )

    @property
    def training_recipe(self) -> Recipe:
        """The recipe these settings train by (its row in ``RECIPES``)."""
        return RECIPES[self.recipe]

    def replace(self, **changes: Any) -> Hyperparams:
        """A copy with some fields changed, validated again."""
        return dataclasses.replace(self, **changes)

    def to_text(self) -> dict[str, str]:
        """Every field as the text a user would type for it."""
        return {
            name: ",".join(str(n) for n in value) if isinstance(value, tuple) else str(value)
            for name, value in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_text(cls, texts: Mapping[str, str], base: Hyperparams | None = None) -> Hyperparams:
        """Parse the given fields from text over ``base`` (the defaults when omitted).

        Raises:
            TuiNNError: for the first field that does not parse, or a rule between fields.
        """
        unknown = sorted(set(texts) - set(FIELDS))
        if unknown:
            raise TuiNNError(f"unknown hyperparameter {unknown[0]!r}", field=unknown[0])
        values = {name: parse_field(name, text) for name, text in texts.items()}
        return dataclasses.replace(base or cls(), **values)
