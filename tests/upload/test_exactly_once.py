"""Exactly once across real processes: `assetcheck upload` runs against the stand-in server.

Separate interpreters share one ledger file, as two pipeline jobs would. The stand-in's
``Fault.slow`` stores the upload and then holds its answer, which makes runs overlap (two at
once) and gives a window to SIGKILL a run after its body went out (a run killed mid-upload).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from tests.upload.marketplace_server import TOKEN, USER, Fault, StandInMarketplace

ROOT = Path(__file__).resolve().parents[2]
GOOD_JAR = ROOT / "samples/artifacts/good/issuehelper-1.2.0.jar"


def start_upload(server: StandInMarketplace, ledger: Path, *options: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ASSETCHECK_USER": USER, "ASSETCHECK_TOKEN": TOKEN, "CI": "true"}
    command = [sys.executable, "-m", "assetcheck", "upload", "--base-url", server.base_url]
    return subprocess.Popen(
        [*command, "--ledger", str(ledger), *options, str(GOOD_JAR)],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rows(ledger: Path) -> list[tuple[str, int, int]]:
    with closing(sqlite3.connect(ledger)) as conn:
        return conn.execute(
            "SELECT self_link, attempts, unused_asset_possible FROM uploads"
        ).fetchall()


def pending_claims(ledger: Path) -> int:
    with closing(sqlite3.connect(ledger)) as conn:
        found = conn.execute("SELECT count(*) FROM claims WHERE status = 'pending'").fetchone()
    return int(found[0])


def test_two_processes_uploading_the_same_file_at_once_send_it_once(
    marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.db"
    # The first upload's answer waits 3 s, so the second run meets a pending claim.
    marketplace.fail_next(Fault.slow(3.0))
    runs = [start_upload(marketplace, ledger) for _ in range(2)]
    results = [run.communicate(timeout=90) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], results
    outputs = sorted(out for out, _ in results)
    assert sum("  uploaded " in out for out in outputs) == 1
    assert sum("  skipped " in out for out in outputs) == 1
    # The skip came from waiting on the other run, not from finding its row afterwards.
    assert any("waited for another run" in out for out in outputs), outputs
    assert marketplace.count("POST", "/assets/artifact") == 1
    assert len(rows(ledger)) == 1 and pending_claims(ledger) == 0
    assert len(marketplace.assets) == 1


def test_a_run_killed_after_sending_is_taken_over_by_the_next_with_a_warning(
    marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.db"
    marketplace.fail_next(Fault.slow(60.0))  # stores the jar, then holds the answer
    killed = start_upload(marketplace, ledger)
    deadline = time.monotonic() + 60
    while not marketplace.assets:  # the whole body is on the server
        assert killed.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    assert pending_claims(ledger) == 1 and rows(ledger) == []

    rerun = start_upload(marketplace, ledger)
    out, err = rerun.communicate(timeout=90)
    assert rerun.returncode == 0, out + err
    assert "  uploaded " in out
    assert "took over a stale claim" in out and "is no longer running" in out
    assert f"process {killed.pid} " in out
    assert "an unused asset may exist on the server" in out
    [(link, attempts, unused)] = rows(ledger)
    assert (attempts, unused) == (1, 1) and pending_claims(ledger) == 0
    # Two POSTs, two stored assets: the killed run's is the unused one the output warns of.
    assert marketplace.count("POST", "/assets/artifact") == 2 and len(marketplace.assets) == 2
    assert link.rsplit("/", 1)[-1] in marketplace.assets

    again = start_upload(marketplace, ledger, "--format", "json")
    document = json.loads(again.communicate(timeout=90)[0])
    [entry] = document["uploads"]
    assert entry["status"] == "skipped" and entry["self"] == link
    assert marketplace.count("POST", "/assets/artifact") == 2


def test_a_killed_run_taken_over_is_reported_in_json(
    marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.db"
    marketplace.fail_next(Fault.slow(60.0))
    killed = start_upload(marketplace, ledger)
    deadline = time.monotonic() + 60
    while not marketplace.assets:
        assert killed.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    killed.kill()
    killed.communicate(timeout=30)

    rerun = start_upload(marketplace, ledger, "--format", "json")
    out, err = rerun.communicate(timeout=90)
    assert rerun.returncode == 0, err
    [entry] = json.loads(out)["uploads"]
    assert entry["status"] == "uploaded" and entry["unused_asset_possible"] is True
    assert entry["took_over_stale_claim"]["pid"] == killed.pid
    assert "no longer running" in entry["took_over_stale_claim"]["reason"]
    assert any("unused asset may exist" in warning for warning in entry["warnings"])
    assert len(rows(ledger)) == 1
