"""The upload side of the command line: upload, fetch, ledger and the asset commands.

Part of the CLI room (with cli.py, which imports it only when one of those commands runs, so
that `check` never pays for HTTP, TLS and SQLite): it prints and exits; the work is done by
assetcheck.upload, the Marketplace client and the ledger, which do neither.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

import click

from assetcheck.client import (
    MarketplaceClient,
    MarketplaceError,
    ProgressCallback,
    base_url_host,
    resolve_base_url,
)
from assetcheck.credentials import Credentials, CredentialsError, resolve_credentials
from assetcheck.ledger import (
    ClaimHolder,
    ClaimKey,
    Ledger,
    LedgerError,
    LedgerRecord,
    resolve_ledger_path,
)
from assetcheck.report.uploads import table_lines
from assetcheck.settings import DEFAULT_CLIENT
from assetcheck.upload import UploadItem, UploadOutcome, upload_items

# Beyond the deadline, for the holder to record its answer after the last byte came back.
CLAIM_WAIT_MARGIN = 60.0

# Overrides for the client's constructor; the tests use it to skip real backoff sleeps.
CLIENT_DEFAULTS: dict[str, Any] = {}


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"assetcheck: {message}", err=True)
    sys.exit(code)


def _credentials(user: str | None, token_stdin: bool, base_url: str) -> Credentials:
    try:
        credentials = resolve_credentials(
            user_option=user,
            token_stdin=token_stdin,
            stdin=sys.stdin,
            env=os.environ,
            netrc_path=None,
            host=base_url_host(base_url),
            interactive=sys.stdin.isatty(),
            prompt_fn=lambda text, hide: click.prompt(text, hide_input=hide, err=True),
        )
    except CredentialsError as error:
        fail(str(error))
    click.echo(f"Using credentials from {credentials.source}.", err=True)
    return credentials


def make_client(
    base_url_option: str | None,
    user: str | None,
    token_stdin: bool,
    timeout: float,
    deadline: float = DEFAULT_CLIENT.deadline,
    *,
    authenticate: bool,
) -> MarketplaceClient:
    try:
        base_url = resolve_base_url(base_url_option, os.environ)
        credentials = _credentials(user, token_stdin, base_url) if authenticate else None
        options: dict[str, Any] = {"read_timeout": timeout, "deadline": deadline}
        options.update(CLIENT_DEFAULTS)
        return MarketplaceClient(base_url, credentials, **options)
    except MarketplaceError as error:
        fail(str(error))


@contextlib.contextmanager
def open_ledger(option: Path | None) -> Iterator[Ledger]:
    path = resolve_ledger_path(option, os.environ)
    try:
        ledger = Ledger(path)
    except LedgerError as error:
        fail(str(error))
    with ledger:
        yield ledger


@contextlib.contextmanager
def read_ledger(option: Path | None) -> Iterator[Ledger | None]:
    """The ledger opened read-only, or None when there is none yet: nothing is created."""
    path = resolve_ledger_path(option, os.environ)
    if not path.exists():
        yield None
        return
    try:
        ledger = Ledger(path, read_only=True)
    except LedgerError as error:
        fail(str(error))
    with ledger:
        yield ledger


@contextlib.contextmanager
def _progress_bar(item: UploadItem) -> Iterator[ProgressCallback | None]:
    """One bar per file on a terminal (bytes, rate, ETA); nothing when output is redirected."""
    if not sys.stderr.isatty():
        yield None
        return
    started = time.monotonic()
    bar: Any = click.progressbar(
        length=item.size,
        label=item.path.name,
        file=sys.stderr,
        show_eta=True,
        show_percent=True,
        item_show_func=lambda text: text,
    )
    with bar:
        sent = 0

        def update(done: int, total: int) -> None:
            nonlocal sent, started
            if done < sent:  # a retry sends the body again from the start
                bar.pos, sent, started = 0, 0, time.monotonic()
            rate = done / max(time.monotonic() - started, 1e-3)
            bar.update(done - sent, f"{_mb(done)}/{_mb(total)} MB at {_mb(rate)} MB/s")
            sent = done

        yield update


def _mb(count: float) -> str:
    return f"{count / 1_000_000:.1f}"


def run_uploads(
    client: MarketplaceClient,
    ledger: Ledger | None,
    items: list[UploadItem],
    *,
    force: bool,
    dry_run: bool,
) -> list[UploadOutcome]:
    # Wait for another run's upload of the same file as long as one upload may take: its
    # holder gives up at its deadline (this run's, unless the other run was given another).
    return upload_items(
        client,
        ledger,
        items,
        force=force,
        dry_run=dry_run,
        progress_factory=_progress_bar,
        claim_wait=client.deadline + CLAIM_WAIT_MARGIN,
    )


# ---- rendering -----------------------------------------------------------------------------


def record_to_dict(record: LedgerRecord) -> dict[str, Any]:
    return asdict(record)


def render_pending(pending: list[tuple[ClaimKey, ClaimHolder]]) -> str:
    """A note on claims not done: they are not rows, but the user should know they exist."""
    if not pending:
        return ""
    lines = [
        f"{len(pending)} upload{'s are' if len(pending) != 1 else ' is'} pending (in progress, "
        "or left by a run that stopped; the next upload of the file takes a stale one over):"
    ]
    lines.extend(
        f"  {holder.local_path} ({key.image_type or key.kind}, {holder.describe()})"
        for key, holder in pending
    )
    return "\n".join(lines) + "\n"


def render_records(records: list[LedgerRecord]) -> str:
    if not records:
        return "The ledger has no rows (matching those filters).\n"
    rows = [("time", "kind", "app", "version", "file", "asset link")]
    for record in records:
        rows.append(
            (
                record.time,
                record.image_type or record.kind,
                record.app_key or "-",
                record.app_version or "-",
                Path(record.local_path).name,
                record.self_link,
            )
        )
    return "\n".join(table_lines(rows)) + "\n"


def echo_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))
