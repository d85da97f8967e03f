"""`assetcheck upload`, `fetch`, `ledger` and `assets` end to end, against the stand-in server."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assetcheck import cli_upload
from assetcheck import upload as upload_module
from assetcheck.cli import cli
from assetcheck.ledger import Claim, ClaimHolder, ClaimKey, Ledger
from assetcheck.report import uploads
from assetcheck.settings import Settings
from assetcheck.upload import UploadItem, UploadOutcome
from tests.builders import make_jar, source_files, write_tree
from tests.catalogue import check_paths
from tests.imagebuilders import make_image
from tests.upload.marketplace_server import TOKEN, USER, Fault, StandInMarketplace

ROOT = Path(__file__).resolve().parents[2]
GOOD_JAR = ROOT / "samples/artifacts/good/issuehelper-1.2.0.jar"
GOOD_OBR = ROOT / "samples/artifacts/good/issuehelper-1.2.0.obr"
BAD_JAR = ROOT / "samples/artifacts/bad/crc-damage.jar"


@pytest.fixture
def server() -> Iterator[StandInMarketplace]:
    with StandInMarketplace() as marketplace:
        yield marketplace


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli_upload.CLIENT_DEFAULTS, "sleep", lambda seconds: None)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


def invoke(server: StandInMarketplace, ledger: Path, *args: str, env: dict | None = None) -> Result:
    environment = {"ASSETCHECK_USER": USER, "ASSETCHECK_TOKEN": TOKEN, "CI": "true"}
    environment.update(env or {})
    command = list(args[:2]) if args[0] == "assets" else [args[0]]
    options = [] if command == ["ledger"] else ["--base-url", server.base_url]
    if command[0] in ("upload", "fetch", "ledger"):
        options += ["--ledger", str(ledger)]
    return CliRunner().invoke(
        cli, [*command, *options, *args[len(command) :]], env=environment, catch_exceptions=False
    )


def rows(ledger: Path) -> list[dict]:
    if not ledger.exists():
        return []
    connection = sqlite3.connect(ledger)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute("SELECT * FROM uploads")]
    finally:
        connection.close()


def test_upload_good_artifacts_records_one_row_each(
    server: StandInMarketplace, ledger: Path
) -> None:
    result = invoke(server, ledger, "upload", str(GOOD_JAR), str(GOOD_OBR))
    assert result.exit_code == 0, result.output
    recorded = rows(ledger)
    assert len(recorded) == 2
    assert {r["app_key"] for r in recorded} == {"com.acme.jira.issuehelper"}
    assert {r["app_version"] for r in recorded} == {"1.2.0"}
    for row in recorded:
        assert row["self_link"] in result.output
        assert row["returned_size"] == row["size"]


def test_upload_images_of_a_source_tree_with_their_types(
    server: StandInMarketplace, ledger: Path, tmp_path: Path
) -> None:
    tree = write_tree(tmp_path / "src/main/resources", source_files())
    result = invoke(server, ledger, "upload", str(tree))
    assert result.exit_code == 0, result.output
    recorded = rows(ledger)
    # Every listing image is sent once per (content, API value): the flat samples repeat bytes
    # (three identical highlights), and the ledger skips a repeat, printing its recorded link.
    # The descriptor's in-jar images (plugin-icon, vendor-logo, ...) are never uploaded.
    files = source_files()
    types = Settings().image_types
    (checked,) = check_paths([tree], Settings()).files
    sends = [
        (hash(files[asset.entry]), types[name].upload_type)
        for asset in checked.assets.values()
        for name in asset.image_types
        if types[name].upload_type is not None
    ]
    assert len(recorded) == len(set(sends))
    assert result.output.count("skipped") == len(sends) - len(set(sends))
    assert {r["image_type"] for r in recorded} == {
        "logo",
        "banner",
        "screenshot",
        "screenshot-thumbnail",
    }
    names = {Path(r["local_path"]).name for r in recorded}
    assert not names & {"pluginIcon.png", "vendorLogo.png", "pluginBanner.png"}
    for value in ("logo", "banner", "screenshot", "screenshot-thumbnail"):
        assert server.count("POST", f"/assets/image/{value}") >= 1
    assert server.count("POST", "/assets/image/logo") == 1


def test_image_file_needs_and_uses_its_type(
    server: StandInMarketplace, ledger: Path, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(make_image(144, 144))
    for dry_run in (["--dry-run"], []):
        result = invoke(server, ledger, "upload", *dry_run, str(logo))
        # Held back, never "failed", and never a pass: it was asked for and not uploaded.
        assert result.exit_code == 1 and "--image-type" in result.output
        assert "failed" not in result.output and "not uploaded" in result.output
        assert ledger.exists() == (not dry_run)
    assert server.count("POST", "/assets/image/logo") == 0
    result = invoke(server, ledger, "upload", "--image-type", "logo", str(logo))
    assert result.exit_code == 0, result.output
    assert [r["image_type"] for r in rows(ledger)] == ["logo"]


def test_files_with_findings_are_not_uploaded(server: StandInMarketplace, ledger: Path) -> None:
    result = invoke(server, ledger, "upload", str(BAD_JAR), str(GOOD_JAR))
    assert result.exit_code == 1
    assert "not uploaded" in result.output and "crc-damage.jar" in result.output
    assert [Path(r["local_path"]).name for r in rows(ledger)] == [GOOD_JAR.name]


def test_no_check_uploads_anyway_with_a_loud_warning(
    server: StandInMarketplace, ledger: Path
) -> None:
    snapshot = ROOT / "samples/artifacts/bad/manifest-snapshot-version.jar"  # MF013, readable
    result = invoke(server, ledger, "upload", "--no-check", str(snapshot))
    assert result.exit_code == 0
    assert "WARNING: --no-check" in result.output
    assert len(rows(ledger)) == 1


def test_already_uploaded_file_is_skipped_unless_forced(
    server: StandInMarketplace, ledger: Path
) -> None:
    first = invoke(server, ledger, "upload", str(GOOD_JAR))
    link = rows(ledger)[0]["self_link"]
    second = invoke(server, ledger, "upload", str(GOOD_JAR))
    assert first.exit_code == second.exit_code == 0
    assert "skipped" in second.output and link in second.output
    assert server.count("POST", "/assets/artifact") == 1
    invoke(server, ledger, "upload", "--force", str(GOOD_JAR))
    assert server.count("POST", "/assets/artifact") == 2 and len(rows(ledger)) == 2


def test_dry_run_sends_nothing_and_creates_no_ledger(
    server: StandInMarketplace, ledger: Path
) -> None:
    result = invoke(server, ledger, "upload", "--dry-run", str(GOOD_JAR))
    assert result.exit_code == 0 and "would-upload" in result.output
    assert server.count("POST") == 0 and not ledger.exists()
    assert not ledger.parent.joinpath(".assetcheck").exists()


def test_dry_run_reads_an_existing_ledger_and_writes_nothing(
    server: StandInMarketplace, ledger: Path
) -> None:
    invoke(server, ledger, "upload", str(GOOD_JAR))
    before = ledger.read_bytes()
    result = invoke(server, ledger, "upload", "--dry-run", str(GOOD_JAR), str(GOOD_OBR))
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "would-upload" in result.output
    assert server.count("POST") == 1 and ledger.read_bytes() == before


def test_two_503s_then_success_records_exactly_one_row(
    server: StandInMarketplace, ledger: Path
) -> None:
    server.fail_next(Fault.error(503, retry_after="1"), Fault.error(503, retry_after="1"))
    result = invoke(server, ledger, "upload", str(GOOD_JAR))
    assert result.exit_code == 0, result.output
    assert server.count("POST", "/assets/artifact") == 3
    assert len(rows(ledger)) == 1


def test_permanent_500_exits_4_with_no_row(server: StandInMarketplace, ledger: Path) -> None:
    server.fail_next(*[Fault.error(500)] * 10)
    result = invoke(server, ledger, "upload", str(GOOD_JAR))
    assert result.exit_code == 4
    assert "failed" in result.output and "500" in result.output
    assert rows(ledger) == []


def test_401_is_not_retried_and_names_the_credential_source(
    server: StandInMarketplace, ledger: Path
) -> None:
    result = invoke(server, ledger, "upload", str(GOOD_JAR), env={"ASSETCHECK_TOKEN": "wrong"})
    assert result.exit_code == 4
    assert server.count("POST", "/assets/artifact") == 1
    assert "ASSETCHECK_USER/ASSETCHECK_TOKEN" in result.output
    assert rows(ledger) == []


def test_missing_credentials_is_a_clear_usage_error(
    server: StandInMarketplace, ledger: Path, tmp_path: Path
) -> None:
    result = invoke(
        server,
        ledger,
        "upload",
        str(GOOD_JAR),
        env={"ASSETCHECK_USER": None, "ASSETCHECK_TOKEN": None, "HOME": str(tmp_path)},
    )
    assert result.exit_code == 2
    assert "No Marketplace credentials" in result.output


def test_token_never_appears_in_output_report_or_ledger(
    server: StandInMarketplace, ledger: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    server.fail_next(Fault.error(503, retry_after="1"))
    outputs = [
        invoke(server, ledger, "upload", "--format", "json", "-o", str(report), str(GOOD_JAR)),
        invoke(server, ledger, "upload", "--force", str(GOOD_OBR)),
        invoke(server, ledger, "upload", str(GOOD_JAR), env={"ASSETCHECK_TOKEN": "x" + TOKEN}),
        invoke(server, ledger, "ledger", "--format", "json"),
    ]
    assert len(rows(ledger)) == 2
    texts = [r.output for r in outputs] + [report.read_text()]
    texts += [p.read_bytes().decode("latin-1") for p in ledger.parent.glob("ledger.db*")]
    for text in texts:
        assert TOKEN not in text
    assert json.loads(report.read_text())["uploads"][0]["status"] == "uploaded"


def test_json_upload_report_holds_the_check_report_and_uploads(
    server: StandInMarketplace, ledger: Path
) -> None:
    result = invoke(server, ledger, "upload", "--format", "json", str(GOOD_JAR))
    document = json.loads(result.stdout)
    assert document["schema"] == 1 and document["summary"]["errors"] == 0
    [upload] = document["uploads"]
    assert upload["status"] == "uploaded" and upload["self"].startswith("/rest/2/assets/")


def test_ledger_lists_and_filters(server: StandInMarketplace, ledger: Path, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(make_image(144, 144))
    invoke(server, ledger, "upload", str(GOOD_JAR))
    invoke(server, ledger, "upload", "--image-type", "logo", str(logo))
    listed = json.loads(invoke(server, ledger, "ledger", "--format", "json").stdout)
    assert [r["kind"] for r in listed] == ["artifact", "image"]
    only = json.loads(
        invoke(server, ledger, "ledger", "--kind", "image", "--format", "json").output
    )
    assert [r["image_type"] for r in only] == ["logo"]
    text = invoke(server, ledger, "ledger", "--key", "com.acme.jira.issuehelper").output
    assert "issuehelper-1.2.0.jar" in text and "logo.png" not in text


def test_fetch_and_asset_commands(server: StandInMarketplace, ledger: Path) -> None:
    server.serve_remote("https://downloads.example.com/app.jar", make_jar())
    result = invoke(server, ledger, "fetch", "https://downloads.example.com/app.jar")
    assert result.exit_code == 0, result.output
    [row] = rows(ledger)
    link = row["self_link"]
    shown = invoke(server, ledger, "assets", "show", link)
    assert shown.exit_code == 0 and json.loads(shown.stdout)["self_link"] == link
    links = invoke(server, ledger, "assets", "links")
    assert links.exit_code == 0 and "artifact" in links.output
    refused = invoke(server, ledger, "assets", "delete", link)
    assert refused.exit_code == 2 and "--yes" in refused.output
    deleted = invoke(server, ledger, "assets", "delete", "--yes", link)
    assert deleted.exit_code == 0, deleted.output
    assert invoke(server, ledger, "assets", "show", link).exit_code == 4


def test_two_uploads_at_once_both_land(
    server: StandInMarketplace, ledger: Path, tmp_path: Path
) -> None:
    jars = []
    for index in range(2):
        jar = tmp_path / f"app-{index}.jar"
        jar.write_bytes(make_jar(**{"notes.txt": f"build {index}"}))
        jars.append(jar)
    env = {**os.environ, "ASSETCHECK_USER": USER, "ASSETCHECK_TOKEN": TOKEN, "CI": "true"}
    command = [sys.executable, "-m", "assetcheck", "upload", "--base-url", server.base_url]
    processes = [
        subprocess.Popen(
            [*command, "--ledger", str(ledger), str(jar)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for jar in jars
    ]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    assert sorted(Path(r["local_path"]).name for r in rows(ledger)) == ["app-0.jar", "app-1.jar"]


def _upload_in_subprocess(
    server: StandInMarketplace, ledger: Path, jar: Path, stderr: int
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ASSETCHECK_USER": USER, "ASSETCHECK_TOKEN": TOKEN, "CI": "true"}
    command = [sys.executable, "-m", "assetcheck", "upload", "--base-url", server.base_url]
    return subprocess.Popen(
        [*command, "--ledger", str(ledger), "--force", str(jar)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )


def test_progress_bar_is_drawn_on_a_terminal_only(
    server: StandInMarketplace, ledger: Path, tmp_path: Path
) -> None:
    jar = tmp_path / "app.jar"
    jar.write_bytes(make_jar(**{"lib/blob.bin": os.urandom(3_000_000)}))
    primary, secondary = pty.openpty()
    process = _upload_in_subprocess(server, ledger, jar, stderr=secondary)
    os.close(secondary)
    drawn = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(primary)
    assert process.wait(timeout=60) == 0
    assert process.stdout is not None and b"uploaded" in process.stdout.read()
    process.stdout.close()
    text = drawn.decode(errors="replace")
    assert "app.jar" in text and "100%" in text and "MB/s" in text

    piped = _upload_in_subprocess(server, ledger, jar, stderr=subprocess.PIPE)
    out, err = piped.communicate(timeout=60)
    assert piped.returncode == 0 and b"MB/s" not in err + out


def test_nothing_found_is_not_a_pass(
    server: StandInMarketplace, ledger: Path, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("nothing to upload here\n")
    result = invoke(server, ledger, "upload", str(tmp_path))
    # Exit 1, as for findings: the command line was right, but a release step must not pass.
    assert result.exit_code == 1 and "nothing to upload" in result.output
    assert server.count("POST", "/assets/artifact") == 0 and not ledger.exists()


def test_a_source_tree_without_listing_images_is_nothing_to_upload(
    server: StandInMarketplace, ledger: Path, tmp_path: Path
) -> None:
    tree = write_tree(
        tmp_path / "src/main/resources", source_files(**{"atlassian-plugin-marketing.xml": None})
    )
    result = invoke(server, ledger, "upload", str(tree), env={"ASSETCHECK_TOKEN": None})
    assert result.exit_code == 1, result.output
    assert "nothing to upload" in result.output and "listing image" in result.output
    assert server.count() == 0 and not ledger.exists()


@pytest.mark.parametrize("bad", ["truncated.jar", "empty.jar"])
def test_no_option_uploads_what_could_not_be_read(
    server: StandInMarketplace, ledger: Path, bad: str
) -> None:
    jar = ROOT / "samples/artifacts/bad" / bad
    for options in (["--ignore", "ZIP"], ["--select", "DSC"], ["--no-check"]):
        result = invoke(server, ledger, "upload", *options, str(jar))
        assert result.exit_code == 1, result.output
        assert "not uploaded" in result.output
    assert server.count("POST", "/assets/artifact") == 0 and rows(ledger) == []


def test_a_source_image_replaced_after_its_check_is_not_uploaded(
    server: StandInMarketplace, ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = write_tree(tmp_path / "src/main/resources", source_files())
    logo = tree / "images/logo.png"
    real_plan = upload_module.plan_uploads

    def plan_then_replace(*args, **kwargs):  # type: ignore[no-untyped-def]
        planned = real_plan(*args, **kwargs)
        logo.write_bytes(make_image(144, 144, mode="L"))  # swapped between check and send
        return planned

    monkeypatch.setattr(upload_module, "plan_uploads", plan_then_replace)
    result = invoke(server, ledger, "upload", str(tree))
    assert result.exit_code == 4, result.output
    assert "changed after it was checked" in result.output
    assert server.count("POST", "/assets/image/logo") in (0, 1)  # sent, never completed
    assert [r for r in rows(ledger) if Path(r["local_path"]).name == "logo.png"] == []
    assert not [a for a in server.assets.values() if a.logical_file_name == "logo.png"]


def test_an_artifact_rewritten_after_its_check_is_never_stored(
    server: StandInMarketplace, ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jar = tmp_path / "app.jar"
    jar.write_bytes(GOOD_JAR.read_bytes())
    real_plan = upload_module.plan_uploads

    def plan_then_rewrite(*args, **kwargs):  # type: ignore[no-untyped-def]
        planned = real_plan(*args, **kwargs)
        data = bytearray(jar.read_bytes())
        data[100] ^= 0xFF  # same size, other bytes
        jar.write_bytes(bytes(data))
        return planned

    monkeypatch.setattr(upload_module, "plan_uploads", plan_then_rewrite)
    result = invoke(server, ledger, "upload", str(jar))
    assert result.exit_code == 4 and "changed after it was checked" in result.output
    assert rows(ledger) == [] and server.assets == {}


def test_user_option_takes_the_token_from_the_environment(
    server: StandInMarketplace, ledger: Path
) -> None:
    result = invoke(
        server, ledger, "upload", "--user", USER, str(GOOD_JAR), env={"ASSETCHECK_USER": None}
    )
    assert result.exit_code == 0, result.output
    assert "--user option with the token from ASSETCHECK_TOKEN" in result.output


def test_the_ledger_lists_done_rows_and_says_pending_ones_exist(
    server: StandInMarketplace, ledger: Path
) -> None:
    invoke(server, ledger, "upload", str(GOOD_JAR))
    with Ledger(ledger) as opened:
        pending = opened.claim(ClaimKey(server.base_url, "artifact", "f" * 64, None), "x/app.jar")
    assert isinstance(pending, Claim)
    result = invoke(server, ledger, "ledger", "--format", "json")
    assert [Path(r["local_path"]).name for r in json.loads(result.stdout)] == [GOOD_JAR.name]
    assert "1 upload is pending" in result.stderr and "x/app.jar" in result.stderr
    assert "1 upload is pending" in invoke(server, ledger, "ledger").stderr


def test_ledger_on_a_missing_file_creates_nothing(server: StandInMarketplace, ledger: Path) -> None:
    result = invoke(server, ledger, "ledger")
    assert result.exit_code == 0 and "no rows" in result.output and not ledger.exists()


def test_attempts_and_a_possible_unused_asset_are_in_the_text_and_the_json() -> None:
    item = UploadItem(Path("app.jar"), "artifact", None, "a" * 64, 10)
    holder = ClaimHolder("ci-7", 4242, 0.0, 0.0, "old/app.jar")
    outcomes = [
        UploadOutcome(item, "uploaded", attempts=3, answer_lost=True),
        UploadOutcome(item, "uploaded", attempts=1, took_over=holder, stale_because="it died"),
        UploadOutcome(item, "failed", error="HTTP 503", attempts=4, answer_lost=True),
        UploadOutcome(item, "uploaded", attempts=2),
        UploadOutcome(item, "uploaded", attempts=1),
    ]
    text = uploads.render_outcomes(outcomes, [])
    assert text.count("may have left an unused asset") == 2 and "3 attempts sent" in text
    assert "took over a stale claim: it died" in text and "an unused asset may exist" in text
    assert "2 attempts sent; none before the last was stored" in text
    entries = [uploads.outcome_to_dict(outcome) for outcome in outcomes]
    assert [e["attempts"] for e in entries] == [3, 1, 4, 2, 1]
    assert [e["unused_asset_possible"] for e in entries] == [True, True, True, False, False]
    assert entries[1]["took_over_stale_claim"]["pid"] == 4242
    assert entries[4]["warnings"] == [] and len(entries[0]["warnings"]) == 1
    json.dumps(entries)
