"""The README's shell examples print what the README says they print.

Every line starting with ``$ `` inside a ```` ```sh ```` block is run in bash (continuation
lines ending in ``\\`` joined, ``tui-nn`` being this checkout), and its output (stdout and
stderr) must equal the lines after it, up to the next ``$ `` line or the end of the block.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def examples() -> list[tuple[str, str]]:
    """``(command, expected output)`` for every ``$`` example in the README."""
    found: list[tuple[str, str]] = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL):
        lines = block.splitlines()
        index = 0
        while index < len(lines):
            if not lines[index].startswith("$ "):
                index += 1
                continue
            command = lines[index][2:]
            while command.endswith("\\"):
                index += 1
                command += "\n" + lines[index]
            index += 1
            output = []
            while index < len(lines) and not lines[index].startswith("$ "):
                output.append(lines[index])
                index += 1
            found.append((command, "\n".join(output)))
    return found


@pytest.fixture(scope="module")
def tui_nn_on_path(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment whose ``tui-nn`` runs this checkout with this interpreter."""
    folder = tmp_path_factory.mktemp("bin")
    script = folder / "tui-nn"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tui_nn "$@"\n')
    script.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "100",
    }


def test_the_readme_has_examples() -> None:
    assert len(examples()) >= 4


@pytest.mark.parametrize(("command", "expected"), examples(), ids=lambda v: v[:40])
def test_readme_example_prints_what_it_says(
    command: str, expected: str, tui_nn_on_path: dict[str, str], tmp_path: Path
) -> None:
    done = subprocess.run(
        ["bash", "-c", "{ " + command + "\n} 2>&1"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=tui_nn_on_path,
    )
    assert done.stdout.rstrip("\n") == expected, f"$ {command}\n{done.stdout}"
