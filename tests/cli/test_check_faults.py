"""Faults while `assetcheck check` runs, in a real process: files that change, vanish or become
unreadable under it, and an interrupt. The verdict is always a finding or an error, never a
pass, a traceback or a partial report.

The engine's own bookkeeping for these faults is covered with hooks in tests/test_engine_walk.py
(FILE002 from a changed identity), tests/test_engine_mutants.py (images) and
tests/rules/test_files.py (FILE001 for a vanished or unreadable file, FILE002 for a write after
the digest). Here the file really changes while another process reads it: the checker is
stopped (SIGSTOP) once it holds the artifact open and has begun reading it, the file is
truncated, appended to, unlinked or another input made unreadable, and the checker goes on
(SIGCONT). Stopping it makes the moment exact, so the tests do not depend on timing under load.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from assetcheck import cli as cli_module
from tests import builders
from tests.probe import unprivileged

ROOT = Path(__file__).resolve().parents[2]
GOOD_JAR = ROOT / "samples/artifacts/good/issuehelper-1.2.0.jar"
# 12 stored entries of 4 MiB: about 50 MB, which a check reads for a few tenths of a second.
BLOBS = 12


@pytest.fixture(scope="module")
def large_jar_bytes() -> bytes:
    extra: dict[str, bytes | str | None] = {}
    for index in range(BLOBS):
        extra[f"lib/blob{index}.bin"] = random.Random(index).randbytes(4 * 1024 * 1024)
    files = builders.plugin_files(**extra)
    return builders.make_zip(files, compression=zipfile.ZIP_STORED)


@pytest.fixture
def large_jar(tmp_path: Path, large_jar_bytes: bytes) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "big-app-1.0.0.jar"
    path.write_bytes(large_jar_bytes)
    return path


CHECK = [sys.executable, "-m", "assetcheck", "check"]


def _default_sigint() -> None:
    # A CI runner may start the tests with SIGINT ignored (a background job does), and an
    # ignored SIGINT is inherited: Python then installs no handler and Ctrl-C does nothing.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_check(*args: str, prefix: list[str] | None = None) -> subprocess.Popen[str]:
    command = [*(prefix or []), *CHECK, *args]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "CI": "true"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _read_position(pid: int, path: Path) -> int | None:
    """Where ``pid`` reads ``path`` (an fd on it, even deleted), or None when it has none."""
    names = {str(path), f"{path} (deleted)"}
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            if os.readlink(f"/proc/{pid}/fd/{fd}") in names:
                fields = Path(f"/proc/{pid}/fdinfo/{fd}").read_text().split()
                return int(fields[fields.index("pos:") + 1])
    except (OSError, ValueError):
        pass
    return None


def stop_while_reading(process: subprocess.Popen[str], path: Path) -> None:
    """SIGSTOP ``process`` once it holds ``path`` open and has begun reading it.

    A position past 0 means the check took the file's identity (that comes first) and reads
    it; the file is still open once stopped, so the check is not over.
    """
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, "the check ended before it was seen reading the file"
        assert time.monotonic() < deadline, "the check was never seen reading the file"
        if _read_position(process.pid, path):
            os.kill(process.pid, signal.SIGSTOP)
            if _read_position(process.pid, path) is not None:
                return
            os.kill(process.pid, signal.SIGCONT)  # closed just now: too late, should not happen
            pytest.fail("the check closed the file as it was stopped")
        time.sleep(0.001)


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    os.kill(process.pid, signal.SIGCONT)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def findings(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    [file] = [f for f in document["files"] if Path(f["path"]).name == name]
    found: list[dict[str, Any]] = file["findings"]
    return found


def _shrink(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _grow(path: Path) -> None:
    with path.open("ab") as handle:
        handle.write(b"\0" * 4096)


def _vanish(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_shrink, "its size went from"),
        (_grow, "its size went from"),
        (_vanish, "it was written to during the check"),  # unlinking changes the inode's ctime
    ],
    ids=["shrinks", "grows", "disappears"],
)
def test_an_artifact_that_changes_while_it_is_read_is_file002(
    large_jar: Path, jobs: str, mutate: Callable[[Path], None], message: str
) -> None:
    size = large_jar.stat().st_size
    process = start_check("--format", "json", "-j", jobs, str(large_jar))
    stop_while_reading(process, large_jar)
    mutate(large_jar)
    code, out, err = finish(process)

    assert code == 1, err  # a finding: not a pass (0), not an internal error (3)
    assert "Traceback" not in err and "internal error" not in err, err
    document = json.loads(out)
    assert document["summary"]["errors"] >= 1
    changed = [f for f in findings(document, large_jar.name) if f["code"] == "FILE002"]
    assert len(changed) == 1 and message in changed[0]["message"], changed
    if mutate is _shrink:
        assert f"from {size:,} to {size // 2:,} bytes" in changed[0]["message"]


def test_an_input_made_unreadable_during_the_run_is_file001(
    tmp_path: Path, large_jar: Path
) -> None:
    # Root reads any file: the check runs without root's powers, so mode 000 holds.
    tmp_path.chmod(0o755)
    large_jar.parent.chmod(0o755)
    later = large_jar.parent / "later-app-1.0.0.jar"  # sorted after big-app: checked second
    later.write_bytes(GOOD_JAR.read_bytes())
    process = start_check("--format", "json", str(large_jar.parent), prefix=unprivileged())
    stop_while_reading(process, large_jar)
    later.chmod(0)
    code, out, err = finish(process)

    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    document = json.loads(out)
    [unreadable] = findings(document, later.name)
    assert unreadable["code"] == "FILE001" and "Permission denied" in unreadable["message"]
    assert findings(document, large_jar.name) == []  # the other input is unharmed


def _processes_holding(path: Path) -> list[int]:
    holders = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if _read_position(int(pid), path) is not None:
            holders.append(int(pid))
    return holders


def _interrupt(large_jar: Path, report: Path, jobs: str) -> tuple[int, str]:
    process = start_check("--format", "json", "-j", jobs, "--output", str(report), str(large_jar))
    stop_while_reading(process, large_jar)
    os.kill(process.pid, signal.SIGINT)  # delivered when it goes on
    code, _, err = finish(process)
    return code, err


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("earlier", [False, True], ids=["no-earlier-report", "earlier-report"])
def test_an_interrupted_check_leaves_no_partial_report(
    tmp_path: Path, large_jar: Path, jobs: str, earlier: bool
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    report = out / "report.json"
    if earlier:
        done = subprocess.run(
            [*CHECK, "--format", "json", "-o", str(report), str(GOOD_JAR)],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0 and report.is_file(), done.stderr
    before = report.read_bytes() if earlier else None

    code, err = _interrupt(large_jar, report, jobs)

    assert code != 0 and "Traceback" not in err, (code, err)
    # No report, no temporary file beside it; an earlier report is left whole.
    assert sorted(p.name for p in out.iterdir()) == (["report.json"] if earlier else [])
    if before is not None:
        assert report.read_bytes() == before
    # Nothing the check started (the verifier on the other core) goes on reading the input.
    deadline = time.monotonic() + 5
    while _processes_holding(large_jar) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_holding(large_jar) == []


def test_an_interrupted_check_exits_130(tmp_path: Path, large_jar: Path) -> None:
    code, err = _interrupt(large_jar, tmp_path / "report.json", "1")
    assert code == 130, (code, err)
    assert "interrupted" in err


def _aborted_at_a_prompt(interrupted: bool) -> Callable[..., object]:
    """What click's prompt() and confirm() raise: Abort from None, after Ctrl-C or a 'no'."""

    def main(**_: object) -> object:
        if not interrupted:
            raise click.exceptions.Abort()
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise click.exceptions.Abort() from None

    return main


@pytest.mark.parametrize(("interrupted", "code"), [(True, 130), (False, 1)])
def test_ctrl_c_at_a_prompt_exits_130_and_a_refusal_1(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    interrupted: bool,
    code: int,
) -> None:
    monkeypatch.setattr(cli_module.cli, "main", _aborted_at_a_prompt(interrupted))
    assert cli_module.main(["assets", "delete", "/rest/2/assets/x"]) == code
    assert capsys.readouterr().err.strip() == ("interrupted" if interrupted else "Aborted.")
