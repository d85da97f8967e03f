import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetcheck.readers.zipreader import Budget, ZipArchive
from assetcheck.settings import DEFAULT_LIMITS, Limits
from tests import hostile
from tests.builders import make_jar, make_zip

GOOD = make_jar()


def open_archive(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ZipArchive:
    return ZipArchive.open(io.BytesIO(data), limits, Budget(limits.max_total_uncompressed))


def read_all(archive: ZipArchive) -> dict[str, bytes | None]:
    return {e.name: archive.read(e, 1 << 30) for e in archive.entries if not e.is_dir}


def test_reads_what_zipfile_wrote() -> None:
    archive = open_archive(GOOD)
    assert archive.readable and not archive.issues
    with zipfile.ZipFile(io.BytesIO(GOOD)) as reference:
        expected = {i.filename: reference.read(i) for i in reference.infolist() if not i.is_dir()}
    assert read_all(archive) == expected
    assert not archive.read_issues()


def test_zip64_directory_with_many_entries() -> None:
    archive = open_archive(hostile.many_entries(70_000))
    assert archive.readable and len(archive.entries) == 70_000


def test_prepended_data_shifts_offsets_and_is_reported() -> None:
    archive = open_archive(b"#!/bin/sh\n" * 10 + GOOD)
    assert [i.kind for i in archive.issues] == ["prepended"]
    assert all(data is not None for data in read_all(archive).values())


def test_data_descriptor_entries_use_the_central_sizes() -> None:
    buffer = io.BytesIO()
    # Writing through ZipFile.open streams the entry: sizes follow in a data descriptor.
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as writer,
        writer.open("streamed.txt", "w") as handle,
    ):
        handle.write(b"streamed " * 1000)
    archive = open_archive(buffer.getvalue())
    assert read_all(archive) == {"streamed.txt": b"streamed " * 1000}


def test_inflation_stops_at_the_declared_size_plus_one() -> None:
    lying = hostile.central_field(
        make_zip({"a.txt": "a" * 100_000}, directories=False), "a.txt", "usize", 10
    )
    archive = open_archive(lying)
    assert read_all(archive) == {"a.txt": None}
    assert [i.kind for i in archive.read_issues()] == ["size-mismatch"]


def test_budget_is_shared_and_stops_everything() -> None:
    limits = Limits(max_total_uncompressed=50_000)
    data = make_zip({f"f{i}.txt": "x" * 20_000 for i in range(5)}, directories=False)
    archive = open_archive(data, limits)
    read_all(archive)
    assert "total-size" in {i.kind for i in archive.issues + archive.read_issues()}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=4096))
def test_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    read_all(open_archive(data))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), max_size=12))
def test_never_raises_on_damaged_jars(flips: list[tuple[int, int]]) -> None:
    data = bytearray(GOOD)
    for position, value in flips:
        data[position] = value
    archive = open_archive(bytes(data))
    read_all(archive)
    archive.read_issues()


def kinds(archive: ZipArchive) -> list[str]:
    return [i.kind for i in archive.issues + archive.read_issues()]


def test_the_directory_is_read_by_its_size_not_its_count() -> None:
    archive = open_archive(hostile.hidden_records())
    assert [e.name for e in archive.entries][2:] == ["atlassian-plugin.xml", "../../tmp/evil.sh"]
    assert kinds(archive) == ["directory-count"]


def test_valid_data_descriptors_pass() -> None:
    for signature in (True, False):
        for zip64 in (True, False):
            archive = open_archive(hostile.with_descriptor(signature=signature, zip64=zip64))
            assert read_all(archive)["data.txt"] == b"payload " * 50
            assert kinds(archive) == [], (signature, zip64)


def test_local_headers_that_disagree() -> None:
    for local in ({"csize": 5}, {"usize": 5}, {"crc": 5}, {"method": 0}, {"flags": 1}):
        archive = open_archive(hostile.local_disagrees(**local))
        read_all(archive)
        assert kinds(archive) == ["local-mismatch"], local
    for lie in ({"crc": 1}, {"csize": 1}, {"usize": 1}):
        archive = open_archive(hostile.with_descriptor(lie=lie))
        assert read_all(archive)["data.txt"] is None
        assert kinds(archive) == ["data-descriptor"], lie


def test_a_deflate_stream_shorter_than_its_compressed_size() -> None:
    packed = hostile.deflate(b"payload") + b"junk"
    entry = hostile.Raw(b"data.txt", b"payload", compressed=packed)
    archive = open_archive(hostile.raw_zip([entry]))
    assert read_all(archive) == {"data.txt": None}
    assert kinds(archive) == ["size-mismatch"]


def test_names_that_are_not_utf8_are_kept_distinct_and_reported() -> None:
    entries = [hostile.Raw(b"caf\xe9.txt"), hostile.Raw(b"caf\x82.txt")]
    archive = open_archive(hostile.raw_zip(entries))
    assert [e.name for e in archive.entries] == ["caf\\xe9.txt", "caf\\x82.txt"]
    assert kinds(archive) == ["bad-name-encoding"] * 2


def test_unicode_path_field() -> None:
    same = open_archive(hostile.unicode_path("caf\u00e9.txt", "caf\u00e9.txt"))
    assert kinds(same) == [] and same.entries[1].unicode_path == "caf\u00e9.txt"
    other = open_archive(hostile.unicode_path("readme.txt", "../../.bashrc", crc=1))
    assert kinds(other) == ["unicode-path"]
    assert other.entries[1].unicode_path == "../../.bashrc"


def test_local_headers_the_directory_does_not_list() -> None:
    for data, hidden in (
        (hostile.concatenated(), ["META-INF/MANIFEST.MF", "atlassian-plugin.xml"]),
        (hostile.unlisted_entry("between"), ["atlassian-plugin.xml"]),
        (hostile.unlisted_entry("last"), ["atlassian-plugin.xml"]),
    ):
        archive = open_archive(data)
        assert [(i.kind, i.entry) for i in archive.issues] == [
            ("hidden-local-header", name) for name in hidden
        ]
        assert all(value is not None for value in read_all(archive).values())


def test_headers_inside_entry_data_are_not_hidden_headers() -> None:
    """A stored bundled jar holds local headers in its data: they belong to an entry."""
    inner = hostile.stored_jar({"a.txt": "a", "b.txt": "b"})
    archive = open_archive(hostile.stored_jar({"META-INF/lib/inner.jar": inner}))
    assert kinds(archive) == []


def test_inflate_budget_follows_the_file_size() -> None:
    data = hostile.ratio_exempt_flood(100)
    limits = Limits(min_inflate_budget=1024 * 1024, max_file_ratio=10)
    budget = Budget(limits.max_total_uncompressed)
    archive = ZipArchive.open(io.BytesIO(data), limits, budget)
    assert budget.limit == len(data) * 10
    read_all(archive)
    assert "total-size" in kinds(archive)
    assert open_archive(data).read_issues() == []  # the defaults' floor (64 MiB) lets it pass


def test_entry_budget_is_shared_with_nested_archives() -> None:
    limits = Limits(max_total_entries=1_500)
    budget = Budget(limits.max_total_uncompressed)
    inner = hostile.many_entries(1_000)
    top = ZipArchive.open(io.BytesIO(inner), limits, budget)
    assert top.readable
    second = ZipArchive.open(io.BytesIO(inner), limits, budget)
    assert not second.readable and kinds(second) == ["too-many-entries"]
