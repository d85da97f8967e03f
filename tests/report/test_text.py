"""The text report, byte for byte, on hand-built reports (no engine, no rules)."""

from __future__ import annotations

import pytest

from assetcheck import __version__
from assetcheck.findings import Finding, Severity
from assetcheck.image_types import table_version
from assetcheck.report import RENDERERS, render
from assetcheck.report.model import FileReport, Report
from assetcheck.report.text import render_text

VERSIONS = f"assetcheck {__version__}, image-type table {table_version()}"

ERROR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def sample_report() -> Report:
    """Three errors, two warnings and one info: swapping any two counts changes the summary."""
    return Report(
        files=[
            FileReport(
                "target/app-1.2.0.jar",
                "artifact",
                size=1_234_567,
                sha256="ab" * 32,
                findings=[
                    Finding(
                        "MF012",
                        ERROR,
                        "Bundle-Version is bad",
                        "META-INF/MANIFEST.MF",
                        "use 1.2.3",
                        7,
                    ),
                    Finding("ZIP020", WARN, "duplicate entry", entry="lib/a.jar!/a.txt"),
                    Finding("DSC001", INFO, "no description", line=3),
                    Finding("XML001", ERROR, "the file is broken", hint="rebuild it"),
                ],
            ),
            FileReport("logo.png", "image", size=0, image_type="logo"),
            FileReport("src/main/resources", "source"),
            FileReport(
                "banner.png",
                "image",
                size=1,
                findings=[
                    Finding("IMG010", ERROR, "expected 1120x548", hint=""),
                    Finding("IMG011", WARN, "not a PNG", entry="banner.png", hint="convert it"),
                ],
            ),
        ]
    )


EXPECTED = f"""\
{VERSIONS}
target/app-1.2.0.jar (artifact, 1,234,567 bytes)
  error   MF012  META-INF/MANIFEST.MF:7: Bundle-Version is bad
                  fix: use 1.2.3
  warning ZIP020  lib/a.jar!/a.txt: duplicate entry
  info    DSC001  line 3: no description
  error   XML001  the file is broken
                  fix: rebuild it
logo.png (image, type logo, 0 bytes): ok
src/main/resources (source): ok
banner.png (image, 1 byte)
  error   IMG010  expected 1120x548
  warning IMG011  banner.png: not a PNG
                  fix: convert it

Checked 4 files: 3 errors, 2 warnings, 1 info.
"""


def test_every_field_in_order() -> None:
    assert render_text(sample_report()) == EXPECTED


def test_render_dispatches_by_format() -> None:
    assert {"text", "json", "html"} <= set(RENDERERS)
    assert render(sample_report(), "text") == EXPECTED


def test_fix_line_follows_its_finding() -> None:
    lines = render_text(sample_report()).splitlines()
    index = lines.index("  error   MF012  META-INF/MANIFEST.MF:7: Bundle-Version is bad")
    assert lines[index + 1] == "                  fix: use 1.2.3"


def test_a_finding_without_a_hint_has_no_fix_line() -> None:
    report = Report([FileReport("a.jar", "artifact", findings=[Finding("ZIP001", ERROR, "bad")])])
    assert "fix:" not in render_text(report)


@pytest.mark.parametrize(
    ("counts", "summary"),
    [
        ((0, 0, 0, 0), "Checked 0 files: 0 errors, 0 warnings, 0 infos."),
        ((1, 1, 1, 1), "Checked 1 file: 1 error, 1 warning, 1 info."),
        ((2, 2, 2, 2), "Checked 2 files: 2 errors, 2 warnings, 2 infos."),
        ((1, 3, 0, 2), "Checked 1 file: 3 errors, 0 warnings, 2 infos."),
        ((3, 0, 4, 1), "Checked 3 files: 0 errors, 4 warnings, 1 info."),
    ],
)
def test_summary_counts_and_plurals(counts: tuple[int, int, int, int], summary: str) -> None:
    files, errors, warnings, infos = counts
    severities = [ERROR] * errors + [WARN] * warnings + [INFO] * infos
    reports = [FileReport(f"f{n}.png", "image") for n in range(files)]
    if reports:
        reports[0].findings = [Finding(f"C{n:03}", s, "m") for n, s in enumerate(severities)]
    text = render_text(Report(reports))
    assert text.splitlines()[-1] == summary
    assert text.endswith(summary + "\n")


def test_an_empty_report_is_the_versions_and_the_summary() -> None:
    assert render_text(Report()) == f"{VERSIONS}\nChecked 0 files: 0 errors, 0 warnings, 0 infos.\n"


def test_a_blank_line_separates_files_from_the_summary() -> None:
    text = render_text(Report([FileReport("a.png", "image")]))
    assert (
        text == f"{VERSIONS}\na.png (image): ok\n\nChecked 1 file: 0 errors, 0 warnings, 0 infos.\n"
    )


def test_no_colour_unless_asked() -> None:
    assert "\x1b[" not in render_text(sample_report())
    assert "\x1b[" not in render(sample_report(), "text")


BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
RED, GREEN, YELLOW, BLUE = "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[34m"


def test_colour_marks_severity_code_location_and_fix() -> None:
    report = Report(
        [
            FileReport(
                "a.jar",
                "artifact",
                size=10,
                findings=[
                    Finding("MF012", ERROR, "bad", "META-INF/MANIFEST.MF", "fix it", 7),
                    Finding("ZIP020", WARN, "dup"),
                    Finding("DSC001", INFO, "none", line=2),
                ],
            ),
            FileReport("b.png", "image"),
        ]
    )
    expected = [
        f"{DIM}{VERSIONS}{RESET}",
        f"{BOLD}a.jar{RESET} (artifact, 10 bytes)",
        f"  {RED}{BOLD}error  {RESET} {BOLD}MF012{RESET}  {BOLD}META-INF/MANIFEST.MF:7{RESET}: bad",
        f"                  {DIM}fix:{RESET} fix it",
        f"  {YELLOW}{BOLD}warning{RESET} {BOLD}ZIP020{RESET}  dup",
        f"  {BLUE}{BOLD}info   {RESET} {BOLD}DSC001{RESET}  {BOLD}line 2{RESET}: none",
        f"{BOLD}b.png{RESET} (image): {GREEN}ok{RESET}",
        "",
        "Checked 2 files: 1 error, 1 warning, 1 info.",
    ]
    assert render_text(report, color=True) == "\n".join(expected) + "\n"
    assert render(report, "text", color=True) == render_text(report, color=True)


def test_the_first_line_names_the_tool_and_the_table_the_run_used() -> None:
    from assetcheck.report.model import RenderContext

    text = render_text(Report(), context=RenderContext(image_types_version="2026.11.30+mine"))
    assert text.splitlines()[0] == f"assetcheck {__version__}, image-type table 2026.11.30+mine"


def test_a_hostile_name_cannot_write_to_the_terminal() -> None:
    """Entry names and paths come from the checked file: an escape sequence in one is shown,
    never sent to the terminal (it could colour, move the cursor or forge an "ok" line), and
    neither is a bidirectional override that would reorder the line."""
    name = "lib/\x1b[2K\x1b[1Aok.jar\u202etxt.exe\npassed"
    finding = Finding("ZIP020", Severity.ERROR, f"duplicate {name!s}", entry=name, hint=name)
    report = Report(files=[FileReport(f"dist/{name}", "artifact", findings=[finding])])
    text = render_text(report)
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2K\\x1b[1Aok.jar\\u202etxt.exe\\x0apassed" in text
    assert text.count("\n") == render_text(
        Report(
            files=[
                FileReport(
                    "a",
                    "artifact",
                    findings=[
                        Finding("ZIP020", Severity.ERROR, "duplicate x", entry="x", hint="x")
                    ],
                )
            ]
        )
    ).count("\n")


@pytest.mark.parametrize(
    "character",
    ["\x00", "\x1b", "\x7f", "\x85", "\x9b", "\u061c", "\u200e", "\u200f"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u2028", "\u2029", "\u00ad", "\u200b", "\u2060", "\ufeff", "\U000e0041"],
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_every_control_bidi_and_invisible_character_is_escaped(character: str) -> None:
    from assetcheck.report.escape import controls_escaped

    code = ord(character)
    if code <= 0xFF:
        escaped = f"\\x{code:02x}"
    elif code <= 0xFFFF:
        escaped = f"\\u{code:04x}"
    else:
        escaped = f"\\U{code:08x}"  # a tag character: U+E0041 is \U000e0041
    assert controls_escaped(f"a{character}b") == f"a{escaped}b"
