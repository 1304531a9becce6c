"""The Textual workbench: four panels around a background training worker.

Nothing in ``tui_nn.core`` imports from here; this package only reads the engine's records and
drives its ``Trainer`` from one thread worker.
"""
