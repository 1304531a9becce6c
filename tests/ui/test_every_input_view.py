"""The Every input view: the network's answer for every 0/1 input, seen or not."""

from __future__ import annotations

from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.every_input import EveryInput

from .views_harness import ViewApp, screen_text, trained_snapshot

TUTORIAL = Hyperparams(epochs=2000)


async def test_the_tutorial_shows_all_eight_inputs_and_the_two_it_never_asks() -> None:
    snapshot = trained_snapshot("tutorial", TUTORIAL, test_split=0.0)
    view = EveryInput()
    async with ViewApp(view).run_test(size=(44, 12)) as pilot:
        view.show(snapshot)
        await pilot.pause()
        text = screen_text(view)
        assert text[0].startswith("8 inputs · 6 seen, 0 wrong · 2 unseen")
        rows = {line.split("│")[0].strip(): line for line in text[2:10]}
        assert "unseen" in rows["0 0 0"] and "unseen" in rows["1 0 1"]
        assert rows["0 1 0"].rstrip().endswith("1 ✓")
        table = view.table
        assert table is not None
        probability = table.probabilities[0, 0]
        assert f"{probability:.3f} → 0" in rows["0 0 0"]


async def test_arrows_and_pages_scroll_a_long_table() -> None:
    snapshot = trained_snapshot("xor", Hyperparams(epochs=5), test_split=0.0)
    view = EveryInput()
    async with ViewApp(view).run_test(size=(44, 4)) as pilot:
        view.show(snapshot)
        view.focus()
        await pilot.pause()
        assert screen_text(view)[2].startswith("0 0")
        await pilot.press("down")
        assert screen_text(view)[2].startswith("0 1")
        await pilot.press("pagedown", "pagedown")
        assert screen_text(view)[3].startswith("1 1")  # stops at the last row
        await pilot.press("up", "pageup", "pageup")
        assert screen_text(view)[2].startswith("0 0")


async def test_data_that_is_not_binary_says_why() -> None:
    view = EveryInput()
    async with ViewApp(view).run_test(size=(60, 6)) as pilot:
        view.show(trained_snapshot("spiral", Hyperparams(epochs=1)))
        await pilot.pause()
        assert "Every input needs 0/1 features (at most 10)" in " ".join(screen_text(view))
        assert view.table is None
