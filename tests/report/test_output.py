"""Writing a report to a file: what may be replaced, what is refused, and the atomic write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from assetcheck.findings import Finding, Severity
from assetcheck.report import RENDERERS, output, render
from assetcheck.report.json_report import render_json
from assetcheck.report.model import FileReport, Report
from assetcheck.report.output import OutputError, check_output_target, is_report, write_report
from assetcheck.report.text import render_text

SUMMARY = b"Checked 2 files: 1 error, 0 warnings, 3 infos."


def a_report() -> Report:
    return Report(
        [FileReport("a.jar", "artifact", findings=[Finding("ZIP001", Severity.ERROR, "x")])]
    )


# is_report -----------------------------------------------------------------------------------


@pytest.mark.parametrize("head", [b"", b"  \n\t\r\n"])
def test_an_empty_file_may_be_replaced(head: bytes) -> None:
    assert is_report(head, b"")


def test_what_the_reporters_write_is_recognised() -> None:
    for text in (render_text(a_report()), render_json(a_report()), render_text(Report())):
        assert is_report(text.encode(), b"")
    assert is_report(render_text(a_report(), color=True).encode(), b"")


@pytest.mark.parametrize(
    "head",
    [
        b'{"schema": 1, "tool": {"name": "assetcheck"',
        b'\n  {\n "schema" :12,"tool":{ "name" : "assetcheck", "version": "9"}}',
        SUMMARY,
        b"a.png (image): ok\n\n" + SUMMARY + b"\n",
        b"Checked 1 file: 1 error, 1 warning, 1 info.",
        b"Checked 10 files: 20 errors, 30 warnings, 40 infos.\n",
        b"Checked 1,200 files: 0 errors, 0 warnings, 0 infos (1,024 suppressed).\n",
    ],
)
def test_reports_are_recognised(head: bytes) -> None:
    assert is_report(head, b"")


@pytest.mark.parametrize(
    "head",
    [
        b"PK\x03\x04" + bytes(100),
        b"\x89PNG\r\n\x1a\n",
        b'{"schema": 1, "tool": {"name": "other"}}',
        b'{"tool": {"name": "assetcheck"}, "schema": 1}',
        b'["schema", 1]',
        b'x{"schema": 1, "tool": {"name": "assetcheck"}}',
        b'{"schema": "1", "tool": {"name": "assetcheck"}}',
        b"<atlassian-plugin/>",
        b"Checked 2 files: 1 error, 0 warnings, 3 infos. And more.",
        b"  Checked 2 files: 1 error, 0 warnings, 3 infos.",
        b"Checked two files: 1 error, 0 warnings, 3 infos.",
        b"Checked 2 files: 1 error, 0 warnings.",
        b"Checked 2 files: 1 error, 0 warnings, 3 infos (some suppressed).",
        b"Checked 2 files 1 error, 0 warnings, 3 infos.",
    ],
)
def test_other_files_are_not_reports(head: bytes) -> None:
    assert not is_report(head, b"")


def test_the_summary_may_be_in_the_tail_of_a_large_report() -> None:
    assert is_report(b"a.jar (artifact)\n  error ...", b"...\n" + SUMMARY + b"\n")
    # The head and the tail are separate lines: a summary is not pieced together across them.
    assert not is_report(b"Checked 2 files: 1 error,", b" 0 warnings, 3 infos.")
    assert not is_report(b"notes", b"nothing")


# check_output_target -------------------------------------------------------------------------


def test_an_absent_file_in_an_existing_folder_is_fine(tmp_path: Path) -> None:
    check_output_target(tmp_path / "report.txt", [])


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "report.txt"
    with pytest.raises(OutputError) as caught:
        check_output_target(target, [])
    assert str(caught.value) == (
        f"{target}: the folder {target.parent} does not exist; create it first"
    )


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(OutputError, match="not a regular file; write the report to a file"):
        check_output_target(tmp_path / "out", [])


def test_a_pipe_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="not a regular file"):
        check_output_target(fifo, [])


def test_a_link_loop_is_refused_with_its_reason(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(OutputError) as caught:
        check_output_target(loop, [])
    assert str(caught.value) == f"{loop}: cannot be used (Too many levels of symbolic links)"


@pytest.mark.parametrize("content", [b"", b"   \n"])
def test_an_empty_input_is_still_never_overwritten(tmp_path: Path, content: bytes) -> None:
    checked = tmp_path / "a.png"
    checked.write_bytes(content)
    with pytest.raises(OutputError) as caught:
        check_output_target(checked, [tmp_path / "missing.jar", checked])
    assert str(caught.value) == (
        f"{checked} is one of the files being checked; refusing to overwrite it"
    )


def test_an_input_reached_by_another_name_is_refused(tmp_path: Path) -> None:
    checked = tmp_path / "app.jar"
    checked.write_bytes(render_text(Report()).encode())  # even one that looks like a report
    link = tmp_path / "report.txt"
    link.symlink_to(checked)
    with pytest.raises(OutputError, match="is one of the files being checked"):
        check_output_target(link, [checked])
    hard = tmp_path / "hard.txt"
    os.link(checked, hard)
    with pytest.raises(OutputError, match="is one of the files being checked"):
        check_output_target(hard, [checked])


def test_inputs_that_cannot_be_compared_are_passed_over(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text(render_json(a_report()))
    check_output_target(target, [tmp_path / "gone.jar", tmp_path / "other.jar"])


def test_a_file_that_is_not_a_report_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("my notes\n")
    with pytest.raises(OutputError) as caught:
        check_output_target(target, [tmp_path / "a.jar"])
    assert str(caught.value) == (
        f"{target} exists and is not an assetcheck report; refusing to overwrite it "
        "(remove it, or choose another file)"
    )
    assert target.read_text() == "my notes\n"


@pytest.mark.parametrize("fmt", ["text", "json", "empty"])
def test_an_earlier_report_may_be_replaced(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "report"
    text = {"text": render_text(a_report()), "json": render_json(a_report()), "empty": ""}[fmt]
    target.write_text(text)
    check_output_target(target, [tmp_path / "a.jar"])


def test_a_large_text_report_is_recognised_by_its_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "_SNIFF_BYTES", 64)
    target = tmp_path / "report.txt"
    target.write_bytes(b"a.jar (artifact)\n" + b"  info ZIP999  x\n" * 1000 + SUMMARY + b"\n")
    check_output_target(target, [])
    # A summary buried in the middle (neither in the head nor in the last 4 KiB) is not enough.
    target.write_bytes(b"y" * 100 + b"\n" + SUMMARY + b"\n" + b"x" * 10_000)
    with pytest.raises(OutputError, match="not an assetcheck report"):
        check_output_target(target, [])


def test_a_large_report_is_read_in_the_head_and_tail_only(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    size = output._SNIFF_BYTES + 10_000
    target.write_bytes(b"x" * (size - len(SUMMARY) - 1) + b"\n" + SUMMARY)
    assert output._holds_report(target, size)
    assert not output._holds_report(tmp_path / "missing", 10)


def test_a_large_file_whose_tail_is_not_a_summary_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "big.bin"
    target.write_bytes(SUMMARY[:20] + b"x" * (output._SNIFF_BYTES + 100))
    with pytest.raises(OutputError, match="not an assetcheck report"):
        check_output_target(target, [])


# write_report --------------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_the_text_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old report\n")
    write_report(target, "new ✓\n")
    assert target.read_bytes() == "new ✓\n".encode()
    assert leftovers(tmp_path) == []


def test_names_that_are_not_utf8_are_escaped(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    write_report(target, "bad\udcffname\n")
    assert target.read_bytes() == b"bad\\udcffname\n"


def test_the_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    old = os.umask(0o027)
    try:
        write_report(target, "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.umask(old) == old  # the umask is left as it was
    write_report(target, "y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 & ~old


def test_the_temporary_file_sits_beside_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str]] = []
    real = os.replace

    def spy(source: str, destination: Path) -> None:
        seen.append((source, str(destination)))
        assert Path(source).read_bytes() == b"data"  # whole and flushed before the rename
        real(source, destination)

    monkeypatch.setattr(os, "replace", spy)
    target = tmp_path / "report.txt"
    write_report(target, "data")
    [(source, destination)] = seen
    assert Path(source).parent == tmp_path
    assert Path(source).name.startswith(".report.txt.") and source.endswith(".tmp")
    assert destination == str(target)


@pytest.mark.parametrize("failing", ["fsync", "replace", "chmod"])
def test_a_failed_write_keeps_the_old_report_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    target = tmp_path / "report.txt"
    target.write_text("old report\n")
    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OutputError) as caught:
        write_report(target, "new report\n")
    assert str(caught.value) == f"{target}: cannot be written (No space left on device)"
    assert target.read_text() == "old report\n"
    assert leftovers(tmp_path) == []


def test_a_failed_clean_up_does_not_hide_the_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", fail)
    monkeypatch.setattr(os, "unlink", fail)
    target = tmp_path / "report.txt"
    with pytest.raises(OutputError, match="cannot be written \\(Input/output error\\)"):
        write_report(target, "x")
    assert not target.exists()


def test_fsync_is_called_on_the_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real = os.fsync

    def spy(descriptor: int) -> None:
        synced.append(os.fstat(descriptor).st_size)
        real(descriptor)

    monkeypatch.setattr(os, "fsync", spy)
    write_report(tmp_path / "report.txt", "12345")
    assert synced == [5]


def test_a_folder_that_cannot_hold_the_file_is_an_output_error(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.txt"
    with pytest.raises(OutputError) as caught:
        write_report(target, "x")
    assert str(caught.value) == f"{target}: cannot be written (No such file or directory)"


def test_write_report_never_replaces_what_is_not_a_regular_file(tmp_path: Path) -> None:
    # Checked again right before the rename: something may have appeared since the check.
    folder = tmp_path / "out"
    folder.mkdir()
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "elsewhere.txt")
    for target in (folder, link):
        with pytest.raises(OutputError) as caught:
            write_report(target, "x")
        assert str(caught.value) == f"{target}: not a regular file; refusing to replace it"
    assert folder.is_dir() and link.is_symlink()
    assert leftovers(tmp_path) == []


def test_write_report_names_why_a_target_cannot_be_used(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("x")
    target = plain / "report.txt"
    with pytest.raises(OutputError) as caught:
        write_report(target, "x")
    assert str(caught.value) == f"{target}: cannot be used (Not a directory)"


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_can_replace_its_own_earlier_report(fmt: str) -> None:
    # Each format, on a report with a suppressed finding and on an empty one, is recognised
    # as a report, so a second run with the same --output replaces it.
    from assetcheck.findings import Finding, Severity

    suppressed = Report(
        [
            FileReport(
                "a.jar",
                "artifact",
                findings=[
                    Finding("ZIP020", Severity.ERROR, "dup", suppressed="per-path ignore *.jar"),
                    Finding("MF012", Severity.ERROR, "bad", entry="META-INF/MANIFEST.MF"),
                ],
            )
        ]
    )
    for report in (a_report(), suppressed, Report()):
        text = render(report, fmt)
        data = text.encode()
        assert is_report(data[:4096], data[-4096:]), (fmt, text[:200])


@pytest.mark.parametrize(
    "head",
    [
        b'{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", '
        b'"runs": [{"tool": {"driver": {"name": "eslint"}}}]}',
        b'<?xml version="1.0"?><testsuites name="pytest">',
        b'[{"type": "issue", "engine_name": "eslint"}]',
        b"[1, 2]",
    ],
)
def test_other_tools_reports_are_not_ours(head: bytes) -> None:
    assert not is_report(head, b"")
