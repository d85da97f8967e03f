"""The upload ledger: one SQLite row per accepted upload or fetch, for pipelines to query.

WAL mode plus a busy timeout let parallel pipeline jobs write the same ledger without losing a
row; each row is written in one ``BEGIN IMMEDIATE`` transaction. Credentials are never stored:
no column could hold them, and base URLs with a user or password are refused upstream.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from assetcheck.settings import DEFAULT_LEDGER_PATH

LEDGER_ENV = "ASSETCHECK_LEDGER"
SCHEMA_VERSION = 1
DEFAULT_BUSY_TIMEOUT = 30.0

AssetKind = Literal["artifact", "image"]

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS uploads (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        base_url TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('artifact', 'image')),
        local_path TEXT NOT NULL,
        sha256 TEXT,
        size INTEGER,
        image_type TEXT,
        logical_file_name TEXT NOT NULL,
        returned_size INTEGER NOT NULL,
        self_link TEXT NOT NULL,
        binary_link TEXT,
        remote_link TEXT,
        image_link TEXT,
        app_key TEXT,
        app_version TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS uploads_by_content ON uploads (sha256, base_url)",
    "CREATE INDEX IF NOT EXISTS uploads_by_app ON uploads (app_key, app_version)",
)


class LedgerError(Exception):
    """The ledger cannot be opened, read or written; the message says what to check."""


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One accepted upload or fetch.

    For a fetched artifact ``local_path`` holds the remote URI and ``sha256``/``size`` are None,
    since the bytes never passed through this machine. ``app_key``/``app_version`` are None for
    images and for artifacts whose descriptor did not say.
    """

    time: str
    base_url: str
    kind: AssetKind
    local_path: str
    sha256: str | None
    size: int | None
    image_type: str | None
    logical_file_name: str
    returned_size: int
    self_link: str
    binary_link: str | None = None
    remote_link: str | None = None
    image_link: str | None = None
    app_key: str | None = None
    app_version: str | None = None


_COLUMNS = tuple(field.name for field in fields(LedgerRecord))
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM uploads"


def utc_timestamp() -> str:
    """Now, in UTC, as ISO-8601 to the second (what LedgerRecord.time holds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def resolve_ledger_path(
    option: str | Path | None, env: Mapping[str, str], cwd: Path | None = None
) -> Path:
    """The ledger from ``--ledger``, else ``ASSETCHECK_LEDGER``, else .assetcheck/ledger.db."""
    chosen = Path(option or env.get(LEDGER_ENV) or DEFAULT_LEDGER_PATH).expanduser()
    return chosen if chosen.is_absolute() else (cwd or Path.cwd()) / chosen


class Ledger:
    """An open ledger database; use as a context manager, or call close()."""

    def __init__(self, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun explicitly, so each is visible here.
            self._conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._error("cannot be opened", exc) from exc
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._use_wal(time.monotonic() + busy_timeout)
            self._ensure_schema()
        except sqlite3.Error as exc:
            self._conn.close()
            raise self._error("cannot be opened", exc) from exc
        except LedgerError:
            self._conn.close()
            raise

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def record(self, rec: LedgerRecord) -> None:
        """Append one row, in a single transaction."""
        placeholders = ", ".join("?" for _ in _COLUMNS)
        sql = f"INSERT INTO uploads ({', '.join(_COLUMNS)}) VALUES ({placeholders})"
        try:
            with self._transaction():
                self._conn.execute(sql, astuple(rec))
        except sqlite3.Error as exc:
            raise self._error("cannot be written", exc) from exc

    def find_uploaded(
        self,
        sha256: str,
        base_url: str,
        kind: AssetKind | None = None,
        image_type: str | None = None,
    ) -> LedgerRecord | None:
        """The latest upload of these bytes to this server, or None.

        Given ``kind``, only uploads of that kind count; for images the image type must match
        too, because the Marketplace scales one picture differently as a logo or a banner.
        """
        sql = f"{_SELECT} WHERE sha256 = ? AND base_url = ?"
        params: list[Any] = [sha256, base_url]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
            if kind == "image":
                sql += " AND image_type IS ?"
                params.append(image_type)
        rows = self._read(sql + " ORDER BY id DESC LIMIT 1", params)
        return rows[0] if rows else None

    def query(
        self, key: str | None = None, version: str | None = None, kind: AssetKind | None = None
    ) -> list[LedgerRecord]:
        """Rows in the order they were written, filtered by app key, app version and kind."""
        conditions, params = [], []
        for column, value in (("app_key", key), ("app_version", version), ("kind", kind)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return self._read(f"{_SELECT}{where} ORDER BY id", params)

    def _use_wal(self, deadline: float) -> None:
        # Switching to WAL needs an exclusive lock, and SQLite answers BUSY at once rather than
        # calling the busy handler when another process is opening the same new ledger; so wait
        # here. Once one process has switched, the mode is stored in the file for everyone.
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _ensure_schema(self) -> None:
        version = self._user_version()
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"The ledger at {self.path} has schema {version}, newer than this assetcheck "
                f"understands ({SCHEMA_VERSION}): upgrade assetcheck, or use another --ledger."
            )
        with self._transaction():
            # Re-checked under the write lock: another process may have created it meanwhile.
            if self._user_version() < SCHEMA_VERSION:
                for sql in _SCHEMA:
                    self._conn.execute(sql)
                self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _user_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so a busy ledger waits (busy_timeout) at
        # BEGIN instead of failing at COMMIT after the work is done.
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _read(self, sql: str, params: list[Any]) -> list[LedgerRecord]:
        try:
            rows = self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error("cannot be read", exc) from exc
        return [LedgerRecord(*row) for row in rows]

    def _error(self, what: str, exc: BaseException) -> LedgerError:
        return LedgerError(
            f"The ledger at {self.path} {what} ({exc}): check the path is writable and is a "
            f"ledger, or choose another with --ledger or {LEDGER_ENV}."
        )
