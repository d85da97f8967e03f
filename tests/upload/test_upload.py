"""Upload orchestration against the stand-in: what lands in the ledger, and what never does."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from assetcheck.client import (
    AssetRecord,
    BadRequest,
    MarketplaceClient,
    MarketplaceError,
)
from assetcheck.credentials import Credentials
from assetcheck.ledger import Claim, ClaimKey, Ledger, LedgerRecord, utc_timestamp
from assetcheck.upload import UploadItem, UploadOutcome, fetch, upload_items
from tests.upload.marketplace_server import TOKEN, USER, Fault, StandInMarketplace

ItemFor = Callable[..., UploadItem]


@pytest.fixture
def items(jar_file: Path, png_file: Path, item_for: ItemFor) -> list[UploadItem]:
    return [item_for(jar_file), item_for(png_file, "image", "logo")]


def statuses(outcomes: list[UploadOutcome]) -> list[str]:
    return [outcome.status for outcome in outcomes]


def test_a_jar_and_an_image_land_one_row_each(
    client: MarketplaceClient, ledger: Ledger, items: list[UploadItem]
) -> None:
    outcomes = upload_items(client, ledger, items)

    assert statuses(outcomes) == ["uploaded", "uploaded"]
    rows = ledger.query()
    assert [outcome.record for outcome in outcomes] == rows
    jar_row, image_row = rows
    assert (jar_row.kind, jar_row.app_key, jar_row.app_version) == (
        "artifact",
        "com.example.app",
        "1.0.0",
    )
    assert jar_row.binary_link and jar_row.self_link.startswith("/rest/2/assets/")
    assert (jar_row.sha256, jar_row.size) == (items[0].sha256, items[0].size)
    assert jar_row.returned_size == items[0].size and jar_row.base_url == client.base_url
    assert (image_row.kind, image_row.image_type, image_row.app_key) == ("image", "logo", None)
    assert image_row.image_link and image_row.logical_file_name == "logo.png"


def test_an_uploaded_file_is_skipped_next_time_with_its_recorded_link(
    client: MarketplaceClient,
    ledger: Ledger,
    marketplace: StandInMarketplace,
    items: list[UploadItem],
) -> None:
    first = upload_items(client, ledger, items)
    requests = marketplace.count()

    again = upload_items(client, ledger, items)

    assert statuses(again) == ["skipped", "skipped"]
    assert [o.record for o in again] == [o.record for o in first]
    assert marketplace.count() == requests
    assert len(ledger.query()) == 2


def test_the_same_image_as_another_type_is_not_skipped(
    client: MarketplaceClient, ledger: Ledger, png_file: Path, item_for: ItemFor
) -> None:
    upload_items(client, ledger, [item_for(png_file, "image", "logo")])
    outcome = upload_items(client, ledger, [item_for(png_file, "image", "banner")])
    assert statuses(outcome) == ["uploaded"]


def test_force_uploads_again(
    client: MarketplaceClient, ledger: Ledger, items: list[UploadItem]
) -> None:
    upload_items(client, ledger, items)
    outcomes = upload_items(client, ledger, items, force=True)
    assert statuses(outcomes) == ["uploaded", "uploaded"]
    assert len(ledger.query()) == 4


def test_another_server_is_not_a_skip(
    make_client: Callable[..., MarketplaceClient],
    ledger: Ledger,
    items: list[UploadItem],
) -> None:
    upload_items(make_client(), ledger, items)
    with StandInMarketplace() as staging:
        outcomes = upload_items(make_client(base_url=staging.base_url), ledger, items)
    assert statuses(outcomes) == ["uploaded", "uploaded"]


def test_dry_run_sends_and_records_nothing_but_reports_skips(
    client: MarketplaceClient,
    ledger: Ledger,
    marketplace: StandInMarketplace,
    items: list[UploadItem],
) -> None:
    upload_items(client, ledger, items[:1])
    before = marketplace.count()

    outcomes = upload_items(client, ledger, items, dry_run=True)

    assert statuses(outcomes) == ["skipped", "would-upload"]
    assert outcomes[1].record is None and outcomes[1].error is None
    assert marketplace.count() == before and len(ledger.query()) == 1


def test_two_503s_then_success_is_exactly_one_row(
    client: MarketplaceClient,
    ledger: Ledger,
    marketplace: StandInMarketplace,
    jar_file: Path,
    item_for: ItemFor,
) -> None:
    marketplace.fail_next(Fault.error(503, retry_after="1"), Fault.error(503, retry_after="1"))
    outcomes = upload_items(client, ledger, [item_for(jar_file)])
    assert statuses(outcomes) == ["uploaded"]
    assert marketplace.count("POST", "/assets/artifact") == 3
    assert len(ledger.query()) == 1


def test_a_permanent_500_records_nothing_and_the_next_file_still_goes(
    client: MarketplaceClient,
    ledger: Ledger,
    marketplace: StandInMarketplace,
    items: list[UploadItem],
) -> None:
    marketplace.fail_next(*[Fault.error(500)] * 4)
    outcomes = upload_items(client, ledger, items)

    assert statuses(outcomes) == ["failed", "uploaded"]
    assert outcomes[0].record is None
    assert outcomes[0].error is not None and "HTTP 500 on 4 attempts" in outcomes[0].error
    assert [row.kind for row in ledger.query()] == ["image"]


def test_401_fails_at_once_naming_the_credential_source(
    make_client: Callable[..., MarketplaceClient],
    ledger: Ledger,
    marketplace: StandInMarketplace,
    jar_file: Path,
    item_for: ItemFor,
) -> None:
    source = "~/.netrc (host 127.0.0.1)"
    client = make_client(credentials=Credentials(USER, "stale-token-000", source))
    outcomes = upload_items(client, ledger, [item_for(jar_file)])
    assert statuses(outcomes) == ["failed"]
    assert outcomes[0].error is not None and source in outcomes[0].error
    assert "stale-token-000" not in outcomes[0].error
    assert marketplace.count() == 1 and ledger.query() == []


@pytest.mark.parametrize("fault", [Fault.malformed_json(), Fault.wrong_size()])
def test_an_invalid_answer_records_nothing(
    client: MarketplaceClient,
    ledger: Ledger,
    marketplace: StandInMarketplace,
    jar_file: Path,
    item_for: ItemFor,
    fault: Fault,
) -> None:
    marketplace.fail_next(fault)
    outcomes = upload_items(client, ledger, [item_for(jar_file)])
    assert statuses(outcomes) == ["failed"] and ledger.query() == []


def test_a_file_changed_after_its_check_is_not_recorded(
    client: MarketplaceClient, ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    item = item_for(jar_file)
    jar_file.write_bytes(jar_file.read_bytes()[::-1])  # same size, different bytes
    outcomes = upload_items(client, ledger, [item])
    assert statuses(outcomes) == ["failed"]
    assert outcomes[0].error is not None and "changed after it was checked" in outcomes[0].error
    assert ledger.query() == []


def test_an_image_without_a_type_fails_without_a_request(
    client: MarketplaceClient,
    ledger: Ledger,
    marketplace: StandInMarketplace,
    png_file: Path,
    item_for: ItemFor,
) -> None:
    outcomes = upload_items(client, ledger, [item_for(png_file, "image", None)])
    assert statuses(outcomes) == ["failed"]
    assert outcomes[0].error is not None and "--image-type" in outcomes[0].error
    assert marketplace.count() == 0


def test_each_file_gets_its_own_progress_context(
    client: MarketplaceClient, ledger: Ledger, items: list[UploadItem]
) -> None:
    events: list[tuple[str, str, int, int]] = []

    @contextmanager
    def bar(item: UploadItem) -> Iterator[Callable[[int, int], None]]:
        events.append(("open", item.path.name, 0, item.size))
        yield lambda sent, total: events.append(("tick", item.path.name, sent, total))
        events.append(("close", item.path.name, 0, item.size))

    upload_items(client, ledger, items, progress_factory=bar)

    for item in items:
        name = item.path.name
        mine = [event for event in events if event[1] == name]
        assert mine[0][0] == "open" and mine[-1][0] == "close"
        assert mine[-2] == ("tick", name, item.size, item.size)


def test_fetch_is_recorded_like_an_upload(
    client: MarketplaceClient, ledger: Ledger, marketplace: StandInMarketplace
) -> None:
    uri = "https://downloads.example.com/app-3.0.jar"
    marketplace.serve_remote(uri, b"PK\x03\x04 fetched")
    record = fetch(client, ledger, uri)
    assert ledger.query() == [record]
    assert (record.kind, record.local_path, record.sha256) == ("artifact", uri, None)
    assert record.returned_size == len(b"PK\x03\x04 fetched")


def test_a_failed_fetch_raises_and_records_nothing(
    client: MarketplaceClient, ledger: Ledger
) -> None:
    with pytest.raises(BadRequest):
        fetch(client, ledger, "https://nowhere.example/app.jar")
    assert ledger.query() == []


def test_the_token_never_reaches_the_ledger_files(
    client: MarketplaceClient,
    ledger: Ledger,
    marketplace: StandInMarketplace,
    items: list[UploadItem],
) -> None:
    marketplace.fail_next(Fault.error(400, message=f"echo {TOKEN}"))
    outcomes = upload_items(client, ledger, items + items, force=True)
    assert "failed" in statuses(outcomes) and "uploaded" in statuses(outcomes)
    assert all(TOKEN not in (outcome.error or "") for outcome in outcomes)
    basic = base64.b64encode(f"{USER}:{TOKEN}".encode())
    files = list(ledger.path.parent.iterdir())
    assert any(path.name.endswith("-wal") for path in files)
    for path in files:
        content = path.read_bytes()
        assert TOKEN.encode() not in content and basic not in content, path


UPLOADER = textwrap.dedent(
    """
    import hashlib, os, sys, time
    from pathlib import Path
    from assetcheck.credentials import Credentials
    from assetcheck.ledger import Ledger
    from assetcheck.marketplace import MarketplaceClient
    from assetcheck.upload import UploadItem, upload_items

    base_url = sys.argv[1]
    ledger_path, folder, go = (Path(arg) for arg in sys.argv[2:5])
    user, token = os.environ["ASSETCHECK_USER"], os.environ["ASSETCHECK_TOKEN"]
    client = MarketplaceClient(base_url, Credentials(user, token, "environment"))
    items = []
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        items.append(UploadItem(path, "artifact", None, digest, len(data)))
    while not go.exists():
        time.sleep(0.005)
    with Ledger(ledger_path) as ledger:
        outcomes = upload_items(client, ledger, items)
    print(",".join(outcome.status for outcome in outcomes))
    """
)


def test_two_upload_processes_at_once_both_land_their_rows(
    marketplace: StandInMarketplace, tmp_path: Path, make_jar: Callable[..., Path]
) -> None:
    ledger_path = tmp_path / "pipeline" / "ledger.db"
    go = tmp_path / "go"
    folders = []
    for job in ("job1", "job2"):
        folder = tmp_path / job
        folder.mkdir()
        for n in range(8):
            make_jar(f"{job}/{job}-plugin-{n}.jar", key=f"com.example.{job}{n}", padding=n * 1000)
        folders.append(folder)
    env = {**os.environ, "ASSETCHECK_USER": USER, "ASSETCHECK_TOKEN": TOKEN}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                UPLOADER,
                marketplace.base_url,
                str(ledger_path),
                str(f),
                str(go),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in folders
    ]
    go.touch()
    results = [process.communicate(timeout=60) for process in processes]

    for (stdout, stderr), process in zip(results, processes, strict=True):
        assert process.returncode == 0, stderr
        assert stdout.strip() == ",".join(["uploaded"] * 8)
        assert TOKEN not in stdout + stderr
    with Ledger(ledger_path) as ledger:
        rows = ledger.query()
    assert len(rows) == 16
    assert {Path(row.local_path).parent.name for row in rows} == {"job1", "job2"}
    assert len(marketplace.assets) == 16


# ---- exactly once, and never silent about a stray asset -------------------------------------
# The client's rewrite adds ``attempts`` and ``answer_lost`` to UploadResult and to its final
# error; these fakes stand for it, so the orchestration is tested apart from the HTTP client.


@dataclass(frozen=True)
class FakeResult:
    asset: AssetRecord
    sha256: str
    attempts: int = 1
    answer_lost: bool = False


class LostAnswers(MarketplaceError):
    def __init__(self, message: str, attempts: int, answer_lost: bool) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.answer_lost = answer_lost


class FakeClient:
    """Answers uploads from a script: a FakeResult field override, or an exception to raise."""

    base_url = "https://marketplace.example/rest/2"

    def __init__(self, *script: dict[str, object] | BaseException) -> None:
        self.script = list(script)
        self.sent: list[Path] = []

    def upload_artifact(self, path: Path, progress: object, *, expected_sha256: str) -> object:
        self.sent.append(path)
        step = self.script.pop(0) if self.script else {}
        if isinstance(step, BaseException):
            raise step
        n = len(self.sent)
        asset = AssetRecord(f"a{n}", path.name, path.stat().st_size, f"/rest/2/assets/a{n}")
        return FakeResult(asset, expected_sha256, **step)  # type: ignore[arg-type]

    upload_image = None  # the tests here upload artifacts


def fake(client: FakeClient) -> MarketplaceClient:
    return client  # type: ignore[return-value]


def claim_key(client: FakeClient, item: UploadItem) -> ClaimKey:
    return ClaimKey(client.base_url, item.kind, item.sha256, item.image_type)


def test_a_retry_after_a_lost_answer_is_recorded_and_said(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    client = FakeClient({"attempts": 3, "answer_lost": True})
    [outcome] = upload_items(fake(client), ledger, [item_for(jar_file)])
    assert outcome.status == "uploaded"
    assert (outcome.attempts, outcome.answer_lost, outcome.unused_asset_possible) == (3, True, True)
    [row] = ledger.query()
    assert (row.attempts, row.unused_asset_possible) == (3, True)


def test_a_client_that_says_nothing_means_one_attempt(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    # A result or an error without attempts/answer_lost (a client before the rewrite).
    client = FakeClient()
    client.upload_artifact = lambda path, progress, expected_sha256: SimpleNamespace(  # type: ignore[method-assign]
        asset=AssetRecord("a", path.name, 1, "/rest/2/assets/a"), sha256=expected_sha256
    )
    [outcome] = upload_items(fake(client), ledger, [item_for(jar_file)])
    assert (outcome.status, outcome.attempts, outcome.unused_asset_possible) == (
        "uploaded",
        1,
        False,
    )
    error = MarketplaceError("HTTP 500")
    del error.attempts, error.answer_lost
    client = FakeClient(error)
    [failed] = upload_items(fake(client), ledger, [item_for(jar_file)], force=True)
    assert (failed.status, failed.attempts, failed.answer_lost) == ("failed", 1, False)


def test_a_failure_after_a_lost_answer_says_so_and_frees_the_claim(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    item = item_for(jar_file)
    client = FakeClient(LostAnswers("HTTP 503 on 4 attempts", attempts=4, answer_lost=True))
    [outcome] = upload_items(fake(client), ledger, [item])
    assert (outcome.status, outcome.attempts, outcome.answer_lost) == ("failed", 4, True)
    assert ledger.query() == [] and ledger.pending() == []
    assert isinstance(ledger.claim(claim_key(client, item), "x"), Claim)  # free at once


def test_a_file_another_run_is_uploading_is_waited_for_then_skipped(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    item = item_for(jar_file)
    client = FakeClient()
    other = Ledger(ledger.path)
    held = other.claim(claim_key(client, item), "other/app.jar")
    assert isinstance(held, Claim)
    record = replace(a_row(client, item), self_link="/rest/2/assets/by-the-other-run")

    def finish_later() -> None:
        time.sleep(0.5)
        with Ledger(ledger.path) as late:
            late.finish(held, record)

    finisher = threading.Thread(target=finish_later)
    finisher.start()
    [outcome] = upload_items(fake(client), ledger, [item], claim_wait=30)
    finisher.join()
    other.close()
    assert outcome.status == "skipped" and client.sent == []
    assert outcome.record is not None and outcome.record.self_link == record.self_link
    assert outcome.waited_for is not None and outcome.waited_for.local_path == "other/app.jar"
    assert len(ledger.query()) == 1


def test_waiting_is_bounded_and_never_sends(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    item = item_for(jar_file)
    client = FakeClient()
    with Ledger(ledger.path) as other:
        assert isinstance(other.claim(claim_key(client, item), "other/app.jar"), Claim)
        started = time.monotonic()
        [outcome] = upload_items(fake(client), ledger, [item], claim_wait=0.5)
    assert 0.5 <= time.monotonic() - started < 5
    assert outcome.status == "failed" and "still uploading" in (outcome.error or "")
    assert client.sent == [] and ledger.query() == []


def test_a_stale_claim_is_taken_over_and_said(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    item = item_for(jar_file)
    client = FakeClient()
    assert isinstance(ledger.claim(claim_key(client, item), "killed/app.jar"), Claim)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with sqlite3.connect(ledger.path) as conn:
        conn.execute("UPDATE claims SET owner_pid = ?", (dead.pid,))
    [outcome] = upload_items(fake(client), ledger, [item])
    assert outcome.status == "uploaded" and len(client.sent) == 1
    assert outcome.took_over is not None and outcome.took_over.pid == dead.pid
    assert outcome.took_over.local_path == "killed/app.jar" and outcome.unused_asset_possible
    [row] = ledger.query()
    assert row.unused_asset_possible and ledger.pending() == []


def test_force_sends_beside_a_done_claim_and_records_a_row_of_its_own(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    item = item_for(jar_file)
    client = FakeClient()
    upload_items(fake(client), ledger, [item])
    [forced] = upload_items(fake(client), ledger, [item], force=True)
    [again] = upload_items(fake(client), ledger, [item])
    assert forced.status == "uploaded" and again.status == "skipped" and len(client.sent) == 2
    assert [row.self_link for row in ledger.query()] == ["/rest/2/assets/a1", "/rest/2/assets/a2"]
    assert again.record is not None and again.record.self_link == "/rest/2/assets/a2"


def test_force_does_not_wait_for_a_live_claim(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    item = item_for(jar_file)
    client = FakeClient()
    with Ledger(ledger.path) as other:
        held = other.claim(claim_key(client, item), "other/app.jar")
        [forced] = upload_items(fake(client), ledger, [item], force=True, claim_wait=60)
        assert forced.status == "uploaded" and len(client.sent) == 1
        assert isinstance(held, Claim) and other.finish(held, a_row(client, item)) is None
    assert len(ledger.query()) == 2  # both were sent, both are recorded


def test_a_dry_run_needs_no_ledger(jar_file: Path, item_for: ItemFor) -> None:
    client = FakeClient()
    [outcome] = upload_items(fake(client), None, [item_for(jar_file)], dry_run=True)
    assert outcome.status == "would-upload" and client.sent == []


def a_row(client: FakeClient, item: UploadItem) -> LedgerRecord:
    return LedgerRecord(
        utc_timestamp(),
        client.base_url,
        item.kind,
        str(item.path),
        item.sha256,
        item.size,
        item.image_type,
        item.path.name,
        item.size,
        "/rest/2/assets/other",
    )


def test_force_on_a_new_file_holds_its_claim_so_the_next_run_skips(
    ledger: Ledger, jar_file: Path, item_for: ItemFor
) -> None:
    item = item_for(jar_file)
    client = FakeClient()
    [forced] = upload_items(fake(client), ledger, [item], force=True)
    [plain] = upload_items(fake(client), ledger, [item])
    assert (forced.status, plain.status, len(client.sent)) == ("uploaded", "skipped", 1)
