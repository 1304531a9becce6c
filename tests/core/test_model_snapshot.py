"""What the views are fed: a model, its data, and which epoch of the run it is."""

from __future__ import annotations

import numpy as np

from tui_nn.core.datasets import make_dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.model_snapshot import ModelSnapshot, layer_outputs
from tui_nn.core.split import prepare_data
from tui_nn.core.training import Trainer


def test_layer_outputs_end_with_the_prediction_of_standardised_rows() -> None:
    dataset = make_dataset("moons")
    prepared = prepare_data(dataset, 0.25, True, 0)
    hyperparams = Hyperparams(recipe="textbook", hidden=(5, 3), activation="relu", epochs=5)
    trainer = Trainer(hyperparams, prepared.train, prepared.test)
    list(trainer.run())
    snapshot = ModelSnapshot.of(trainer.network, dataset, prepared, trainer.epoch, selected_row=7)
    layers = snapshot.selected_activations()
    assert layers is not None and [a.size for a in layers] == [2, 5, 3, 1]
    expected = trainer.network.predict(prepared.standardizer.transform(dataset.features[7]))
    np.testing.assert_allclose(layers[-1], expected.probabilities[0])
    np.testing.assert_array_equal(
        snapshot.predict().classes,
        trainer.network.predict(prepared.standardizer.transform(dataset.features)).classes,
    )
    assert snapshot.train_features.shape[0] == int((~prepared.test_mask).sum())
    assert layer_outputs(trainer.network, layers[0])[0].tolist() == layers[0].tolist()


def test_the_past_is_labelled_with_both_epochs() -> None:
    dataset = make_dataset("xor")
    trainer = Trainer(Hyperparams(epochs=1), dataset)
    now = ModelSnapshot(trainer.network, dataset, epoch=1200)
    assert now.epoch_label == "epoch 1,200" and not now.in_past
    then = ModelSnapshot(trainer.network, dataset, epoch=300, latest_epoch=1200)
    assert then.epoch_label == "viewing epoch 300 of 1,200" and then.in_past


def test_a_model_for_other_data_does_not_fit() -> None:
    trainer = Trainer(Hyperparams(epochs=1), make_dataset("xor"))
    snapshot = ModelSnapshot(trainer.network, make_dataset("tutorial"))
    assert not snapshot.fits and snapshot.selected_activations() is None
