"""The form's fixed-choice fields, driven by keys as a user does."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from textual.pilot import Pilot

from tests.ui.pilot import WatchedApp, quiet
from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.choice_field import ChoiceField, ChoiceList


@contextlib.asynccontextmanager
async def focused(
    name: str,
) -> AsyncIterator[tuple[WatchedApp, Pilot[Any], ChoiceField]]:
    """The workbench (textbook recipe, mse loss) with the focus on the form's ``name`` field."""
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams(recipe="textbook", loss="mse")))
    async with app.run_test(size=(100, 30)) as pilot:
        field = app.query_one(f"#hp-{name}", ChoiceField)
        field.focus()
        yield app, pilot, field


async def test_enter_drops_the_list_and_enter_picks() -> None:
    """Enter opens the list on the current choice; Down, Enter picks the next one."""
    async with focused("loss") as (app, pilot, field):
        await pilot.press("enter")
        choices = field.query_one(ChoiceList)
        assert field.expanded and choices.display and app.focused is choices
        assert choices.highlighted == field.choices.index("mse")
        await pilot.press("down", "enter")
        following = field.choices[field.choices.index("mse") + 1]
        assert field.value == following
        assert not field.expanded and not choices.display and app.focused is field
        assert app.form.texts()["loss"] == following


async def test_escape_closes_the_list_unchanged() -> None:
    async with focused("activation") as (app, pilot, field):
        before = field.value
        await pilot.press("space", "down", "escape")
        assert field.value == before and not field.expanded and app.focused is field


async def test_left_and_right_step_through_the_choices() -> None:
    """←/→ change the value in place, stopping at the ends; the form checks it at once."""
    async with focused("optimizer") as (app, pilot, field):
        first = field.choices[0]
        await pilot.press(*["left"] * len(field.choices))
        assert field.value == first
        await pilot.press("right")
        assert field.value == field.choices[1]
        assert app.form.texts()["optimizer"] == field.choices[1]


async def test_tab_away_closes_the_list() -> None:
    async with focused("init") as (app, pilot, field):
        await pilot.press("enter")
        assert field.expanded
        await pilot.press("tab")
        await pilot.pause()
        assert not field.expanded and app.focused is not field.query_one(ChoiceList)


async def test_a_choice_that_breaks_a_rule_shows_its_error() -> None:
    """The tutorial recipe fixes the loss: choosing another shows the rule under the field."""
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("loss", "bce")
        await pilot.pause()
        assert "loss" in app.form.errors()
