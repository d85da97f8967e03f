"""Upload orchestration against the stand-in: what lands in the ledger, and what never does."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assetcheck.credentials import Credentials
from assetcheck.ledger import Ledger
from assetcheck.marketplace import BadRequest, MarketplaceClient
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
