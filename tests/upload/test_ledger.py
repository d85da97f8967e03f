"""The SQLite ledger: schema, queries, the skip lookup, and concurrent writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from assetcheck.ledger import (
    SCHEMA_VERSION,
    Ledger,
    LedgerError,
    LedgerRecord,
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
