"""Tests of `tui-nn serve`: the workbench in a browser."""
