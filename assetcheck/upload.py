"""Upload orchestration: what to send, what to skip, and what to record. No printing, no HTTP.

The CLI hands over files that passed the checks as UploadItems; each is uploaded through the
client, its validated answer is recorded in the ledger, and an UploadOutcome says what happened.
One file failing never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assetcheck.ledger import AssetKind, Ledger, LedgerError, LedgerRecord, utc_timestamp
from assetcheck.marketplace import (
    AssetRecord,
    MarketplaceClient,
    MarketplaceError,
    ProgressCallback,
    UploadResult,
)

UploadStatus = Literal["uploaded", "skipped", "failed", "would-upload"]


@dataclass(frozen=True, slots=True)
class UploadItem:
    """A checked file to upload; ``sha256`` and ``size`` are what the checks saw."""

    path: Path
    kind: AssetKind
    image_type: str | None
    sha256: str
    size: int
    app_key: str | None = None
    app_version: str | None = None


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    """What happened to one item. ``record`` is the new row, or the earlier one when skipped."""

    item: UploadItem
    status: UploadStatus
    record: LedgerRecord | None = None
    error: str | None = None


# The CLI draws one progress bar per file: the factory opens it, leaving the context closes it.
ProgressFactory = Callable[[UploadItem], AbstractContextManager[ProgressCallback | None]]


def _no_progress(item: UploadItem) -> AbstractContextManager[ProgressCallback | None]:
    return nullcontext(None)


def upload_items(
    client: MarketplaceClient,
    ledger: Ledger,
    items: Iterable[UploadItem],
    *,
    force: bool = False,
    dry_run: bool = False,
    progress_factory: ProgressFactory = _no_progress,
) -> list[UploadOutcome]:
    """Upload each item unless the ledger has it for this server (``force`` uploads anyway).

    ``dry_run`` still consults the ledger, so it reports skips, but sends and records nothing.
    """
    return [_upload_one(client, ledger, item, force, dry_run, progress_factory) for item in items]


def fetch(client: MarketplaceClient, ledger: Ledger, uri: str) -> LedgerRecord:
    """Have the Marketplace fetch a remote artifact, and record it like an upload.

    Raises MarketplaceError or LedgerError; the CLI reports them.
    """
    asset = client.fetch_artifact(uri)
    record = _ledger_record(client, asset, kind="artifact", local_path=uri)
    ledger.record(record)
    return record


def _upload_one(
    client: MarketplaceClient,
    ledger: Ledger,
    item: UploadItem,
    force: bool,
    dry_run: bool,
    progress_factory: ProgressFactory,
) -> UploadOutcome:
    if item.kind == "image" and not item.image_type:
        return _failed(item, f"{item.path} has no image type: give one with --image-type.")
    try:
        if not force:
            previous = ledger.find_uploaded(
                item.sha256, client.base_url, item.kind, item.image_type
            )
            if previous is not None:
                return UploadOutcome(item, "skipped", previous)
        if dry_run:
            return UploadOutcome(item, "would-upload")
        with progress_factory(item) as progress:
            result = _send(client, item, progress)
    except (MarketplaceError, LedgerError) as exc:
        return _failed(item, str(exc))
    return _record_upload(client, ledger, item, result)


def _record_upload(
    client: MarketplaceClient, ledger: Ledger, item: UploadItem, result: UploadResult
) -> UploadOutcome:
    if result.sha256 != item.sha256:
        # The bytes sent are not the bytes that were checked: recording them would let an
        # unchecked file pass as checked.
        return _failed(
            item,
            f"{item.path} changed after it was checked; the upload ({result.asset.self_link}) "
            "was not recorded. Check and upload it again.",
        )
    record = _ledger_record(
        client,
        result.asset,
        kind=item.kind,
        local_path=str(item.path),
        sha256=item.sha256,
        size=item.size,
        image_type=item.image_type,
        app_key=item.app_key,
        app_version=item.app_version,
    )
    try:
        ledger.record(record)
    except LedgerError as exc:
        return _failed(
            item, f"{item.path} was uploaded as {result.asset.self_link} but not recorded: {exc}"
        )
    return UploadOutcome(item, "uploaded", record)


def _send(
    client: MarketplaceClient, item: UploadItem, progress: ProgressCallback | None
) -> UploadResult:
    # The bytes sent must be the bytes checked: the client refuses to finish sending others.
    if item.kind == "artifact":
        return client.upload_artifact(item.path, progress, expected_sha256=item.sha256)
    assert item.image_type is not None  # checked by the caller
    return client.upload_image(item.path, item.image_type, progress, expected_sha256=item.sha256)


def _failed(item: UploadItem, message: str) -> UploadOutcome:
    return UploadOutcome(item, "failed", None, message)


def _ledger_record(
    client: MarketplaceClient,
    asset: AssetRecord,
    *,
    kind: AssetKind,
    local_path: str,
    sha256: str | None = None,
    size: int | None = None,
    image_type: str | None = None,
    app_key: str | None = None,
    app_version: str | None = None,
) -> LedgerRecord:
    return LedgerRecord(
        time=utc_timestamp(),
        base_url=client.base_url,
        kind=kind,
        local_path=local_path,
        sha256=sha256,
        size=size,
        image_type=image_type,
        logical_file_name=asset.logical_file_name,
        returned_size=asset.size,
        self_link=asset.self_link,
        binary_link=asset.binary_link,
        remote_link=asset.remote_link,
        image_link=asset.image_link,
        app_key=app_key,
        app_version=app_version,
    )
