"""The upload ledger: one SQLite row per accepted upload or fetch, for pipelines to query.

WAL mode plus a busy timeout let parallel pipeline jobs write the same ledger without losing a
row; each write is one ``BEGIN IMMEDIATE`` transaction. Credentials are never stored: no column
could hold them, and base URLs with a user or password are refused upstream.

Exactly once: before a file is sent, its (server, kind, sha256, image type) is *claimed* in the
``claims`` table, whose unique key lets one run hold it. The holder sends, then records its row
and marks the claim done in one transaction; another run meanwhile sees the pending claim and
waits, then skips. A claim whose holder died (its process is gone from this host, or it has not
beaten its heartbeat for STALE_AFTER seconds, from any host) may be taken over.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

from assetcheck.settings import DEFAULT_LEDGER_PATH

LEDGER_ENV = "ASSETCHECK_LEDGER"
SCHEMA_VERSION = 2
DEFAULT_BUSY_TIMEOUT = 30.0
# A holder beats every HEARTBEAT_INTERVAL seconds while it sends; twelve missed beats make its
# claim stale even when its process cannot be looked up (another host, or a reused pid).
HEARTBEAT_INTERVAL = 10.0
STALE_AFTER = 120.0

AssetKind = Literal["artifact", "image"]

_UPLOADS = """
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
"""
_SCHEMA_1 = (
    _UPLOADS,
    "CREATE INDEX IF NOT EXISTS uploads_by_content ON uploads (sha256, base_url)",
    "CREATE INDEX IF NOT EXISTS uploads_by_app ON uploads (app_key, app_version)",
)
# Schema 2 only adds: a migrated ledger keeps every row it had, and no table is rebuilt.
_SCHEMA_2 = (
    """
    CREATE TABLE claims (
        id INTEGER PRIMARY KEY,
        base_url TEXT NOT NULL,
        kind TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        image_type TEXT NOT NULL,  -- '' for artifacts: NULLs would not be unique
        status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
        local_path TEXT NOT NULL,
        token TEXT NOT NULL,
        owner_host TEXT NOT NULL,
        owner_pid_ns TEXT NOT NULL,
        owner_pid INTEGER NOT NULL,
        claimed_at REAL NOT NULL,
        heartbeat_at REAL NOT NULL,
        takeovers INTEGER NOT NULL DEFAULT 0,
        UNIQUE (base_url, kind, sha256, image_type)
    )
    """,
    # The row recorded under a claim points at it, at most one row per claim. Rows of --force
    # re-uploads, of fetches, and duplicates from before schema 2 have no claim.
    "ALTER TABLE uploads ADD COLUMN claim_id INTEGER REFERENCES claims (id)",
    "ALTER TABLE uploads ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE uploads ADD COLUMN unused_asset_possible INTEGER NOT NULL DEFAULT 0",
    "CREATE UNIQUE INDEX uploads_one_per_claim ON uploads (claim_id)",
)


class LedgerError(Exception):
    """The ledger cannot be opened, read or written; the message says what to check."""


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One accepted upload or fetch.

    For a fetched artifact ``local_path`` holds the remote URI and ``sha256``/``size`` are None,
    since the bytes never passed through this machine. ``app_key``/``app_version`` are None for
    images and for artifacts whose descriptor did not say. ``attempts`` is how many requests
    were sent; ``unused_asset_possible`` says an earlier attempt or an interrupted run may have
    stored the same file on the server as an asset nothing uses.
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
    attempts: int = 1
    unused_asset_possible: bool = False


@dataclass(frozen=True, slots=True)
class ClaimKey:
    """What may be uploaded once: these bytes, as this kind (and image type), to this server."""

    base_url: str
    kind: AssetKind
    sha256: str
    image_type: str | None


@dataclass(frozen=True, slots=True)
class ClaimHolder:
    """The run that holds (or held) a pending claim."""

    host: str
    pid: int
    claimed_at: float
    heartbeat_at: float
    local_path: str

    def describe(self) -> str:
        since = datetime.fromtimestamp(self.claimed_at, UTC).isoformat(timespec="seconds")
        return f"process {self.pid} on {self.host}, claimed {since}"


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim this run holds; ``took_over`` is the stale holder it replaced, if any."""

    id: int
    token: str
    key: ClaimKey
    took_over: ClaimHolder | None = None
    stale_because: str | None = None


@dataclass(frozen=True, slots=True)
class Busy:
    """Another live run holds the claim."""

    holder: ClaimHolder


@dataclass(frozen=True, slots=True)
class Done:
    """The claim is done: the file is recorded (``record`` is the latest row for the key)."""

    record: LedgerRecord


ClaimAnswer = Claim | Busy | Done

_COLUMNS = tuple(field.name for field in fields(LedgerRecord))
_NEW_COLUMNS = {"attempts": "1", "unused_asset_possible": "0"}  # defaults for a schema-1 read


def utc_timestamp() -> str:
    """Now, in UTC, as ISO-8601 to the second (what LedgerRecord.time holds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def resolve_ledger_path(
    option: str | Path | None, env: Mapping[str, str], cwd: Path | None = None
) -> Path:
    """The ledger from ``--ledger``, else ``ASSETCHECK_LEDGER``, else .assetcheck/ledger.db."""
    chosen = Path(option or env.get(LEDGER_ENV) or DEFAULT_LEDGER_PATH).expanduser()
    return chosen if chosen.is_absolute() else (cwd or Path.cwd()) / chosen


def this_host() -> tuple[str, str]:
    """This machine's name and its pid namespace: a pid means one process only within both."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return socket.gethostname(), namespace


def process_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process here (a zombie, killed but not reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return True  # cannot tell (no signals on this platform): the heartbeat decides
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


class Ledger:
    """An open ledger database; use as a context manager, or call close().

    ``read_only`` opens an existing ledger without writing to it (a schema-1 ledger is read as
    it is, not migrated); a missing file is then an error, never created.
    """

    def __init__(
        self, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, read_only: bool = False
    ) -> None:
        self.path = path
        self.read_only = read_only
        self._busy_timeout = busy_timeout
        try:
            if read_only:
                if not path.is_file():
                    raise LedgerError(f"The ledger at {path} does not exist.")
                uri = f"file:{quote(str(path.resolve()))}?mode=ro"
                self._conn = sqlite3.connect(
                    uri, uri=True, timeout=busy_timeout, isolation_level=None
                )
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                # isolation_level=None: transactions are begun explicitly, so each is visible.
                self._conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._error("cannot be opened", exc) from exc
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if read_only:
                self._check_version(self._user_version())
            else:
                self._use_wal(time.monotonic() + busy_timeout)
                self._ensure_schema()
            self._select = self._select_clause()
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

    # -- rows ---------------------------------------------------------------------------------

    def record(self, rec: LedgerRecord) -> None:
        """Append one row that holds no claim (a fetch, or a --force re-upload)."""
        try:
            with self._transaction():
                self._insert(rec, None)
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
        sql = f"{self._select} WHERE sha256 = ? AND base_url = ?"
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
        """Recorded rows in the order they were written, filtered by app key, version and kind.

        Only finished uploads are rows; claims still pending are listed by pending().
        """
        conditions, params = [], []
        for column, value in (("app_key", key), ("app_version", version), ("kind", kind)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return self._read(f"{self._select}{where} ORDER BY id", params)

    # -- claims -------------------------------------------------------------------------------

    def claim(self, key: ClaimKey, local_path: str, *, now: float | None = None) -> ClaimAnswer:
        """Claim ``key`` for this process, take over a stale claim, or say who has it.

        One transaction: of two runs claiming at once, exactly one gets the Claim.
        """
        moment = time.time() if now is None else now
        host, namespace = this_host()
        token = uuid.uuid4().hex
        where = "base_url = ? AND kind = ? AND sha256 = ? AND image_type = ?"
        params = (key.base_url, key.kind, key.sha256, key.image_type or "")
        try:
            with self._transaction():
                row = self._conn.execute(
                    "SELECT id, status, owner_host, owner_pid_ns, owner_pid, claimed_at, "
                    f"heartbeat_at, local_path FROM claims WHERE {where}",
                    params,
                ).fetchone()
                if row is None:
                    cursor = self._conn.execute(
                        "INSERT INTO claims (base_url, kind, sha256, image_type, status, "
                        "local_path, token, owner_host, owner_pid_ns, owner_pid, claimed_at, "
                        "heartbeat_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
                        (*params, local_path, token, host, namespace, os.getpid(), moment, moment),
                    )
                    assert cursor.lastrowid is not None
                    return Claim(cursor.lastrowid, token, key)
                claim_id, status, owner_host, owner_ns, owner_pid = row[:5]
                holder = ClaimHolder(owner_host, owner_pid, row[5], row[6], row[7])
                if status == "done":
                    done = self.find_uploaded(key.sha256, key.base_url, key.kind, key.image_type)
                    if done is None:
                        raise LedgerError(f"The ledger at {self.path} has a done claim and no row")
                    return Done(done)
                reason = _stale_reason(holder, owner_ns, moment, host, namespace)
                if reason is None:
                    return Busy(holder)
                self._conn.execute(
                    "UPDATE claims SET local_path = ?, token = ?, owner_host = ?, "
                    "owner_pid_ns = ?, owner_pid = ?, claimed_at = ?, heartbeat_at = ?, "
                    "takeovers = takeovers + 1 WHERE id = ?",
                    (local_path, token, host, namespace, os.getpid(), moment, moment, claim_id),
                )
                return Claim(claim_id, token, key, holder, reason)
        except sqlite3.Error as exc:
            raise self._error("cannot be written", exc) from exc

    def finish(self, claim: Claim, rec: LedgerRecord) -> LedgerRecord | None:
        """Record ``rec`` under ``claim`` and mark it done, in one transaction.

        Returns None when recorded, or the row another run recorded for the key first (it
        took the claim over believing this run dead): then ``rec`` is not written, and the
        asset it names is unused.
        """
        try:
            with self._transaction():
                row = self._conn.execute(
                    "SELECT status FROM claims WHERE id = ?", (claim.id,)
                ).fetchone()
                if row is not None and row[0] == "done":
                    key = claim.key
                    return self.find_uploaded(key.sha256, key.base_url, key.kind, key.image_type)
                if row is None:  # released by a taker that then failed: claim it again
                    self._conn.execute(
                        "INSERT INTO claims (id, base_url, kind, sha256, image_type, status, "
                        "local_path, token, owner_host, owner_pid_ns, owner_pid, claimed_at, "
                        "heartbeat_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, '', '', 0, 0, 0)",
                        (
                            claim.id,
                            claim.key.base_url,
                            claim.key.kind,
                            claim.key.sha256,
                            claim.key.image_type or "",
                            rec.local_path,
                            claim.token,
                        ),
                    )
                # First validated answer wins, even if another run has since taken the claim.
                self._insert(rec, claim.id)
                self._conn.execute("UPDATE claims SET status = 'done' WHERE id = ?", (claim.id,))
                return None
        except sqlite3.Error as exc:
            raise self._error("cannot be written", exc) from exc

    def release(self, claim: Claim) -> None:
        """Give up a pending claim (the upload failed), so a later run may claim it at once."""
        try:
            with self._transaction():
                self._conn.execute(
                    "DELETE FROM claims WHERE id = ? AND token = ? AND status = 'pending'",
                    (claim.id, claim.token),
                )
        except sqlite3.Error as exc:
            raise self._error("cannot be written", exc) from exc

    def heartbeat(self, claim: Claim, *, now: float | None = None) -> None:
        """Say this run is still alive and sending under ``claim``."""
        self._beat(self._conn, claim, time.time() if now is None else now)

    @contextmanager
    def keep_alive(self, claim: Claim, interval: float = HEARTBEAT_INTERVAL) -> Iterator[None]:
        """Beat the claim's heartbeat every ``interval`` seconds while the block runs.

        The beats come from a thread with its own connection (a connection is not shared
        across threads), so a long upload keeps its claim without the sender's help.
        """
        stop = threading.Event()

        def beat() -> None:
            try:
                conn = sqlite3.connect(self.path, timeout=self._busy_timeout)
            except sqlite3.Error:
                return
            try:
                while not stop.wait(interval):
                    try:
                        self._beat(conn, claim, time.time())
                    except sqlite3.Error:
                        continue  # a missed beat; STALE_AFTER allows many
            finally:
                conn.close()

        thread = threading.Thread(target=beat, name="ledger-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    def pending(self) -> list[tuple[ClaimKey, ClaimHolder]]:
        """Claims not yet done: uploads in progress, or left behind by a run that died."""
        if not self._has_claims():
            return []
        try:
            rows = self._conn.execute(
                "SELECT base_url, kind, sha256, image_type, owner_host, owner_pid, claimed_at, "
                "heartbeat_at, local_path FROM claims WHERE status = 'pending' ORDER BY id"
            ).fetchall()
        except sqlite3.Error as exc:
            raise self._error("cannot be read", exc) from exc
        return [
            (ClaimKey(r[0], r[1], r[2], r[3] or None), ClaimHolder(r[4], r[5], r[6], r[7], r[8]))
            for r in rows
        ]

    # -- plumbing -----------------------------------------------------------------------------

    def _beat(self, conn: sqlite3.Connection, claim: Claim, now: float) -> None:
        conn.execute(
            "UPDATE claims SET heartbeat_at = ? WHERE id = ? AND token = ? AND status = 'pending'",
            (now, claim.id, claim.token),
        )
        conn.commit()

    def _insert(self, rec: LedgerRecord, claim_id: int | None) -> None:
        columns = (*_COLUMNS, "claim_id")
        placeholders = ", ".join("?" for _ in columns)
        self._conn.execute(
            f"INSERT INTO uploads ({', '.join(columns)}) VALUES ({placeholders})",
            (*astuple(rec), claim_id),
        )

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

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"The ledger at {self.path} has schema {version}, newer than this assetcheck "
                f"understands ({SCHEMA_VERSION}): upgrade assetcheck, or use another --ledger."
            )

    def _ensure_schema(self) -> None:
        version = self._user_version()
        if version == SCHEMA_VERSION:
            return
        self._check_version(version)
        with self._transaction():
            # Re-checked under the write lock: another process may have migrated it meanwhile.
            version = self._user_version()
            if version < 1:
                for sql in _SCHEMA_1:
                    self._conn.execute(sql)
            if version < 2:
                for sql in _SCHEMA_2:
                    self._conn.execute(sql)
                self._claim_existing_rows()
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _claim_existing_rows(self) -> None:
        # Each (server, kind, sha256, type) recorded before schema 2 gets a done claim held by
        # its first row; later rows with the same key stay, unclaimed, as the repeats they are.
        rows = self._conn.execute(
            "SELECT id, base_url, kind, sha256, coalesce(image_type, ''), local_path "
            "FROM uploads WHERE sha256 IS NOT NULL ORDER BY id"
        ).fetchall()
        for row_id, *key, local_path in rows:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO claims (base_url, kind, sha256, image_type, status, "
                "local_path, token, owner_host, owner_pid_ns, owner_pid, claimed_at, "
                "heartbeat_at) VALUES (?, ?, ?, ?, 'done', ?, '', '', '', 0, 0, 0)",
                (*key, local_path),
            )
            if cursor.rowcount == 1:
                self._conn.execute(
                    "UPDATE uploads SET claim_id = ? WHERE id = ?", (cursor.lastrowid, row_id)
                )

    def _user_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _has_claims(self) -> bool:
        found = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'claims'"
        ).fetchone()
        return found is not None

    def _select_clause(self) -> str:
        # A read-only ledger of schema 1 lacks the newer columns: read their defaults.
        present = {row[1] for row in self._conn.execute("PRAGMA table_info(uploads)")}
        columns = [
            name if name in present or name not in _NEW_COLUMNS else f"{_NEW_COLUMNS[name]}"
            for name in _COLUMNS
        ]
        return f"SELECT {', '.join(columns)} FROM uploads"

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so a busy ledger waits (busy_timeout) at
        # BEGIN instead of failing at COMMIT after the work is done.
        if self.read_only:
            raise LedgerError(f"The ledger at {self.path} was opened read-only.")
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
        # SQLite has no booleans: the last column comes back as 0 or 1.
        return [_record(row) for row in rows]

    def _error(self, what: str, exc: BaseException) -> LedgerError:
        return LedgerError(
            f"The ledger at {self.path} {what} ({exc}): check the path is writable and is a "
            f"ledger, or choose another with --ledger or {LEDGER_ENV}."
        )


def _record(row: tuple[Any, ...]) -> LedgerRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["unused_asset_possible"] = bool(values["unused_asset_possible"])
    return LedgerRecord(**values)


def _stale_reason(
    holder: ClaimHolder, holder_ns: str, now: float, host: str, namespace: str
) -> str | None:
    """Why a pending claim may be taken over, or None while its holder may still be sending.

    A dead process on this host is certain at once; otherwise only a silent heartbeat counts,
    which also covers another host and a pid the system has since given to someone else.
    """
    if (holder.host, holder_ns) == (host, namespace) and not process_alive(holder.pid):
        return f"the run holding it ({holder.describe()}) is no longer running"
    silent = now - holder.heartbeat_at
    if silent > STALE_AFTER:
        return f"the run holding it ({holder.describe()}) has been silent for {silent:.0f} s"
    return None
