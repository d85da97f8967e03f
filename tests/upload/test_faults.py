"""`assetcheck upload` under faults: the network, the server's answers, the ledger's disk, and a
process killed at each step of an upload. Each test states the verdict (exit code, message) and
the ledger's row count after it.

Already covered elsewhere, and not repeated here: the client's own handling of a drip, of
Retry-After and of a lost answer (test_robustness.py), malformed answers and a wrong size at
the client and orchestration level (test_marketplace.py, test_upload.py), a permanent 500
through the CLI (tests/cli/test_upload.py), a file that is not a ledger opened as a Ledger
(test_ledger.py), and a run killed while its answer is delayed (test_exactly_once.py).
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from assetcheck import cli_upload
from assetcheck.cli import cli
from tests import builders
from tests.probe import unprivileged
from tests.upload.marketplace_server import TOKEN, USER, Fault, Gate, StandInMarketplace

ROOT = Path(__file__).resolve().parents[2]
GOOD_JAR = ROOT / "samples/artifacts/good/issuehelper-1.2.0.jar"
GOOD_OBR = ROOT / "samples/artifacts/good/issuehelper-1.2.0.obr"
NO_PROXY_ENV: dict[str, Any] = {
    "HTTPS_PROXY": None,
    "https_proxy": None,
    "ALL_PROXY": None,
    "all_proxy": None,
}


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch, sleeps: list[float]) -> None:
    """In-process runs record their waits instead of sleeping them."""
    monkeypatch.setitem(cli_upload.CLIENT_DEFAULTS, "sleep", sleeps.append)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger" / "ledger.db"


@pytest.fixture(scope="module")
def large_jar_bytes() -> bytes:
    """A valid plugin jar of about 24 MB: more than loopback's socket buffers hold."""
    blobs = {f"lib/blob{n}.bin": random.Random(n).randbytes(4 * 1024 * 1024) for n in range(6)}
    files = builders.plugin_files(**blobs)  # type: ignore[arg-type]
    return builders.make_zip(files, compression=zipfile.ZIP_STORED)


@pytest.fixture
def large_jar(tmp_path: Path, large_jar_bytes: bytes) -> Path:
    path = tmp_path / "big-app-1.0.0.jar"
    path.write_bytes(large_jar_bytes)
    return path


def invoke(base_url: str, ledger: Path, *args: str, env: dict[str, Any] | None = None) -> Result:
    environment: dict[str, Any] = {"ASSETCHECK_USER": USER, "ASSETCHECK_TOKEN": TOKEN, "CI": "true"}
    environment.update(NO_PROXY_ENV)
    environment.update(env or {})
    command = ["upload", "--base-url", base_url, "--ledger", str(ledger), *args]
    return CliRunner().invoke(cli, command, env=environment, catch_exceptions=False)


def row_count(ledger: Path) -> int:
    """Rows in the ledger; 0 when there is no ledger file (none was created)."""
    if not ledger.exists():
        return 0
    with closing(sqlite3.connect(ledger)) as conn:
        return int(conn.execute("SELECT count(*) FROM uploads").fetchone()[0])


def recorded(ledger: Path) -> bool:
    """Whether a run has committed a row yet (its ledger may still be being created)."""
    try:
        return row_count(ledger) > 0
    except sqlite3.OperationalError:
        return False


def pending_claims(ledger: Path) -> int:
    with closing(sqlite3.connect(ledger)) as conn:
        found = conn.execute("SELECT count(*) FROM claims WHERE status = 'pending'").fetchone()
    return int(found[0])


def unused_flags(ledger: Path) -> list[int]:
    with closing(sqlite3.connect(ledger)) as conn:
        return [r[0] for r in conn.execute("SELECT unused_asset_possible FROM uploads")]


# Runs assetcheck with SIGXFSZ ignored (so a write past RLIMIT_FSIZE fails with EFBIG instead of
# killing the process) and, when the first argument is not -1, that file-size limit.
LAUNCH = textwrap.dedent(
    """
    import resource, runpy, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = int(sys.argv.pop(1))
    if limit >= 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    runpy.run_module("assetcheck", run_name="__main__", alter_sys=True)
    """
)


def start_upload(
    server: StandInMarketplace,
    ledger: Path,
    *args: str,
    prefix: list[str] | None = None,
    file_size_limit: int = -1,
    stdout: int | None = subprocess.PIPE,
) -> subprocess.Popen[str]:
    env = {**os.environ, "ASSETCHECK_USER": USER, "ASSETCHECK_TOKEN": TOKEN, "CI": "true"}
    for name in NO_PROXY_ENV:
        env.pop(name, None)
    command = [*(prefix or []), sys.executable, "-c", LAUNCH, str(file_size_limit), "upload"]
    return subprocess.Popen(
        [*command, "--base-url", server.base_url, "--ledger", str(ledger), *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def communicate(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, (out or "") + err


def a_ledger_with_one_row(server: StandInMarketplace, ledger: Path) -> None:
    result = invoke(server.base_url, ledger, str(GOOD_OBR))
    assert result.exit_code == 0, result.output
    assert row_count(ledger) == 1 and not ledger.with_name(ledger.name + "-wal").exists()


def a_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the network --------------------------------------------------------------------------------


def test_connection_refused_fails_after_the_retries_with_no_row(ledger: Path) -> None:
    base_url = f"http://127.0.0.1:{a_free_port()}/rest/2"  # nothing listens there
    result = invoke(base_url, ledger, str(GOOD_JAR))
    assert result.exit_code == 4, result.output
    assert "Could not complete the upload of issuehelper-1.2.0.jar" in result.output
    assert "after 4 attempts" in result.output and "Check the network" in result.output
    assert "unused" not in result.output  # nothing was sent, so nothing may be stored
    assert row_count(ledger) == 0 and pending_claims(ledger) == 0


def test_an_unresolvable_host_fails_with_its_name_and_no_row(
    ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The resolver refuses .invalid names itself (RFC 6761), so no query leaves this machine.
    real = socket.getaddrinfo
    asked: list[str] = []

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".").endswith(".invalid"):
            asked.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    result = invoke("https://marketplace.invalid/rest/2", ledger, str(GOOD_JAR))
    assert result.exit_code == 4, result.output
    assert "the Marketplace at marketplace.invalid" in result.output
    assert "Name or service not known" in result.output and "after 4 attempts" in result.output
    assert asked and set(asked) == {"marketplace.invalid"}
    assert row_count(ledger) == 0 and pending_claims(ledger) == 0


def test_a_reset_mid_body_on_every_attempt_fails_with_no_row_and_nothing_stored(
    marketplace: StandInMarketplace, ledger: Path, large_jar: Path
) -> None:
    marketplace.fail_next(*[Fault.reset(after_bytes=256 * 1024)] * 4)
    result = invoke(marketplace.base_url, ledger, str(large_jar))
    assert result.exit_code == 4, result.output
    assert "Could not complete the upload" in result.output and "4 attempts" in result.output
    # Every body was cut short, so no attempt can have stored it: no unused-asset warning.
    assert "unused" not in result.output
    assert marketplace.count("POST", "/assets/artifact") == 4 and marketplace.assets == {}
    assert row_count(ledger) == 0 and pending_claims(ledger) == 0

    rerun = invoke(marketplace.base_url, ledger, str(large_jar))  # the network is back
    assert rerun.exit_code == 0, rerun.output
    assert row_count(ledger) == 1 and len(marketplace.assets) == 1


@pytest.mark.parametrize("where", ["answer", "body"])
def test_a_stall_past_the_deadline_fails_at_the_deadline_with_no_row(
    marketplace: StandInMarketplace, ledger: Path, large_jar: Path, where: str
) -> None:
    gate = Gate()
    if where == "answer":
        marketplace.fail_next(Fault.slow(10.0))  # stores the file, then holds the answer
    else:
        marketplace.fail_next(Fault.hold("headers", gate))  # never reads the body
    started = time.monotonic()
    result = invoke(marketplace.base_url, ledger, "--deadline", "1.5", str(large_jar))
    took = time.monotonic() - started
    gate.release()
    assert result.exit_code == 4, result.output
    assert "within its deadline of 1.5 s" in result.output and "--deadline" in result.output
    assert took < 8, took  # the check, then 1.5 s of upload: not the 10 s stall
    # A whole body without an answer may have been stored; a body cut short cannot have been.
    assert ("may hold an unused copy" in result.output) == (where == "answer")
    assert marketplace.count("POST", "/assets/artifact") == 1  # a deadline is not retried
    assert row_count(ledger) == 0 and pending_claims(ledger) == 0


# -- the server's answers -----------------------------------------------------------------------


def test_a_5xx_storm_beyond_the_retry_budget_fails_then_a_rerun_uploads(
    marketplace: StandInMarketplace, ledger: Path, sleeps: list[float]
) -> None:
    # tests/cli/test_upload.py has a permanent 500; here the budget itself is counted.
    marketplace.fail_next(*(Fault.error(status) for status in (502, 503, 500, 504)))
    result = invoke(marketplace.base_url, ledger, str(GOOD_JAR))
    assert result.exit_code == 4, result.output
    assert "failed the upload of issuehelper-1.2.0.jar with HTTP 504 on 4 attempts" in (
        result.output
    )
    assert "try again later" in result.output
    assert marketplace.count("POST", "/assets/artifact") == 4 and len(sleeps) == 3
    assert row_count(ledger) == 0 and pending_claims(ledger) == 0  # the claim was released

    marketplace.fail_next(Fault.error(503), Fault.error(503))  # the storm is passing
    rerun = invoke(marketplace.base_url, ledger, str(GOOD_JAR))
    assert rerun.exit_code == 0, rerun.output
    assert "stale" not in rerun.output  # a released claim is no stale one
    assert row_count(ledger) == 1 and len(marketplace.assets) == 1


def test_a_429_with_a_long_retry_after_waits_the_cap_and_says_so(
    marketplace: StandInMarketplace, ledger: Path, sleeps: list[float]
) -> None:
    marketplace.fail_next(Fault.error(429, retry_after="86400"))
    result = invoke(marketplace.base_url, ledger, "--format", "json", str(GOOD_JAR))
    assert result.exit_code == 0, result.output
    assert sleeps == [120.0]  # the client's retry_after_cap, not a day
    [entry] = json.loads(result.stdout)["uploads"]
    assert entry["status"] == "uploaded" and entry["attempts"] == 2
    # Said in the report, where a pipeline reads it.
    assert (
        "The Marketplace asked to wait 1440 min before retrying (HTTP 429); assetcheck "
        "waited 2 min, its cap" in entry["warnings"]
    )
    assert row_count(ledger) == 1


def test_an_answer_without_file_info_is_recorded_with_its_warning(ledger: Path) -> None:
    with StandInMarketplace(file_info=False) as server:
        result = invoke(server.base_url, ledger, str(GOOD_JAR))
    assert result.exit_code == 0, result.output
    # The text report's notes say it; a pipeline's JSON carries it in the entry's warnings.
    assert f"note: {GOOD_JAR}: The Marketplace's answer to" in result.stdout
    assert "did not confirm the 6831 bytes sent; recorded the name and size" in result.stdout
    assert row_count(ledger) == 1


def test_a_429_storm_with_long_retry_afters_fails_with_the_cap_said(
    marketplace: StandInMarketplace, ledger: Path, sleeps: list[float]
) -> None:
    marketplace.fail_next(*[Fault.error(429, retry_after="3600")] * 4)
    result = invoke(marketplace.base_url, ledger, str(GOOD_JAR))
    assert result.exit_code == 4, result.output
    assert "kept rate-limiting the upload of issuehelper-1.2.0.jar (HTTP 429, 4 attempts)" in (
        result.output
    )
    assert "asked to wait 60 min" in result.output and "waited 2 min, its cap" in result.output
    assert sleeps == [120.0] * 3
    assert row_count(ledger) == 0 and pending_claims(ledger) == 0


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (Fault.raw(b"<html><body>Service Unavailable</body></html>"), "is not valid JSON"),
        (Fault.malformed_json(), "is not valid JSON"),  # the JSON is cut off mid-link
        (Fault.wrong_size(-1), "recorded "),
    ],
    ids=["malformed-json", "truncated-json", "wrong-size"],
)
def test_a_200_that_cannot_be_trusted_fails_with_no_row_and_says_an_asset_may_exist(
    marketplace: StandInMarketplace, ledger: Path, fault: Fault, said: str
) -> None:
    marketplace.fail_next(fault)
    result = invoke(marketplace.base_url, ledger, "--format", "json", str(GOOD_JAR))
    assert result.exit_code == 4, result.output
    [entry] = json.loads(result.stdout)["uploads"]
    assert entry["status"] == "failed" and said in entry["error"]
    assert "was not accepted" in entry["error"] or "not trusted" in entry["error"]
    # The server answered 200: it stored the file, and nothing will use that asset.
    assert len(marketplace.assets) == 1
    assert entry["unused_asset_possible"] is True and entry["attempts"] == 1
    assert "may hold an unused copy" in entry["error"]
    assert marketplace.count("POST", "/assets/artifact") == 1  # an invalid answer is final
    assert row_count(ledger) == 0 and pending_claims(ledger) == 0


# -- the ledger's disk --------------------------------------------------------------------------


def test_a_read_only_ledger_folder_is_a_usage_error_before_anything_is_sent(
    marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    tmp_path.chmod(0o755)
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    ledger = folder / "ledger.db"
    run = start_upload(marketplace, ledger, str(GOOD_JAR), prefix=unprivileged())
    code, output = communicate(run)
    assert code == 2, output
    assert f"The ledger at {ledger} cannot be opened" in output
    assert "check the path is writable" in output and "Traceback" not in output
    assert marketplace.count("POST") == 0  # never an upload that could not be recorded
    assert not ledger.exists() and row_count(ledger) == 0


def test_a_ledger_in_a_folder_made_read_only_is_refused_and_left_whole(
    marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    tmp_path.chmod(0o755)
    ledger = tmp_path / "ro" / "ledger.db"
    a_ledger_with_one_row(marketplace, ledger)
    before = ledger.read_bytes()
    ledger.parent.chmod(0o555)  # WAL needs its -wal and -shm files beside the ledger
    run = start_upload(marketplace, ledger, str(GOOD_JAR), prefix=unprivileged())
    code, output = communicate(run)
    ledger.parent.chmod(0o755)
    assert code == 2, output
    assert f"The ledger at {ledger} cannot be opened" in output and "Traceback" not in output
    assert marketplace.count("POST") == 1  # the first row's upload only
    assert ledger.read_bytes() == before and row_count(ledger) == 1


def test_a_full_disk_from_the_start_sends_nothing_and_keeps_the_ledger(
    marketplace: StandInMarketplace, ledger: Path
) -> None:
    a_ledger_with_one_row(marketplace, ledger)
    before = ledger.read_bytes()
    # No file of this run may grow at all: every write to the ledger fails with EFBIG.
    run = start_upload(marketplace, ledger, str(GOOD_JAR), file_size_limit=0)
    code, output = communicate(run)
    assert code in (2, 4), output
    assert f"The ledger at {ledger} cannot be" in output and "Traceback" not in output
    assert marketplace.count("POST") == 1  # the first row's upload only: nothing sent
    assert ledger.read_bytes() == before and row_count(ledger) == 1


def test_a_disk_that_fills_during_the_upload_says_the_upload_was_not_recorded(
    marketplace: StandInMarketplace, ledger: Path
) -> None:
    gate = Gate()
    marketplace.fail_next(Fault.hold("headers", gate))
    run = start_upload(marketplace, ledger, str(GOOD_JAR))
    assert gate.wait_reached(30), communicate(run)
    # Claimed and sending: now the disk is full for it (no file may grow past 4 KiB).
    resource.prlimit(run.pid, resource.RLIMIT_FSIZE, (4096, 4096))
    gate.release()
    code, output = communicate(run)
    assert code == 4, output
    [asset] = marketplace.assets
    assert f"was uploaded as /rest/2/assets/{asset} but not recorded" in output
    said = ("cannot be written (disk I/O error)", "cannot be written (database or disk is full)")
    assert any(text in output for text in said) and "Traceback" not in output
    assert row_count(ledger) == 0 and pending_claims(ledger) == 1  # left for the next run

    rerun = start_upload(marketplace, ledger, str(GOOD_JAR))
    code, output = communicate(rerun)
    assert code == 0, output
    assert "took over a stale claim" in output and "an unused asset may exist" in output
    assert row_count(ledger) == 1 and pending_claims(ledger) == 0
    assert unused_flags(ledger) == [1] and len(marketplace.assets) == 2


@pytest.mark.parametrize(
    "content",
    [
        b"this is not sqlite\n" * 200,
        b"SQLite format 3\x00" + bytes(range(256)) * 16,  # an SQLite header, then garbage
    ],
    ids=["text", "damaged-sqlite"],
)
def test_a_ledger_that_is_not_a_database_is_refused_and_never_overwritten(
    marketplace: StandInMarketplace, ledger: Path, content: bytes
) -> None:
    ledger.parent.mkdir()
    ledger.write_bytes(content)
    result = invoke(marketplace.base_url, ledger, str(GOOD_JAR))
    assert result.exit_code == 2, result.output
    assert f"The ledger at {ledger} cannot be opened" in result.output
    assert "--ledger or ASSETCHECK_LEDGER" in result.output
    assert marketplace.count("POST") == 0
    assert ledger.read_bytes() == content
    assert sorted(p.name for p in ledger.parent.iterdir()) == ["ledger.db"]


# -- a process killed at each step of an upload -------------------------------------------------


@pytest.fixture
def full_pipe() -> Iterator[int]:
    """The write end of a pipe that is already full: the first write to it blocks."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    os.set_blocking(write_end, False)
    try:
        while True:
            os.write(write_end, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(write_end, True)
    yield write_end
    os.close(read_end)
    os.close(write_end)


def _kill(run: subprocess.Popen[str]) -> None:
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    assert run.returncode == -signal.SIGKILL


def _wait_for(predicate: Any, run: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 30
    while not predicate():
        assert run.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.01)


@pytest.mark.parametrize("step", ["headers", "mid-body", "before-commit", "after-commit"])
def test_a_run_killed_at_each_step_is_completed_once_by_the_rerun(
    marketplace: StandInMarketplace,
    ledger: Path,
    large_jar: Path,
    full_pipe: int,
    step: str,
) -> None:
    gate = Gate()
    size = large_jar.stat().st_size
    if step == "mid-body":
        marketplace.fail_next(Fault.hold("body", gate, after_bytes=size // 2))
    elif step in ("headers", "before-commit"):
        marketplace.fail_next(Fault.hold("headers", gate))
    # after-commit: stdout is a full pipe, so the run blocks at its first output, which comes
    # after its row is committed (the report is printed once the uploads are done).
    killed = start_upload(
        marketplace, ledger, str(large_jar), stdout=full_pipe if step == "after-commit" else None
    )
    lock = None
    try:
        if step == "after-commit":
            _wait_for(lambda: recorded(ledger), killed, "its row")
        else:
            assert gate.wait_reached(30), "the upload never reached the step"
        if step == "before-commit":
            # Its claim is in; hold the ledger's write lock so its row cannot be committed.
            lock = sqlite3.connect(ledger, timeout=30, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")
            gate.release()
            assert gate.answered.wait(30), "the server never answered"
        _kill(killed)
    finally:
        gate.release()
        if lock is not None:
            lock.execute("ROLLBACK")
            lock.close()
    stored_by_killed = {"headers": 0, "mid-body": 0, "before-commit": 1, "after-commit": 1}[step]
    rows_after_kill = 1 if step == "after-commit" else 0
    assert row_count(ledger) == rows_after_kill
    assert pending_claims(ledger) == 1 - rows_after_kill

    rerun = start_upload(marketplace, ledger, "--format", "json", str(large_jar))
    code, output = communicate(rerun)
    assert code == 0, output
    [entry] = json.loads(output[: output.rindex("}") + 1])["uploads"]
    assert row_count(ledger) == 1 and pending_claims(ledger) == 0
    if step == "after-commit":
        # Recorded before it died: the rerun reports the earlier asset and sends nothing.
        assert entry["status"] == "skipped"
        assert marketplace.count("POST", "/assets/artifact") == 1
    else:
        assert entry["status"] == "uploaded"
        assert entry["took_over_stale_claim"]["pid"] == killed.pid
        assert marketplace.count("POST", "/assets/artifact") == 2
    # The server holds the file once, or twice when the killed run's whole body was stored,
    # which the row and the output then say (the API has no idempotency key).
    assert len(marketplace.assets) == 1 + (stored_by_killed if step != "after-commit" else 0)
    assert entry["self"].rsplit("/", 1)[-1] in marketplace.assets
    assert unused_flags(ledger) == [0 if step == "after-commit" else 1]
