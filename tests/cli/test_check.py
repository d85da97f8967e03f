"""End to end over samples/: the command-line contract users and pipelines build on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assetcheck.cli import cli, main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EXPECTED: dict[str, dict] = json.loads((SAMPLES / "expected.json").read_text())
GOOD = sorted(p for p, e in EXPECTED.items() if not e["codes"])
BAD = sorted(p for p, e in EXPECTED.items() if e["codes"])
GOOD_JAR = "artifacts/good/issuehelper-1.2.0.jar"


def sample_args(sample: str) -> list[str]:
    """The sample's path, with its image type when it is a loose image."""
    image_type = EXPECTED[sample]["image_type"]
    return [*(["--image-type", image_type] if image_type else []), str(SAMPLES / sample)]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("sample", GOOD)
def test_good_sample_passes(sample: str) -> None:
    code, output = run("check", *sample_args(sample))
    assert code == 0, output
    assert ": ok" in output


@pytest.mark.parametrize("sample", BAD)
def test_bad_sample_fails_with_its_codes_in_text(sample: str) -> None:
    code, output = run("check", "--fail-on", "warning", *sample_args(sample))
    assert code == 1, output
    for expected in EXPECTED[sample]["codes"]:
        assert f" {expected} " in output, (expected, output)


@pytest.mark.parametrize("sample", BAD)
def test_bad_sample_fails_with_its_codes_in_json(sample: str) -> None:
    code, output = run("check", "--format", "json", "--fail-on", "warning", *sample_args(sample))
    assert code == 1
    report = json.loads(output)
    found = {f["code"] for file in report["files"] for f in file["findings"]}
    assert set(EXPECTED[sample]["codes"]) <= found, found


def test_samples_folder_exits_1_and_reports_every_file() -> None:
    code, output = run("check", "--format", "json", str(SAMPLES))
    assert code == 1
    report = json.loads(output)
    checked = {Path(f["path"]).resolve() for f in report["files"]}
    listed = {(SAMPLES / p).resolve() for p in EXPECTED if (SAMPLES / p).is_file()}
    assert listed <= checked


def test_samples_are_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SAMPLES / "generate.py"), str(tmp_path)], check=True, timeout=120
    )
    generated = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    for relative in generated:
        assert (SAMPLES / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative


def test_json_report_shape(tmp_path: Path) -> None:
    _, output = run("check", "--format", "json", str(SAMPLES / BAD[0]))
    report = json.loads(output)
    assert report["schema"] == 1
    assert report["tool"]["name"] == "assetcheck"
    assert set(report["summary"]) == {"files", "errors", "warnings", "infos", "suppressed"}
    file = report["files"][0]
    assert set(file) == {"path", "kind", "size", "sha256", "image_type", "findings"}
    assert file["kind"] == "artifact" and len(file["sha256"]) == 64
    for finding in file["findings"]:
        assert set(finding) == {
            "code",
            "severity",
            "message",
            "entry",
            "line",
            "hint",
            "integrity",
            "suppressed",
        }
        assert finding["severity"] in ("error", "warning", "info")


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["check", "--format", "json", "--output", str(out), str(SAMPLES / GOOD[0])]
    )
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["summary"]["files"] == 1
    # The terminal (a CI log) still says what happened: where the report went, and the gist.
    assert f"wrote {out}" in result.stderr and "Checked 1 file: 0 errors" in result.stderr


def test_fail_on_warning_turns_warnings_into_exit_1() -> None:
    stub = str(SAMPLES / "artifacts/bad/launcher-stub.jar")  # warnings only
    assert run("check", stub)[0] == 0
    assert run("check", "--fail-on", "warning", stub)[0] == 1


def test_select_and_ignore_by_prefix() -> None:
    snapshot = str(SAMPLES / "artifacts/bad/manifest-snapshot-version.jar")  # MF013 only
    assert run("check", "--ignore", "MF013", snapshot)[0] == 0
    assert run("check", "--ignore", "mf", snapshot)[0] == 0
    assert run("check", "--select", "MF0", snapshot)[0] == 1
    assert run("check", "--select", "MF02", snapshot)[0] == 0


def test_longest_prefix_wins_between_select_and_ignore() -> None:
    snapshot = str(SAMPLES / "artifacts/bad/manifest-snapshot-version.jar")  # MF013 only
    assert run("check", "--select", "MF013", "--ignore", "MF", snapshot)[0] == 1
    assert run("check", "--select", "MF", "--ignore", "MF01", snapshot)[0] == 0
    assert run("check", "--select", "MF01", "--ignore", "MF01", snapshot)[0] == 0


@pytest.mark.parametrize(
    ("sample", "options"),
    [
        ("truncated.jar", ("--select", "DSC")),
        ("truncated.jar", ("--ignore", "ZIP")),
        ("crc-damage.jar", ("--ignore", "ZIP010")),
        ("empty.jar", ("--ignore", "ZIP001")),
        ("descriptor-entity-expansion.jar", ("--select", "MF", "--ignore", "XML")),
        ("zip-bomb.jar", ("--ignore", "ZIP03")),
    ],
)
def test_an_unread_file_never_passes(sample: str, options: tuple[str, ...]) -> None:
    """The integrity rules run whatever --select and --ignore say."""
    code, output = run("check", *options, str(SAMPLES / "artifacts/bad" / sample))
    assert code == 1, output


@pytest.mark.parametrize(
    "args",
    [
        ["check", "no/such/file.jar"],
        ["check", "--select", "NOPE", "x.jar"],
        ["check", "--format", "yaml", "x.jar"],
        ["check"],
        ["rules", "ZIP999"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    code, output = run(*args)
    assert code == 2, output


def test_unknown_file_kind_is_a_usage_error(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    code, output = run("check", str(notes))
    assert code == 2 and "not an artifact" in output


def test_rules_lists_every_rule_and_documents_one() -> None:
    code, output = run("rules")
    assert code == 0 and "ZIP010" in output
    code, output = run("rules", "zip010")
    assert code == 0 and "Passing:" in output and "Failing:" in output


def test_version() -> None:
    code, output = run("--version")
    assert code == 0 and "assetcheck" in output


def test_the_console_scripts_version_is_clicks_without_loading_the_command_line() -> None:
    """``assetcheck --version`` answers before click and the rules are imported, and says what
    the command line says."""
    probe = (
        "import sys, assetcheck.__main__ as entry\n"
        "sys.argv = ['assetcheck', '--version']\n"
        "try:\n    entry.run()\n"
        "except SystemExit as exit_:\n"
        "    print(exit_.code, sorted({'click', 'assetcheck.cli'} & set(sys.modules)))\n"
    )
    fast = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    clicks = run("--version")[1]
    assert fast.stdout.splitlines() == [clicks.strip(), "0 []"]
    module = subprocess.run(
        [sys.executable, "-m", "assetcheck", "--version"], capture_output=True, text=True
    )
    assert (module.returncode, module.stdout) == (0, clicks)


def test_help_on_every_command() -> None:
    for command in cli.commands:
        code, output = run(command, "--help")
        assert code == 0 and len(output) > 100, command


def test_internal_error_exits_3_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import assetcheck.project

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(assetcheck.project, "check_target", explode)

    assert main(["check", str(SAMPLES / GOOD[0])]) == 3


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["check", str(SAMPLES / "artifacts/good/issuehelper-1.2.0.jar")], 0),
        (["check", str(SAMPLES / "artifacts/bad/crc-damage.jar")], 1),
        (["check", "--select", "NOPE", str(SAMPLES)], 2),
        (["check", "/no/such/file.jar"], 2),
        (["--version"], 0),
        (["rules", "ZIP003"], 0),
        (["frobnicate"], 2),
    ],
)
def test_main_returns_the_exit_code(argv: list[str], code: int) -> None:
    """main(argv) -> int, as pre-commit-hooks' entry points: callable from tests and tools."""
    assert main(argv) == code


def test_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assetcheck", "check", str(SAMPLES / GOOD[0])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout  # no colour when not a terminal


def test_empty_folder_warns_and_passes(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 0
    assert "no artifacts, images or plugin source trees found" in result.stderr


def test_fifo_in_a_source_tree_is_a_missing_image_not_a_hang(tmp_path: Path) -> None:
    from tests.builders import source_files, write_tree

    tree = write_tree(tmp_path / "res", source_files(**{"images/logo.png": None}))
    os.mkfifo(tree / "images" / "logo.png")
    code, output = run("check", str(tree))
    assert code == 1 and "MKT002" in output


@pytest.mark.parametrize("reference", ["images/" + "x" * 300 + ".png", "images/logo.png/x.png"])
def test_impossible_image_reference_in_a_source_tree_is_a_missing_image(
    reference: str, tmp_path: Path
) -> None:
    from tests.builders import marketing, source_files, write_tree

    files = source_files(**{"atlassian-plugin-marketing.xml": marketing(screenshots=[reference])})
    code, output = run("check", str(write_tree(tmp_path / "res", files)))
    assert code == 1 and "MKT002" in output


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    jar = tmp_path / "x.jar"
    jar.write_bytes((SAMPLES / GOOD_JAR).read_bytes())
    before = jar.read_bytes()
    for args in (["-o", str(jar), str(jar)], ["-o", str(jar), str(tmp_path)]):
        code, output = run("check", *args)
        assert code == 2, output
        assert jar.read_bytes() == before


def test_output_never_overwrites_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# my notes\n")
    code, output = run("check", "-o", str(notes), str(SAMPLES / GOOD_JAR))
    assert code == 2 and "not an assetcheck report" in output
    assert notes.read_text() == "# my notes\n"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_output_replaces_an_earlier_report(tmp_path: Path, fmt: str) -> None:
    report = tmp_path / f"report.{fmt}"
    bad = str(SAMPLES / "artifacts/bad/crc-damage.jar")
    assert run("check", "--format", fmt, "-o", str(report), bad)[0] == 1
    first = report.read_text()
    assert run("check", "--format", fmt, "-o", str(report), str(SAMPLES / GOOD_JAR))[0] == 0
    assert report.read_text() != first and "crc-damage" not in report.read_text()


@pytest.mark.parametrize(
    "target", ["missing-folder/report.json", "/dev/full", "/dev/null", "b\udcffad/r.json"]
)
def test_output_that_cannot_be_written_is_a_usage_error(tmp_path: Path, target: str) -> None:
    output = Path(target) if target.startswith("/") else tmp_path / target
    code, text = run("check", "--format", "json", "-o", str(output), str(SAMPLES / GOOD_JAR))
    assert code == 2, text
    assert "Traceback" not in text


def test_a_failed_write_leaves_no_half_written_report(tmp_path: Path, monkeypatch) -> None:
    import assetcheck.report.output as output_module

    report = tmp_path / "report.json"
    assert run("check", "--format", "json", "-o", str(report), str(SAMPLES / GOOD_JAR))[0] == 0
    before = report.read_bytes()

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output_module.os, "fsync", disk_full)
    code, text = run("check", "--format", "json", "-o", str(report), str(SAMPLES / GOOD_JAR))
    assert code == 2 and "No space left" in text
    assert report.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_a_path_that_is_not_utf8_is_reported_not_a_crash(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.jar")
    jar = tmp_path / name
    jar.write_bytes((SAMPLES / "artifacts/bad/crc-damage.jar").read_bytes())
    for fmt in ("text", "json"):
        code, output = run("check", "--format", fmt, str(jar))
        assert code == 1 and "xe9.jar" in output, output


def test_jobs_and_the_inflate_backend_change_no_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """--jobs 1 is the serial path, ASSETCHECK_INFLATE the decoder: the report is one."""
    reports = set()
    for jobs, backend in (("1", "zlib"), ("2", "isal"), ("2", "zlib")):
        monkeypatch.setenv("ASSETCHECK_INFLATE", backend)
        code, output = run("check", "--jobs", jobs, "--format", "json", str(SAMPLES))
        assert code == 1
        reports.add(json.dumps(json.loads(output)["files"]))
    assert len(reports) == 1


def test_a_bad_jobs_count_or_inflate_backend_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run("check", "--jobs", "3", str(SAMPLES))[0] == 2
    monkeypatch.setenv("ASSETCHECK_INFLATE", "pigz")
    code, output = run("check", str(SAMPLES / GOOD[0]))
    assert code == 2 and "known: isal, zlib-ng, zlib" in output
