"""Allow ``python -m tui_nn``."""

from tui_nn.cli import main

raise SystemExit(main())
