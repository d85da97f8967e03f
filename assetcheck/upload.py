"""Upload orchestration: what to send, what to skip, and what to record. No printing, no HTTP.

The CLI hands over files that passed the checks as UploadItems; each is claimed in the ledger,
uploaded through the client, its validated answer recorded under the claim, and an
UploadOutcome says what happened. One file failing never stops the others.

Exactly once: a file another run is uploading is waited for (up to ``claim_wait`` seconds) and
then skipped with that run's row; it is never sent twice. What the API cannot promise is said
instead of hidden: a retry after a lost answer, or taking over the claim of a run that died
mid-upload, may leave an unused asset on the server (there is no idempotency key), and the
outcome says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from assetcheck.report.model import Report
    from assetcheck.settings import Settings

from assetcheck.client import (
    AssetRecord,
    MarketplaceClient,
    MarketplaceError,
    ProgressCallback,
    UploadResult,
)
from assetcheck.ledger import (
    AssetKind,
    Busy,
    Claim,
    ClaimHolder,
    ClaimKey,
    Done,
    Ledger,
    LedgerError,
    LedgerRecord,
    utc_timestamp,
)

UploadStatus = Literal["uploaded", "skipped", "failed", "would-upload"]

# How long a run waits for another that is uploading the same file before giving up on it.
DEFAULT_CLAIM_WAIT = 600.0
_POLL = 0.2


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
    """What happened to one item. ``record`` is the new row, or the earlier one when skipped.

    ``attempts`` counts the requests sent for this file (0: none). ``answer_lost`` means a body
    went out whole and its answer never came, so the server may hold an asset nothing uses.
    ``took_over`` is the run whose stale claim this one took (``stale_because`` says why);
    ``waited_for`` the live run this one waited on; ``unused_link`` an asset this run stored
    that another run's row superseded. ``warnings`` are the client's notes on an accepted
    upload (an answer without fileInfo, a Retry-After longer than the cap).
    """

    item: UploadItem
    status: UploadStatus
    record: LedgerRecord | None = None
    error: str | None = None
    attempts: int = 0
    answer_lost: bool = False
    took_over: ClaimHolder | None = None
    stale_because: str | None = None
    waited_for: ClaimHolder | None = None
    unused_link: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def unused_asset_possible(self) -> bool:
        """The server may hold a copy of this file that no ledger row names."""
        return self.answer_lost or self.took_over is not None or self.unused_link is not None


# The CLI draws one progress bar per file: the factory opens it, leaving the context closes it.
ProgressFactory = Callable[[UploadItem], AbstractContextManager[ProgressCallback | None]]


def _no_progress(item: UploadItem) -> AbstractContextManager[ProgressCallback | None]:
    return nullcontext(None)


def upload_items(
    client: MarketplaceClient,
    ledger: Ledger | None,
    items: Iterable[UploadItem],
    *,
    force: bool = False,
    dry_run: bool = False,
    progress_factory: ProgressFactory = _no_progress,
    claim_wait: float = DEFAULT_CLAIM_WAIT,
) -> list[UploadOutcome]:
    """Upload each item unless the ledger has it for this server (``force`` uploads anyway).

    ``dry_run`` still consults the ledger, so it reports skips, but sends and records nothing;
    its ledger may be None (none exists yet: nothing was uploaded). Otherwise it is required.
    """
    options = _Options(force, dry_run, progress_factory, claim_wait)
    return [_upload_one(client, ledger, item, options) for item in items]


def fetch(client: MarketplaceClient, ledger: Ledger, uri: str) -> LedgerRecord:
    """Have the Marketplace fetch a remote artifact, and record it like an upload.

    Raises MarketplaceError or LedgerError; the CLI reports them.
    """
    asset = client.fetch_artifact(uri)
    record = _ledger_record(client, asset, kind="artifact", local_path=uri)
    ledger.record(record)
    return record


@dataclass(frozen=True, slots=True)
class _Options:
    force: bool
    dry_run: bool
    progress_factory: ProgressFactory
    claim_wait: float


def _upload_one(
    client: MarketplaceClient, ledger: Ledger | None, item: UploadItem, options: _Options
) -> UploadOutcome:
    if item.kind == "image" and not item.image_type:
        return _failed(item, f"{item.path} has no image type: give one with --image-type.")
    try:
        if options.dry_run:
            return _dry_run(client, ledger, item, options.force)
        assert ledger is not None, "only a dry run goes without a ledger"
        key = ClaimKey(client.base_url, item.kind, item.sha256, item.image_type)
        if options.force:
            # --force never waits: it takes a free or stale claim, and otherwise sends beside
            # the other run (or the recorded row), recording a row of its own without a claim.
            answer = ledger.claim(key, str(item.path))
            claim = answer if isinstance(answer, Claim) else None
            return _send_and_record(client, ledger, item, claim, options)
        answer, waited = _wait_for_claim(ledger, key, item, options.claim_wait)
    except LedgerError as exc:
        return _failed(item, str(exc))
    if isinstance(answer, Done):
        return UploadOutcome(item, "skipped", answer.record, waited_for=waited)
    if isinstance(answer, Busy):
        return _failed(
            item,
            f"{item.path}: another run ({answer.holder.describe()}) is still uploading it "
            f"after {options.claim_wait:g} s of waiting; run again once it is done.",
        )
    return _send_and_record(client, ledger, item, answer, options)


def _dry_run(
    client: MarketplaceClient, ledger: Ledger | None, item: UploadItem, force: bool
) -> UploadOutcome:
    previous = None
    if ledger is not None and not force:
        previous = ledger.find_uploaded(item.sha256, client.base_url, item.kind, item.image_type)
    if previous is not None:
        return UploadOutcome(item, "skipped", previous)
    return UploadOutcome(item, "would-upload")


def _wait_for_claim(
    ledger: Ledger, key: ClaimKey, item: UploadItem, claim_wait: float
) -> tuple[Claim | Busy | Done, ClaimHolder | None]:
    """Claim ``key``, waiting while a live run holds it; also returns the run waited for."""
    deadline = time.monotonic() + claim_wait
    waited: ClaimHolder | None = None
    while True:
        answer = ledger.claim(key, str(item.path))
        if not isinstance(answer, Busy) or time.monotonic() >= deadline:
            return answer, waited
        waited = answer.holder
        time.sleep(_POLL)


def _send_and_record(
    client: MarketplaceClient,
    ledger: Ledger,
    item: UploadItem,
    claim: Claim | None,
    options: _Options,
) -> UploadOutcome:
    taken = UploadOutcome(
        item,
        "failed",
        took_over=claim.took_over if claim else None,
        stale_because=claim.stale_because if claim else None,
    )
    try:
        keep_alive = ledger.keep_alive(claim) if claim else nullcontext()
        with keep_alive, options.progress_factory(item) as progress:
            result = _send(client, item, progress)
    except MarketplaceError as exc:
        _release(ledger, claim)
        # Named by the client's rewrite; older clients say nothing, i.e. one attempt, no loss.
        return replace(
            taken,
            error=str(exc),
            attempts=getattr(exc, "attempts", 1),
            answer_lost=getattr(exc, "answer_lost", False),
        )
    sent = replace(
        taken,
        attempts=getattr(result, "attempts", 1),
        answer_lost=getattr(result, "answer_lost", False),
        warnings=tuple(getattr(result, "warnings", ())),
    )
    if result.sha256 != item.sha256:
        _release(ledger, claim)
        # The bytes sent are not the bytes that were checked: recording them would let an
        # unchecked file pass as checked.
        return replace(
            sent,
            error=f"{item.path} changed after it was checked; the upload "
            f"({result.asset.self_link}) was not recorded. Check and upload it again.",
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
        attempts=sent.attempts,
        unused_asset_possible=sent.unused_asset_possible,
    )
    try:
        earlier = None
        if claim is None:
            ledger.record(record)
        else:
            earlier = ledger.finish(claim, record)
    except LedgerError as exc:
        return replace(
            sent,
            error=f"{item.path} was uploaded as {result.asset.self_link} but not recorded: {exc}",
        )
    if earlier is not None:
        # Another run took this run's claim for dead and recorded its own upload first.
        return replace(sent, status="skipped", record=earlier, unused_link=record.self_link)
    return replace(sent, status="uploaded", record=record)


def _release(ledger: Ledger, claim: Claim | None) -> None:
    if claim is not None:
        # Unreleased, the claim goes stale instead, and a later run takes it over.
        with suppress(LedgerError):
            ledger.release(claim)


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
    attempts: int = 1,
    unused_asset_possible: bool = False,
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
        attempts=attempts,
        unused_asset_possible=unused_asset_possible,
    )


def plan_uploads(
    report: Report, settings: Settings, gate: bool
) -> tuple[list[UploadItem], list[str]]:
    """The items to upload, and why other files are held back.

    A file goes up only when it was read whole and trusted (even with ``gate`` off, which is
    --no-check), has no finding at or above ``fail_on`` (when gated), and its kind has an
    upload value; each carries the sha256 the checks read, which the client enforces.
    """
    items: list[UploadItem] = []
    held: list[str] = []
    for file in report.files:
        path = Path(file.path)
        # Not even --no-check uploads what could not be read or trusted.
        untrusted = file.untrusted()
        if None in untrusted or (file.kind != "source" and untrusted):
            held.append(f"{path}: could not be read whole or trusted (see its findings)")
            continue
        if file.kind == "source":
            for ref, asset in file.assets.items():
                if not any(settings.image_types[t].upload_type for t in asset.image_types):
                    continue  # not a listing image: unreferenced, or an in-jar descriptor image
                if ref in untrusted:
                    held.append(f"{path / ref}: could not be read whole or trusted")
                    continue
                if gate and not file.passes(settings.fail_on, entry=ref):
                    held.append(f"{path / ref}: has findings at or above {settings.fail_on.label}")
                    continue
                # An image referenced as several types goes up once per API value it has
                # (the descriptor's in-jar images have none and stay in the jar).
                upload_values = dict.fromkeys(
                    value
                    for name in asset.image_types
                    if (value := settings.image_types[name].upload_type) is not None
                )
                items.extend(
                    UploadItem(path / ref, "image", value, asset.sha256, asset.size)
                    for value in upload_values
                )
            continue
        if gate and not file.passes(settings.fail_on):
            held.append(f"{path}: has findings at or above {settings.fail_on.label}")
            continue
        if file.sha256 is None or file.size is None:
            held.append(f"{path}: could not be read whole")
            continue
        if file.kind == "artifact":
            items.append(
                UploadItem(
                    path, "artifact", None, file.sha256, file.size, file.app_key, file.app_version
                )
            )
        else:
            image_type = settings.image_types.get(file.image_type or "")
            if image_type is None or not image_type.upload_type:
                reason = (
                    f"its type {image_type.name} lives in the jar and is never uploaded"
                    if image_type is not None
                    else "it has no image type to upload it as: give one with --image-type"
                )
                held.append(f"{path}: {reason} (`assetcheck image-types` lists the types)")
                continue
            items.append(UploadItem(path, "image", image_type.upload_type, file.sha256, file.size))
    return items, held
