"""The engine: a from-scratch NumPy neural network. Pure NumPy and the standard library only."""

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network, Prediction
from tui_nn.core.training import Divergence, EpochResult, Evaluation, Trainer

__all__ = [
    "TUTORIAL_DATASET",
    "Dataset",
    "Divergence",
    "EpochResult",
    "Evaluation",
    "Hyperparams",
    "Network",
    "Prediction",
    "Trainer",
    "TuiNNError",
]
