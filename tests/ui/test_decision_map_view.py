"""The Decision map view: the plane coloured by the model's answer, data on top, keys to explore."""

from __future__ import annotations

import numpy as np
import pytest
from rich.color import ColorType
from rich.segment import Segment

from tui_nn.core.dataset import Dataset
from tui_nn.core.decision_map import nice_number
from tui_nn.core.model_snapshot import ModelSnapshot
from tui_nn.core.network import Network
from tui_nn.ui.decision_map import DecisionMap
from tui_nn.ui.map_render import WRONG_GLYPH

from .views_harness import ViewApp, screen_text, trained_snapshot

SIZE = (60, 20)


def linear_snapshot() -> ModelSnapshot:
    """A model whose boundary is the line x1 = 0: class 0 on the left, class 1 on the right."""
    network = Network.from_arrays([[[40.0], [0.0]]], [[0.0]], ["sigmoid"])
    dataset = Dataset(
        np.array([[-1.0, -1.0], [1.0, 1.0], [-0.5, 0.5], [0.5, -0.5]]),
        np.array([0, 1, 1, 1]),  # (-0.5, 0.5) sits on the class-0 side: the model gets it wrong
        ("x1", "x2"),
    )
    return ModelSnapshot(network, dataset, epoch=10)


def map_segments(view: DecisionMap) -> list[Segment]:
    return [s for y in range(view.size.height - 2) for s in view.render_line(y)]


def colours_used(view: DecisionMap) -> set[object]:
    found = set()
    for segment in map_segments(view):
        if segment.style is not None and segment.text.strip("▀▄") == "":
            found |= {segment.style.color, segment.style.bgcolor} - {None}
    return found


async def test_axes_show_the_data_range_and_the_legend_names_the_classes() -> None:
    snapshot = trained_snapshot("spiral")
    view = DecisionMap()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.show(snapshot)
        await pilot.pause()
        text = screen_text(view)
        plane = view.plane
        assert plane is not None
        assert text[0].lstrip().startswith(nice_number(plane.y_range[1]))
        assert text[-3].lstrip().startswith(nice_number(plane.y_range[0]))
        assert nice_number(plane.x_range[0]) in text[-2] and "x1" in text[-2]
        assert text[-2].rstrip().endswith(nice_number(plane.x_range[1]))
        assert "● 0" in text[-1] and "■ 1" in text[-1] and "test" in text[-1]


async def test_each_side_of_the_boundary_has_its_class_colour_and_wrong_points_a_cross() -> None:
    view = DecisionMap()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.show(linear_snapshot())
        await pilot.pause()
        rows = [list(view.render_line(y)) for y in range(3, 6)]
        for segments in rows:
            cells = [s for s in segments if s.text and set(s.text) <= {"▀", "▄"}]
            assert cells[0].style is not None and cells[-1].style is not None
            assert cells[0].style.color != cells[-1].style.color
        assert any(WRONG_GLYPH in line for line in screen_text(view))


async def test_zoom_keys_magnify_and_shrink_the_plane() -> None:
    view = DecisionMap()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.show(trained_snapshot("xor", test_split=0.0))
        view.focus()
        await pilot.pause()
        assert view.plane is not None
        low, high = view.plane.x_range
        await pilot.press("plus")
        assert view.plane.x_range[1] - view.plane.x_range[0] == pytest.approx((high - low) / 1.5)
        assert "zoom 1.5×" in screen_text(view)[-1]
        await pilot.press("minus", "minus")
        assert view.plane.x_range[1] - view.plane.x_range[0] == pytest.approx((high - low) * 1.5)


async def test_x_and_y_keys_choose_the_features_of_wider_data() -> None:
    view = DecisionMap()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.show(trained_snapshot("tutorial", test_split=0.0))
        view.focus()
        await pilot.pause()
        assert (view.x_feature, view.y_feature) == (0, 1)
        await pilot.press("x")
        assert (view.x_feature, view.y_feature) == (2, 1)  # x skips the feature upwards
        assert "x3" in screen_text(view)[-2]
        await pilot.press("y")
        assert (view.x_feature, view.y_feature) == (2, 0)
        assert "x1" in "".join(screen_text(view)[:-2])


async def test_data_the_map_cannot_show_says_why() -> None:
    one_feature = Dataset(np.array([[0.0], [1.0]]), np.array([0, 1]), ("a",))
    network = Network.initialised((1, 1), ("sigmoid",))
    view = DecisionMap()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.show(ModelSnapshot(network, one_feature))
        await pilot.pause()
        assert "needs at least 2 features" in " ".join(screen_text(view))


async def test_sixteen_colours_use_ansi_colours_and_draw_the_contour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("COLORTERM", raising=False)
    view = DecisionMap()
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        assert app.console.color_system == "standard"
        view.show(linear_snapshot())
        await pilot.pause()
        used = colours_used(view)
        assert used and all(colour.type == ColorType.STANDARD for colour in used)  # type: ignore[attr-defined]
        assert any(colour.name == "bright_white" for colour in used)  # type: ignore[attr-defined]


async def test_true_colour_shades_each_class_by_confidence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")
    view = DecisionMap()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.show(trained_snapshot("spiral"))
        await pilot.pause()
        used = colours_used(view)
        assert all(colour.type == ColorType.TRUECOLOR for colour in used)  # type: ignore[attr-defined]
        assert len(used) > 6  # several confidence steps per class


async def test_a_big_network_gets_a_coarser_map_and_a_huge_one_says_why() -> None:
    dataset = Dataset(np.array([[-1.0, -1.0], [1.0, 1.0]]), np.array([0, 1]), ("x1", "x2"))
    view = DecisionMap()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        coarse = Network.initialised((2, 2000, 1), ("tanh", "sigmoid"))
        view.show(ModelSnapshot(coarse, dataset))
        await pilot.pause()
        top = [s for s in view.render_line(0) if s.text and set(s.text) <= {"▀", "▄"}]
        assert top and min(len(s.text) for s in top[1:-1] or top) >= 2  # blocks, not pixels
        huge = Network((2, 3000, 3000, 1), ("tanh", "tanh", "sigmoid"))
        view.show(ModelSnapshot(huge, dataset))
        await pilot.pause()
        text = " ".join(" ".join(screen_text(view)).split())
        assert "too large to map live (9,009,000 weights)" in text
