"""The child that verifies ahead (``readers/ahead.py``): what the reports alone cannot show.

The fast-path tests prove the parallel report is the serial one. These watch the process
itself: it is killed when the parent stops early, it is never forked while another thread
runs, and it reads by offset, leaving the file position it shares with the parent alone.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pytest

from assetcheck import engine, views
from assetcheck.readers import ahead
from assetcheck.readers.zipreader import Budget, ZipArchive
from assetcheck.report.json_report import report_to_dict
from assetcheck.settings import DEFAULT_LIMITS, Settings
from tests.builders import class_file, make_jar, plugin_files
from tests.catalogue import check_paths

# Enough classes that the child's verdicts on them (one frame) overfill a pipe (64 KiB): the
# child cannot finish before its parent reads, so only a kill ends it early.
CLASSES = 6000
WATCHDOG = 10.0  # seconds before the fixture ends a child itself, with SIGTERM


@dataclass
class Children:
    """Every child forked during a test, and how each was reaped."""

    pids: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    watchdogs: list[threading.Timer] = field(default_factory=list)

    def killed(self, pid: int) -> bool:
        status = self.statuses[pid]
        return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _gone(pid: int) -> bool:
    """Reaped, not a zombie and not running: no child of ours and no /proc entry."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not Path(f"/proc/{pid}").exists()
    return False


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> Iterator[Children]:
    seen = Children()
    real_fork, real_waitpid = os.fork, os.waitpid

    def fork() -> int:
        pid = real_fork()
        if pid:
            seen.pids.append(pid)
            # A broken kill would leave the parent waiting on a child that waits on it; the
            # watchdog ends that with SIGTERM, which the test then tells from SIGKILL.
            watchdog = threading.Timer(WATCHDOG, os.kill, (pid, signal.SIGTERM))
            watchdog.start()
            seen.watchdogs.append(watchdog)
        return pid

    def waitpid(pid: int, options: int) -> tuple[int, int]:
        found = real_waitpid(pid, options)
        if found[0] == pid:
            seen.statuses[pid] = found[1]
        return found

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(os, "waitpid", waitpid)
    yield seen
    for watchdog in seen.watchdogs:
        watchdog.cancel()
    for pid in seen.pids:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            real_waitpid(pid, 0)


@pytest.fixture
def every_artifact_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "AHEAD_MIN_COST", 0)


@pytest.fixture(scope="module")
def many_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    classes = {f"com/acme/c{i}/C{i}.class": class_file(52, bytes(40)) for i in range(CLASSES)}
    path = tmp_path_factory.mktemp("ahead") / "many-classes.jar"
    path.write_bytes(make_jar(plugin_files(**classes)))
    return path


def _open(handle: BinaryIO) -> ZipArchive:
    limits = DEFAULT_LIMITS
    archive = ZipArchive.open(handle, limits, Budget(limits.max_total_uncompressed))
    assert archive.readable and not archive.issues
    return archive


def _plan(archive: ZipArchive) -> ahead.Plan:
    plain = [entry for entry in archive.entries if not entry.is_dir]
    return ahead.Plan((), plain, DEFAULT_LIMITS.spool_in_memory_below, digest=True)


def _report(path: Path, settings: Settings) -> str:
    report = check_paths([path], settings)
    assert not report.files[0].internal_errors
    return json.dumps(report_to_dict(report)["files"], sort_keys=True)


# -- killed when the parent stops early ---------------------------------------------------------


def test_close_kills_a_child_still_at_work(many_classes: Path, children: Children) -> None:
    with many_classes.open("rb") as handle:
        archive = _open(handle)
        assert archive.start_ahead(_plan(archive))
        [pid] = children.pids
        archive.close_ahead()  # no verdict was taken: the parent stopped before it needed one
    assert children.killed(pid), children.statuses
    assert _gone(pid)


def test_a_check_that_stops_early_leaves_no_child(
    many_classes: Path,
    children: Children,
    every_artifact_ahead: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreadable(*args: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(engine, "_walk_bundles", unreadable)
    [file] = check_paths([many_classes], Settings(jobs=2)).files
    assert any("Input/output error" in finding.message for finding in file.findings)
    [pid] = children.pids
    assert children.killed(pid), children.statuses
    assert _gone(pid)


def test_a_finished_check_reaps_its_child(
    many_classes: Path, children: Children, every_artifact_ahead: None
) -> None:
    # The control for the two above: a child that answered everything exits by itself.
    _report(many_classes, Settings(jobs=2))
    [pid] = children.pids
    assert os.WIFEXITED(children.statuses[pid]) and os.WEXITSTATUS(children.statuses[pid]) == 0
    assert _gone(pid)


# -- not forked while other threads run ---------------------------------------------------------


def test_no_child_is_forked_while_another_thread_runs(
    many_classes: Path, children: Children, every_artifact_ahead: None
) -> None:
    serial = _report(many_classes, Settings(jobs=1))
    assert ahead.can_fork()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="another-thread")
    other.start()
    try:
        assert not ahead.can_fork()
        with many_classes.open("rb") as handle:
            archive = _open(handle)
            assert ahead.Ahead.start(archive, _plan(archive)) is None
        parallel = _report(many_classes, Settings(jobs=2))
    finally:
        stop.set()
        other.join()
    assert children.pids == []
    assert parallel == serial


# -- reads by offset ----------------------------------------------------------------------------


def test_the_child_reads_by_offset_and_leaves_the_shared_position_alone(
    many_classes: Path, children: Children
) -> None:
    data = many_classes.read_bytes()
    with many_classes.open("rb") as handle:
        archive = _open(handle)
        # The forked child shares this file description and its offset with the parent.
        position = handle.seek(len(data) // 3)
        assert archive.start_ahead(_plan(archive))
        assert archive.ahead is not None
        verdicts = archive.ahead.verdicts()
        digest = archive.ahead.ahead.digest()
        assert os.lseek(handle.fileno(), 0, os.SEEK_CUR) == position
        assert handle.tell() == position
        archive.close_ahead()
    assert digest == (len(data), hashlib.sha256(data).hexdigest())
    classes = [e for e in archive.entries if e.name.startswith("com/acme/c") and not e.is_dir]
    assert len(classes) == CLASSES
    for entry in classes:
        verdict = verdicts[entry.index]
        assert (verdict.taken, verdict.issue) == (entry.file_size, None)
        assert verdict.head == class_file(52)[:8]
    [pid] = children.pids
    assert _gone(pid)
