"""The Network view: neurons with activations and biases, links by sign and size, arrow keys."""

from __future__ import annotations

from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.network_view import NetworkView, short_number

from .views_harness import TANH_8_8, ViewApp, screen_text, trained_snapshot


async def test_every_neuron_shows_its_activation_and_bias() -> None:
    snapshot = trained_snapshot("spiral", selected_row=4)
    view = NetworkView()
    async with ViewApp(view).run_test(size=(80, 20)) as pilot:
        view.show(snapshot)
        await pilot.pause()
        text = "\n".join(screen_text(view))
        activations = snapshot.selected_activations()
        assert activations is not None
        network = snapshot.network
        for layer in (1, 2):
            for index in range(8):
                value = short_number(float(activations[layer][index]))
                bias = short_number(float(network.biases[layer - 1][index]))
                assert f"●{value} b{bias}" in text
        assert "h1 tanh" in text and "out sigmoid" in text


async def test_arrow_keys_select_a_neuron_and_its_weights_are_listed() -> None:
    snapshot = trained_snapshot("spiral")
    view = NetworkView()
    async with ViewApp(view).run_test(size=(80, 24)) as pilot:
        view.show(snapshot)
        view.focus()
        await pilot.pause()
        assert (view.selected_layer, view.selected_neuron) == (1, 0)
        await pilot.press("right", "down", "down")
        assert (view.selected_layer, view.selected_neuron) == (2, 2)
        text = screen_text(view)
        details = "\n".join(text[text.index(next(t for t in text if t.startswith("─"))) :])
        assert details.splitlines()[1].startswith("h2.3 tanh")
        weights = snapshot.network.weights[1][:, 2]
        assert f"1 {short_number(float(weights[0]))}" in details
        bias = snapshot.network.biases[1][2]
        assert f"bias {short_number(float(bias))}" in details
        await pilot.press("right", "right", "up", "up")  # clamped at the output neuron
        assert (view.selected_layer, view.selected_neuron) == (3, 0)
        await pilot.press("left", "left", "left", "left")
        assert view.selected_layer == 0
        assert any(line.startswith("input x1 =") for line in screen_text(view))


async def test_a_neuron_of_two_feature_data_draws_its_own_map() -> None:
    view = NetworkView()
    async with ViewApp(view).run_test(size=(80, 24)) as pilot:
        view.show(trained_snapshot("spiral"))
        await pilot.pause()
        last = screen_text(view)[-1]
        assert "▀" in last or "▄" in last
        view.show(trained_snapshot("tutorial", Hyperparams(hidden=(3,), epochs=50), 0.0))
        await pilot.pause()
        assert not any("▀" in line for line in screen_text(view))


async def test_wide_layers_and_deep_networks_say_what_is_not_shown() -> None:
    deep = TANH_8_8.replace(hidden=(30, 8, 8, 8, 8), epochs=2)
    view = NetworkView()
    async with ViewApp(view).run_test(size=(42, 12)) as pilot:
        view.show(trained_snapshot("spiral", deep))
        view.focus()
        await pilot.pause()
        text = screen_text(view)
        assert any("+24 more" in line for line in text)
        assert text[0].rstrip().endswith("▶")
        await pilot.press("right", "right", "right", "right")
        assert screen_text(view)[0].startswith("◀")
