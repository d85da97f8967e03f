"""``fuzz/run.py``, the fuzz targets' runner, without atheris: the commands it builds."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

RUN = Path(__file__).resolve().parents[1] / "fuzz" / "run.py"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fuzz_run", module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    return module


def test_an_input_to_replay_is_found_from_where_the_command_was_typed(
    run: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # libFuzzer runs in the target's work folder, so a relative path must be made absolute.
    (tmp_path / "crash-1").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    calls: list[tuple[list[str], object]] = []
    monkeypatch.setattr(subprocess, "call", lambda args, cwd=None: calls.append((args, cwd)) or 0)
    assert run.main(["versions", "--", "crash-1", "-runs=1"]) == 0
    [(args, cwd)] = calls
    assert args[2:] == [os.path.join(tmp_path, "crash-1"), "-runs=1"]
    assert Path(cwd) != tmp_path  # the work folder, where a relative name would not be
    assert Path(args[2]).is_file()
