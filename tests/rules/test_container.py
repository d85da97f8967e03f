import random
import zipfile

import pytest

from tests import hostile
from tests.builders import flat_image, make_jar, make_zip
from tests.rules.support import Case, check_one, file_case, run_case

MANIFEST = {"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n"}
STORED = hostile.stored_jar({**MANIFEST, "data.txt": b"The quick brown fox" * 10})

CASES: list[Case] = [
    file_case("zero-bytes", "ZIP001", b"", only=True),
    file_case("no-entries", "ZIP001", make_zip({}), only=True),
    file_case("random-bytes", "ZIP002", random.Random(1).randbytes(3000), only=True),
    file_case("truncated", "ZIP003", make_jar()[:3000], only=True),
    file_case("png-named-jar", "ZIP004", flat_image(20, 20), only=True),
    file_case("html-named-obr", "ZIP004", b"<html><body>404</body></html>\n", name="x.obr"),
    file_case(
        "crc",
        "ZIP010",
        hostile.damage(STORED, b"quick brown", b"quick green"),
        entry="data.txt",
        only=True,
    ),
    file_case(
        "corrupt-deflate",
        "ZIP011",
        hostile.corrupt_data(make_zip({**MANIFEST, "a.txt": "a" * 5000}), "a.txt"),
        entry="a.txt",
    ),
    file_case(
        "encrypted",
        "ZIP012",
        hostile.central_field(STORED, "data.txt", "flags", 1),
        entry="data.txt",
        only=True,
    ),
    file_case(
        "bzip2",
        "ZIP013",
        hostile.central_field(STORED, "data.txt", "method", 12),
        entry="data.txt",
        only=True,
    ),
    file_case(
        "size-lie",
        "ZIP014",
        hostile.central_field(STORED, "data.txt", "usize", 10),
        entry="data.txt",
    ),
    file_case(
        "local-name-mismatch",
        "ZIP015",
        hostile.damage(STORED, b"data.txt", b"evil.txt"),
        entry="data.txt",
        only=True,
    ),
    file_case(
        "local-size-lie",
        "ZIP015",
        hostile.local_disagrees(csize=5),
        entry="data.txt",
        only=True,
    ),
    file_case(
        "local-method-differs",
        "ZIP015",
        hostile.local_disagrees(method=0),
        entry="data.txt",
        only=True,
    ),
    file_case(
        "lying-data-descriptor",
        "ZIP015",
        hostile.with_descriptor(lie={"usize": 10}),
        entry="data.txt",
        only=True,
    ),
    file_case(
        "stored-with-data-descriptor",
        "ZIP015",
        hostile.with_descriptor(method=0),
        entry="data.txt",
        only=True,
    ),
    file_case("hidden-records", "ZIP016", hostile.hidden_records()),
    file_case(
        "concatenated", "ZIP017", hostile.concatenated(), entry="atlassian-plugin.xml", only=True
    ),
    file_case(
        "unlisted-between",
        "ZIP017",
        hostile.unlisted_entry("between"),
        entry="atlassian-plugin.xml",
        only=True,
    ),
    file_case(
        "unlisted-last",
        "ZIP017",
        hostile.unlisted_entry("last"),
        entry="atlassian-plugin.xml",
        only=True,
    ),
    file_case("latin1-name", "ZIP025", hostile.bad_utf8_name(), entry="caf\\xe9.txt", only=True),
    file_case(
        "latin1-name-utf8-flag",
        "ZIP025",
        hostile.bad_utf8_name(0x800),
        entry="caf\\xe9.txt",
        only=True,
    ),
    file_case(
        "unicode-path-differs",
        "ZIP026",
        hostile.unicode_path("readme.txt", "other.txt"),
        entry="readme.txt",
        only=True,
    ),
    file_case(
        "case-duplicate",
        "ZIP021",
        hostile.with_names(["META-INF/MANIFEST.MF", "images/Logo.png", "images/logo.png"]),
        entry="images/Logo.png",
        only=True,
    ),
    file_case(
        "traversal",
        "ZIP022",
        hostile.with_names(["META-INF/MANIFEST.MF", "../../etc/cron.d/evil"]),
        entry="../../etc/cron.d/evil",
        only=True,
    ),
    file_case("symlink", "ZIP023", hostile.symlink_jar(), entry="link", only=True),
    file_case("overlap", "ZIP024", hostile.overlapping_records(50, 1024)),
    file_case("many-entries", "ZIP030", hostile.many_entries(100_001), only=True),
    file_case(
        "declared-total",
        "ZIP031",
        hostile.central_field(
            hostile.central_field(STORED, "data.txt", "usize", 0xFFFFFFF0),
            "META-INF/MANIFEST.MF",
            "usize",
            0xFFFFFFF0,
        ),
    ),
    file_case("ratio", "ZIP032", hostile.zeros_bomb(8 * 1024 * 1024), entry="zeros.bin", only=True),
    file_case("deep", "ZIP033", hostile.nested_jars(8)),
    file_case("prepended", "ZIP040", b"#!/bin/sh\nexec java -jar $0\n" + make_jar(), only=True),
    file_case("manifest-last", "ZIP041", hostile.manifest_last_jar(), only=True),
]


def _duplicate_names() -> bytes:
    import io
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n")
        archive.writestr("atlassian-plugin.xml", "<a/>")
        archive.writestr("atlassian-plugin.xml", "<b/>")
    return buffer.getvalue()


CASES.append(file_case("duplicate", "ZIP020", _duplicate_names(), entry="atlassian-plugin.xml"))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path) -> None:
    run_case(case, tmp_path)


def test_nested_findings_are_chained(tmp_path) -> None:
    inner = hostile.with_names(["META-INF/MANIFEST.MF", "../escape"])
    path = tmp_path / "app.jar"
    path.write_bytes(make_zip({**MANIFEST, "META-INF/lib/inner.jar": inner}))
    result = check_one(path)
    assert [f.entry for f in result.findings if f.code == "ZIP022"] == [
        "META-INF/lib/inner.jar!/../escape"
    ]


def test_truncated_nested_jar_is_reported_at_its_entry(tmp_path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_zip({**MANIFEST, "META-INF/lib/bad.jar": make_jar()[:2000]}))
    result = check_one(path)
    assert ("ZIP003", "META-INF/lib/bad.jar") in [(f.code, f.entry) for f in result.findings]


def test_unsafe_names_of_each_kind(tmp_path) -> None:
    names = ["/abs/path", "C:/windows/x", "back\\slash", "ctl\x01char", "a/../../b"]
    path = tmp_path / "app.jar"
    path.write_bytes(hostile.with_names(["META-INF/MANIFEST.MF", *names]))
    messages = [f.message for f in check_one(path).findings if f.code == "ZIP022"]
    assert len(messages) == len(names)
    for word in ("absolute", "drive letter", "backslash", "control", "'..'"):
        assert any(word in m for m in messages), word
