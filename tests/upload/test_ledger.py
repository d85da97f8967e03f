"""The SQLite ledger: schema, queries, the skip lookup, and concurrent writers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from assetcheck.ledger import (
    _SCHEMA_1,
    SCHEMA_VERSION,
    STALE_AFTER,
    Busy,
    Claim,
    ClaimKey,
    Done,
    Ledger,
    LedgerError,
    LedgerRecord,
    process_alive,
    resolve_ledger_path,
    utc_timestamp,
)

BASE = "https://marketplace.atlassian.com/rest/2"


def a_record(**overrides: object) -> LedgerRecord:
    record = LedgerRecord(
        time=utc_timestamp(),
        base_url=BASE,
        kind="artifact",
        local_path="target/app-1.0.0.jar",
        sha256="a" * 64,
        size=1234,
        image_type=None,
        logical_file_name="app-1.0.0.jar",
        returned_size=1234,
        self_link="/rest/2/assets/abc",
        binary_link="https://cdn.example/abc/app-1.0.0.jar",
        remote_link=None,
        image_link=None,
        app_key="com.example.app",
        app_version="1.0.0",
    )
    return replace(record, **overrides)  # type: ignore[arg-type]


def test_a_new_ledger_has_wal_a_busy_timeout_and_a_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "ledger.db"
    with Ledger(path):
        pass
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    with Ledger(path, busy_timeout=12.5) as ledger:
        assert ledger._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 12500


def test_records_round_trip_in_order(ledger: Ledger) -> None:
    first = a_record()
    second = a_record(kind="image", image_type="logo", app_key=None, app_version=None)
    ledger.record(first)
    ledger.record(second)
    assert ledger.query() == [first, second]
    assert datetime.fromisoformat(first.time).utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_query_filters_by_key_version_and_kind(ledger: Ledger) -> None:
    rows = [
        a_record(app_key="k1", app_version="1"),
        a_record(app_key="k1", app_version="2"),
        a_record(app_key="k2", app_version="1"),
        a_record(kind="image", image_type="logo", app_key=None, app_version=None),
    ]
    for row in rows:
        ledger.record(row)
    assert ledger.query(key="k1") == rows[:2]
    assert ledger.query(key="k1", version="2") == [rows[1]]
    assert ledger.query(version="1") == [rows[0], rows[2]]
    assert ledger.query(kind="image") == [rows[3]]
    assert ledger.query(key="nope") == []


def test_find_uploaded_is_per_server_and_returns_the_latest(ledger: Ledger) -> None:
    ledger.record(a_record(self_link="/rest/2/assets/old"))
    ledger.record(a_record(self_link="/rest/2/assets/new"))
    ledger.record(a_record(base_url="http://127.0.0.1:1/rest/2", self_link="/other"))
    found = ledger.find_uploaded("a" * 64, BASE)
    assert found is not None and found.self_link == "/rest/2/assets/new"
    assert ledger.find_uploaded("b" * 64, BASE) is None
    assert ledger.find_uploaded("a" * 64, "https://elsewhere/rest/2") is None


def test_find_uploaded_for_images_needs_the_same_image_type(ledger: Ledger) -> None:
    ledger.record(a_record(kind="image", image_type="logo", sha256="c" * 64))
    assert ledger.find_uploaded("c" * 64, BASE, "image", "logo") is not None
    assert ledger.find_uploaded("c" * 64, BASE, "image", "banner") is None
    assert ledger.find_uploaded("c" * 64, BASE, "artifact") is None


def test_path_resolution_order(tmp_path: Path) -> None:
    env = {"ASSETCHECK_LEDGER": "from-env.db"}
    assert resolve_ledger_path("opt.db", env, tmp_path) == tmp_path / "opt.db"
    assert resolve_ledger_path(None, env, tmp_path) == tmp_path / "from-env.db"
    assert resolve_ledger_path(None, {}, tmp_path) == tmp_path / ".assetcheck" / "ledger.db"
    assert resolve_ledger_path("/abs/l.db", env, tmp_path) == Path("/abs/l.db")


def test_a_file_that_is_not_a_ledger_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match="--ledger or ASSETCHECK_LEDGER"):
        Ledger(path)


def test_a_ledger_from_a_newer_assetcheck_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with Ledger(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError, match="upgrade assetcheck"):
        Ledger(path)


def test_an_invalid_row_is_rolled_back_and_reported(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="cannot be written"):
        ledger.record(a_record(kind="plugin"))  # type: ignore[arg-type]
    assert ledger.query() == []
    ledger.record(a_record())  # the connection is usable after the rollback
    assert len(ledger.query()) == 1


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from assetcheck.ledger import Ledger, LedgerRecord, utc_timestamp

    path, who, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    while not go.exists():
        time.sleep(0.005)
    for n in range(count):
        # A fresh connection per row, as separate pipeline jobs would each open the ledger.
        with Ledger(path) as ledger:
            ledger.record(LedgerRecord(
                utc_timestamp(), "https://m/rest/2", "artifact", f"{who}-{n}.jar", f"{who}{n}",
                n, None, f"{who}-{n}.jar", n, f"/rest/2/assets/{who}{n}",
            ))
    """
)


def test_two_processes_writing_at_once_both_land_every_row(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "ledger.db"  # neither process finds it: both create it
    go = tmp_path / "go"
    count = 60
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), who, str(count), str(go)])
        for who in ("alpha", "beta")
    ]
    go.touch()
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0]
    with Ledger(path) as ledger:
        paths = {row.local_path for row in ledger.query()}
    assert len(paths) == 2 * count
    assert {p.split("-")[0] for p in paths} == {"alpha", "beta"}


# ---- claims: exactly once -------------------------------------------------------------------

KEY = ClaimKey(BASE, "artifact", "a" * 64, None)


def a_dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def set_holder(path: Path, **columns: object) -> None:
    conn = sqlite3.connect(path)
    assignments = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(f"UPDATE claims SET {assignments}", tuple(columns.values()))
    conn.commit()
    conn.close()


def test_one_claim_per_key_and_a_second_ledger_sees_it_busy(ledger: Ledger) -> None:
    claim = ledger.claim(KEY, "target/app.jar")
    assert isinstance(claim, Claim) and claim.took_over is None
    with Ledger(ledger.path) as other:  # another run: this process is alive, so not stale
        busy = other.claim(KEY, "elsewhere/app.jar")
        assert isinstance(busy, Busy) and busy.holder.pid == os.getpid()
        assert busy.holder.local_path == "target/app.jar"
        assert other.query() == [] and len(other.pending()) == 1
        assert ledger.finish(claim, a_record()) is None
        done = other.claim(KEY, "elsewhere/app.jar")
        assert isinstance(done, Done) and done.record.self_link == a_record().self_link
        assert other.pending() == []
    # Another type, server or content is another key.
    for key in (replace(KEY, sha256="b" * 64), replace(KEY, base_url="http://127.0.0.1:1/rest/2")):
        assert isinstance(ledger.claim(key, "x"), Claim)


def test_the_schema_allows_one_row_per_claim(ledger: Ledger) -> None:
    claim = ledger.claim(KEY, "app.jar")
    assert isinstance(claim, Claim)
    ledger.finish(claim, a_record())
    conn = sqlite3.connect(ledger.path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO uploads (time, base_url, kind, local_path, logical_file_name, "
            "returned_size, self_link, claim_id) VALUES ('t', ?, 'artifact', 'p', 'n', 1, 's', ?)",
            (BASE, claim.id),
        )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO claims (base_url, kind, sha256, image_type, status, local_path, token, "
            "owner_host, owner_pid_ns, owner_pid, claimed_at, heartbeat_at) "
            "VALUES (?, 'artifact', ?, '', 'pending', 'p', 't', 'h', '', 1, 0, 0)",
            (BASE, "a" * 64),
        )
    conn.close()


def test_a_claim_whose_process_died_on_this_host_is_taken_over(ledger: Ledger) -> None:
    first = ledger.claim(KEY, "app.jar")
    assert isinstance(first, Claim)
    dead = a_dead_pid()
    set_holder(ledger.path, owner_pid=dead)
    taken = ledger.claim(KEY, "again/app.jar")
    assert isinstance(taken, Claim) and taken.id == first.id and taken.token != first.token
    assert taken.took_over is not None and taken.took_over.pid == dead
    assert taken.stale_because is not None and "no longer running" in taken.stale_because
    assert isinstance(ledger.claim(KEY, "third"), Busy)  # now held, alive, by this process
    ledger.release(first)  # the old holder's token no longer releases it
    assert isinstance(ledger.claim(KEY, "third"), Busy)


def test_a_claim_from_another_host_is_stale_only_when_its_heartbeat_is(ledger: Ledger) -> None:
    first = ledger.claim(KEY, "app.jar", now=1000.0)
    assert isinstance(first, Claim)
    set_holder(ledger.path, owner_host="ci-runner-7", owner_pid=a_dead_pid())
    # Its pid means nothing here: only the heartbeat counts, for STALE_AFTER seconds.
    assert isinstance(ledger.claim(KEY, "x", now=1000.0 + STALE_AFTER - 1), Busy)
    ledger.heartbeat(first, now=1000.0 + STALE_AFTER)  # beats are by token, not by host
    assert isinstance(ledger.claim(KEY, "x", now=1000.0 + STALE_AFTER * 2 - 1), Busy)
    taken = ledger.claim(KEY, "x", now=1000.0 + STALE_AFTER * 2 + 1)
    assert isinstance(taken, Claim) and taken.took_over is not None
    assert taken.took_over.host == "ci-runner-7" and "silent for" in (taken.stale_because or "")


def test_keep_alive_beats_from_its_own_thread(ledger: Ledger) -> None:
    claim = ledger.claim(KEY, "app.jar", now=1.0)
    assert isinstance(claim, Claim)
    with ledger.keep_alive(claim, interval=0.05):
        time.sleep(0.5)
    [(_, holder)] = ledger.pending()
    assert holder.heartbeat_at > time.time() - 5


def test_a_released_claim_can_be_claimed_at_once(ledger: Ledger) -> None:
    claim = ledger.claim(KEY, "app.jar")
    assert isinstance(claim, Claim)
    ledger.release(claim)
    assert ledger.pending() == [] and isinstance(ledger.claim(KEY, "app.jar"), Claim)


def test_finishing_a_claim_another_run_finished_first_records_nothing(ledger: Ledger) -> None:
    slow = ledger.claim(KEY, "app.jar")
    assert isinstance(slow, Claim)
    set_holder(ledger.path, owner_pid=a_dead_pid())  # looks dead to the next run
    taker = ledger.claim(KEY, "app.jar")
    assert isinstance(taker, Claim)
    assert ledger.finish(taker, a_record(self_link="/rest/2/assets/taker")) is None
    earlier = ledger.finish(slow, a_record(self_link="/rest/2/assets/slow"))
    assert earlier is not None and earlier.self_link == "/rest/2/assets/taker"
    assert [row.self_link for row in ledger.query()] == ["/rest/2/assets/taker"]


def test_attempts_and_a_possible_unused_asset_round_trip(ledger: Ledger) -> None:
    ledger.record(a_record(attempts=3, unused_asset_possible=True))
    [row] = ledger.query()
    assert (row.attempts, row.unused_asset_possible) == (3, True)


SCHEMA_1_ROWS = [
    # (sha256, image_type, self_link): two uploads of the same jar, one logo, one fetch
    ("a" * 64, None, "/rest/2/assets/first"),
    ("a" * 64, None, "/rest/2/assets/forced"),
    ("c" * 64, "logo", "/rest/2/assets/logo"),
    (None, None, "/rest/2/assets/fetched"),
]


def a_schema_1_ledger(path: Path) -> None:
    conn = sqlite3.connect(path)
    for sql in _SCHEMA_1:
        conn.execute(sql)
    for sha256, image_type, link in SCHEMA_1_ROWS:
        conn.execute(
            "INSERT INTO uploads (time, base_url, kind, local_path, sha256, size, image_type, "
            "logical_file_name, returned_size, self_link) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                utc_timestamp(),
                BASE,
                "image" if image_type else "artifact",
                "p",
                sha256,
                1,
                image_type,
                "n",
                1,
                link,
            ),
        )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_a_schema_1_ledger_is_migrated_keeping_every_row(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    a_schema_1_ledger(path)
    with Ledger(path) as ledger:
        links = [row.self_link for row in ledger.query()]
        assert links == [link for *_, link in SCHEMA_1_ROWS]
        assert {(row.attempts, row.unused_asset_possible) for row in ledger.query()} == {(1, False)}
        # Recorded keys are done claims: the skip still finds the latest row.
        done = ledger.claim(KEY, "p")
        assert isinstance(done, Done) and done.record.self_link == "/rest/2/assets/forced"
        logo = ledger.claim(ClaimKey(BASE, "image", "c" * 64, "logo"), "p")
        assert isinstance(logo, Done)
        assert isinstance(ledger.claim(ClaimKey(BASE, "image", "c" * 64, "banner"), "p"), Claim)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    claimed = conn.execute("SELECT self_link FROM uploads WHERE claim_id IS NOT NULL").fetchall()
    assert sorted(claimed) == [("/rest/2/assets/first",), ("/rest/2/assets/logo",)]
    conn.close()


def test_read_only_never_creates_nor_migrates(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "ledger.db"
    with pytest.raises(LedgerError, match="does not exist"):
        Ledger(missing, read_only=True)
    assert not missing.parent.exists()
    path = tmp_path / "ledger.db"
    a_schema_1_ledger(path)
    with Ledger(path, read_only=True) as ledger:
        assert len(ledger.query()) == len(SCHEMA_1_ROWS) and ledger.pending() == []
        found = ledger.find_uploaded("a" * 64, BASE, "artifact")
        assert found is not None and found.attempts == 1
        with pytest.raises(LedgerError, match="read-only"):
            ledger.record(a_record())
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_a_killed_process_not_yet_reaped_counts_as_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert process_alive(child.pid)
        child.kill()
        stat = Path(f"/proc/{child.pid}/stat")
        deadline = time.monotonic() + 10
        while stat.exists() and " Z " not in stat.read_text() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not process_alive(child.pid)  # a zombie until its parent waits for it
    finally:
        child.wait()
    assert not process_alive(child.pid)
