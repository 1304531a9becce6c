"""The Textual workbench: four panels, a status line, and a training process behind them.

Nothing in ``tui_nn.core`` imports from here; this package only reads the engine's records and
drives the training process (``tui_nn.core.training_process``) through ``TrainingLink``.
"""

import os

# A lone Esc byte could begin an escape sequence, so Textual waits ESCDELAY ms (default 100)
# before it calls it Esc: every Esc press would take 100 ms. A terminal sends a sequence in one
# write, which arrives whole even over SSH, so 25 ms loses nothing and answers Esc at once.
# Set before Textual is imported, which reads it once; a value the user set is kept.
os.environ.setdefault("ESCDELAY", "25")
