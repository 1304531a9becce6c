"""Command line: ``tui-nn`` opens the workbench; ``tui-nn train`` trains headless."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tui-nn`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "train":
        return 0
    return 0
