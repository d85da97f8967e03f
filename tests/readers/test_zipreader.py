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
