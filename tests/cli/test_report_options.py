"""--report FORMAT:PATH beside the terminal's report, and colour by NO_COLOR and FORCE_COLOR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assetcheck import cli
from assetcheck.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
BAD_LOGO = SAMPLES / "images/bad/logo-wrong-size.png"


def test_further_reports_come_from_the_same_run_and_the_terminal_keeps_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    page = tmp_path / "report.html"
    code = main(["check", "--report", f"json:{out}", "--report", f"html:{page}", str(BAD_LOGO)])
    assert code == 1
    captured = capsys.readouterr()
    assert "IMG010" in captured.out and captured.out.rstrip().endswith("0 infos.")
    assert f"wrote {out}, {page}." in captured.err
    document = json.loads(out.read_text())
    assert [f["code"] for f in document["files"][0]["findings"]] == ["IMG010"]
    assert "IMG010" in page.read_text()


@pytest.mark.parametrize("spec", ["json", "json:", ":x.json", "yaml:x.yaml", "sarifx.sarif"])
def test_a_bad_report_spec_is_a_usage_error(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--report", spec, str(BAD_LOGO)]) == 2
    assert "expected FORMAT:PATH" in capsys.readouterr().err


def test_a_report_path_is_guarded_like_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("mine")
    assert main(["check", "--report", f"json:{precious}", str(BAD_LOGO)]) == 2
    assert precious.read_text() == "mine"
    assert main(["check", "--report", f"json:{BAD_LOGO}", str(BAD_LOGO)]) == 2


@pytest.mark.parametrize(
    ("env", "tty", "coloured"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"NO_COLOR": "1"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, False, False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, True),
        ({"NO_COLOR": ""}, True, True),
    ],
)
def test_colour_follows_the_terminal_no_color_and_force_color(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    tty: bool,
    coloured: bool,
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: tty, raising=False)
    main(["check", str(BAD_LOGO)])
    assert ("\x1b[" in capsys.readouterr().out) is coloured
