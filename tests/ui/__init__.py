"""Pilot and snapshot tests of the workbench."""
