"""The workbench in a browser (``tui-nn serve``): needs the ``serve`` extra (textual-serve)."""
