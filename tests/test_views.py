"""What the views promise the rules: lazy, bounded reads that never raise, what a bundled jar
keeps once released, how a source tree answers for its files, and the decode budget."""

from __future__ import annotations

import hashlib
import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from assetcheck.readers.kinds import XmlKind, ZipKind
from assetcheck.settings import Limits
from assetcheck.views import (
    ArchiveView,
    DecodeBudget,
    DescriptorView,
    ImageView,
    ManifestView,
    MarketingView,
    ObrView,
    SourceTreeView,
    normalise_ref,
)
from tests.builders import (
    KEY,
    VERSION,
    bundle_manifest,
    descriptor,
    flat_image,
    make_jar,
    make_obr,
    make_zip,
    write_tree,
)
from tests.rules.support import Folder


def random_bytes(count: int) -> bytes:
    return random.Random(count).randbytes(count)


HTML = b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n"


def _open(data: bytes, limits: Limits | None = None, name: str = "app.jar") -> ArchiveView:
    return ArchiveView.open(io.BytesIO(data), limits or Limits(), name=name)


def _bundle(name: str = "com.acme.lib", extra: bytes = b"") -> bytes:
    return make_zip(
        {"META-INF/MANIFEST.MF": bundle_manifest(name, "1.0.0"), "lib/X.class": b"\xca\xfe" + extra}
    )


def test_a_descriptor_path_becomes_an_entry_name() -> None:
    assert normalise_ref("  /images/x.png \n") == "images/x.png"
    assert normalise_ref("images/x.png") == "images/x.png"
    assert normalise_ref("XL/x.png") == "XL/x.png"  # only slashes go


# ---- archives -------------------------------------------------------------------------------


def test_a_non_zip_file_of_a_known_format_is_that_format() -> None:
    view = _open(flat_image(8, 8))
    assert [issue.kind for issue in view.issues] == [ZipKind.OTHER_FORMAT]
    assert view.sniffed.mime == "image/png"
    assert view.head == flat_image(8, 8)[:4096]
    assert (view.name, view.chain, view.depth, view.readable) == ("app.jar", "", 0, False)


def test_a_non_zip_file_of_no_known_format_is_just_not_a_zip() -> None:
    view = _open(b"\x00" * 1024)
    assert [issue.kind for issue in view.issues] == [ZipKind.NOT_ZIP]


def test_a_zip_is_read_by_entry_name_the_first_of_duplicates_winning() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("a.txt", b"first")
        archive.writestr("folder/", b"")
        archive.writestr("a.txt", b"second")
    view = _open(buffer.getvalue())
    assert view.readable and len(view.entries) == 3
    assert view.read("a.txt") == b"first"
    assert view.has("a.txt") and view.has("folder/") and not view.has("b.txt")
    found = view.find("a.txt")
    assert found is not None and found.index == 0
    assert view.find("b.txt") is None
    # A folder is no document, image or file with a size.
    assert (view.read("folder/"), view.read_image("folder/"), view.size_of("folder/")) == (
        None,
        None,
        None,
    )
    assert (view.read("b.txt"), view.read_image("b.txt"), view.size_of("b.txt")) == (
        None,
        None,
        None,
    )
    assert view.size_of("a.txt") == 5
    assert view.entry_problem("b.txt") is None and view.entry_problem("a.txt") is None


def test_documents_and_images_are_read_up_to_their_own_limits() -> None:
    data = make_zip({"doc.xml": b"x" * 100, "img.png": b"y" * 100})
    at_limit = _open(data, Limits(max_document_bytes=100, max_image_bytes=100))
    assert at_limit.read("doc.xml") == b"x" * 100
    assert at_limit.read_image("img.png") == b"y" * 100
    under = _open(data, Limits(max_document_bytes=99, max_image_bytes=99))
    assert (under.read("doc.xml"), under.read_image("img.png")) == (None, None)
    # The image limit is not the document limit, nor the other way round.
    mixed = _open(data, Limits(max_document_bytes=99, max_image_bytes=100))
    assert (mixed.read("doc.xml"), mixed.read_image("img.png")) == (None, b"y" * 100)


def test_a_document_is_inflated_once_however_often_it_is_read() -> None:
    view = _open(make_zip({"doc.xml": b"<a/>"}))
    assert view.read("doc.xml") == b"<a/>"
    view.archive = None  # type: ignore[assignment]  # a second inflation would fail loudly
    assert view.read("doc.xml") == b"<a/>"


def test_a_corrupt_entry_is_reported_by_read_issues_and_names_its_problem() -> None:
    data = bytearray(make_zip({"a.bin": bytes(range(256)) * 20}, directories=False))
    data[60] ^= 0xFF
    view = _open(bytes(data))
    assert view.read("a.bin") is None
    problem = view.entry_problem("a.bin")
    assert problem is not None and problem.kind in (ZipKind.CRC, ZipKind.INFLATE)
    assert [issue.kind for issue in view.read_issues()] == [problem.kind]


def test_read_issues_verifies_every_entry_once_and_keeps_the_manifest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = make_zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n", "a.txt": "a"})
    view = _open(data)
    verified: list[str] = []
    real_verify = type(view.archive).verify

    def verify(self: object, entry: object) -> None:
        verified.append(entry.name)  # type: ignore[attr-defined]
        real_verify(self, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(type(view.archive), "verify", verify)
    assert view.read_issues() == []
    assert view.read_issues() == []
    assert verified == ["a.txt"]  # folders skipped, the manifest read (and kept) instead
    view.retire()
    assert view.read("META-INF/MANIFEST.MF") == b"Manifest-Version: 1.0\r\n"


def test_an_entry_read_whole_is_not_verified_again(monkeypatch: pytest.MonkeyPatch) -> None:
    view = _open(make_zip({"a.txt": "a", "b.txt": "b"}, directories=False))
    assert view.read("a.txt") == b"a"
    verified: list[str] = []
    monkeypatch.setattr(type(view.archive), "verify", lambda self, e: verified.append(e.name))
    view.read_issues()
    assert verified == ["b.txt"]


def test_a_jar_beyond_the_nesting_limit_is_named_but_not_opened() -> None:
    data = make_zip({"lib/a.jar": _bundle(), "lib/b.JAR": _bundle("b")}, directories=False)
    flat = _open(data, Limits(max_nesting_depth=0))
    assert [(n.entry, n.view) for n in flat.nested()] == [("lib/a.jar", None), ("lib/b.JAR", None)]
    flat.read_issues()
    assert flat.depth_exceeded == ["lib/a.jar", "lib/b.JAR"]
    one_level = _open(data, Limits(max_nesting_depth=1))
    one_level.read_issues()
    assert one_level.depth_exceeded == []


def test_bundled_jars_open_as_views_located_in_their_chain() -> None:
    inner = make_zip({"META-INF/MANIFEST.MF": bundle_manifest("com.acme.in", "1.0.0")})
    middle = make_zip({"META-INF/lib/in.jar": inner, "notes.txt": "n"}, directories=False)
    top = _open(make_zip({"lib/middle.jar": middle, "x.txt": "x"}))
    [bundle] = list(top.nested())
    assert bundle.entry == "lib/middle.jar" and bundle.view is not None
    view = bundle.view
    assert (view.name, view.chain, view.depth, view.readable) == (
        "lib/middle.jar",
        "lib/middle.jar!/",
        1,
        True,
    )
    assert view.limits is top.limits and view.head == middle[:4096]
    [deeper] = list(view.nested())
    assert deeper.view is not None
    assert (deeper.view.chain, deeper.view.depth) == ("lib/middle.jar!/META-INF/lib/in.jar!/", 2)
    # Asking again gives the same open view, not a second inflation.
    assert top.nested_view("lib/middle.jar") is view
    assert top.nested_view("nothing.jar") is None


def test_a_released_bundle_keeps_its_directory_and_manifest_only() -> None:
    top = _open(make_zip({"lib/a.jar": _bundle(extra=b"x" * 10)}, directories=False))
    [bundle] = list(top.nested())
    assert bundle.view is not None
    top.release("lib/a.jar")
    top.release("lib/unknown.jar")  # nothing to release: no error
    retired = top.nested_view("lib/a.jar")
    assert retired is bundle.view  # the same view, not opened again
    assert retired.has("lib/X.class") and retired.size_of("lib/X.class") == 12
    assert retired.read("lib/X.class") is None  # its data is gone
    manifest = ManifestView(retired, None)
    assert manifest.get("Bundle-SymbolicName") == "com.acme.lib"


def test_a_bundle_that_cannot_be_inflated_is_not_opened() -> None:
    data = bytearray(
        make_zip({"lib/a.jar": _bundle(extra=bytes(range(256)) * 8)}, directories=False)
    )
    data[80] ^= 0xFF
    top = _open(bytes(data))
    assert [(n.entry, n.view) for n in top.nested()] == [("lib/a.jar", None)]
    assert top.entry_problem("lib/a.jar") is not None


def test_closing_an_archive_closes_its_open_bundles() -> None:
    top = _open(make_zip({"lib/a.jar": _bundle()}, directories=False))
    [bundle] = list(top.nested())
    assert bundle.view is not None
    [spool] = bundle.view._spools
    top.close()
    assert spool.closed


# ---- documents ------------------------------------------------------------------------------


def test_a_missing_document_has_no_root_and_no_issues() -> None:
    view = DescriptorView(Folder({}), Limits(), in_source=False)
    assert (view.present, view.doc, view.root, view.issues) == (False, None, None, ())
    assert (view.plugin_info(), view.params(), view.key, view.version) == (None, [], None, None)
    assert view.param("plugin-logo") is None


def test_a_document_over_the_limit_is_too_large_with_both_sizes() -> None:
    data = make_zip({"atlassian-plugin.xml": "<a/>" + " " * 2000})
    view = DescriptorView(_open(data), Limits(max_document_bytes=1000), in_source=False)
    [issue] = view.issues
    assert (issue.kind, issue.detail) == (XmlKind.TOO_LARGE, "2,004 bytes; the limit is 1,000")
    assert view.root is None


def test_a_document_that_cannot_be_inflated_says_why() -> None:
    data = bytearray(make_zip({"atlassian-plugin-marketing.xml": "<a>" + "b" * 3000 + "</a>"}))
    data[70] ^= 0xFF
    archive = _open(bytes(data))
    view = MarketingView(archive, Limits(), in_source=False)
    [issue] = view.issues
    problem = archive.entry_problem("atlassian-plugin-marketing.xml")
    assert problem is not None
    assert (issue.kind, issue.detail) == (
        XmlKind.UNREADABLE,
        f"could not be read: {problem.detail}",
    )
    assert view.chain == "" and view.entry == "atlassian-plugin-marketing.xml"


def test_a_document_present_but_unreadable_without_a_reason_says_so() -> None:
    class Unreadable(Folder):
        def read(self, path: str) -> bytes | None:
            return None

    view = DescriptorView(Unreadable({"atlassian-plugin.xml": b"<a/>"}), Limits(), in_source=True)
    [issue] = view.issues
    assert (issue.kind, issue.detail) == (XmlKind.UNREADABLE, "could not be read")


def test_a_descriptor_answers_for_its_key_version_and_params() -> None:
    text = descriptor(params={"plugin-logo": "images/logo.png"}).replace(
        f"<version>{VERSION}</version>", f"<version>  {VERSION}\n</version>"
    )
    view = DescriptorView(Folder({"atlassian-plugin.xml": text.encode()}), Limits(), in_source=True)
    assert (view.key, view.version, view.in_source, view.present) == (KEY, VERSION, True, True)
    logo = view.param("plugin-logo")
    assert logo is not None and logo.text == "images/logo.png"
    assert view.param("no-such-param") is None
    assert "plugin-logo" in [p.get("name") for p in view.params()]
    empty = text.replace(f"<version>  {VERSION}\n</version>", "<version/>")
    no_version = DescriptorView(
        Folder({"atlassian-plugin.xml": empty.encode()}), Limits(), in_source=True
    )
    assert no_version.version is None


def test_a_manifest_view_strips_values_and_knows_when_there_is_none() -> None:
    jar = _open(make_zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\nX-Thing:  a b  \r\n"}))
    view = ManifestView(jar, None)
    assert (view.present, view.get("X-Thing"), view.get("Missing"), view.chain) == (
        True,
        "a b",
        None,
        "",
    )
    bare = ManifestView(_open(make_zip({"a.txt": "a"})), None)
    assert (bare.present, bare.manifest, bare.get("Manifest-Version")) == (False, None, None)


def test_an_obr_lists_its_root_and_dependency_jars() -> None:
    deps = {"dependencies/a.jar": _bundle("com.acme.a"), "dependencies/sub/b.JAR": _bundle("b")}
    obr = ObrView(_open(make_obr(make_jar(), {**deps, "docs/c.jar": _bundle("c")})))
    assert obr.root_jars == [f"issuehelper-{VERSION}.jar"]
    assert obr.dependency_jars == ["dependencies/a.jar", "dependencies/sub/b.JAR"]
    manifest = obr.manifest_of("dependencies/a.jar")
    assert manifest is not None and manifest.get("Bundle-SymbolicName") == "com.acme.a"
    assert obr.manifest_of("dependencies/none.jar") is None
    assert obr.size_of("dependencies/a.jar") == len(deps["dependencies/a.jar"])
    assert obr.size_of("dependencies/none.jar") is None
    assert obr.obr_xml.entry == "obr.xml" and obr.obr_xml.root is not None


# ---- source trees ---------------------------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path / "res",
        {
            "atlassian-plugin.xml": "<atlassian-plugin/>",
            "images/a.PNG": b"png",
            "images/b.svg": b"<svg/>",
            "images/notes.txt": b"n",
            "node_modules/x.png": b"x",
            ".git/y.png": b"y",
            "z.jpeg": b"z",
        },
    )


def test_a_source_tree_lists_its_images_skipping_tool_folders(tmp_path: Path) -> None:
    view = SourceTreeView(_tree(tmp_path), Limits())
    assert view.image_files() == ["images/a.PNG", "images/b.svg", "z.jpeg"]
    assert (view.chain, view.entry) == ("", None)


def test_a_source_tree_answers_for_its_files_inside_it_only(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (tmp_path / "secret.png").write_bytes(b"secret")
    os.symlink(tmp_path / "secret.png", root / "images/leak.png")
    os.symlink(root / "z.jpeg", root / "images/alias.jpeg")
    os.mkfifo(root / "images/pipe.png")
    view = SourceTreeView(root, Limits())
    assert view.has("images/a.PNG") and view.has("/images/a.PNG")
    assert view.read("images/notes.txt") == b"n"
    assert view.size_of("images/a.PNG") == 3
    assert view.has("node_modules/x.png") and view.read_image("node_modules/x.png") == b"x"
    assert view.has("images/alias.jpeg") and view.read_image("images/alias.jpeg") == b"z"
    for outside in ("../secret.png", "images/leak.png", "images/../../secret.png", ""):
        assert not view.has(outside), outside
        assert view.read(outside) is None and view.size_of(outside) is None
    assert not view.has("images/pipe.png")  # never opened: it would block
    assert not view.has("images/missing.png") and view.size_of("images/missing.png") is None
    assert view.entry_problem("images/a.PNG") is None
    assert "images/leak.png" not in view.image_files()


def test_a_source_tree_reads_documents_and_images_up_to_their_limits(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "res", {"d.xml": b"d" * 10, "i.png": b"i" * 10})
    exact = SourceTreeView(root, Limits(max_document_bytes=10, max_image_bytes=10))
    assert (exact.read("d.xml"), exact.read_image("i.png")) == (b"d" * 10, b"i" * 10)
    small = SourceTreeView(root, Limits(max_document_bytes=9, max_image_bytes=9))
    assert (small.read("d.xml"), small.read_image("i.png")) == (None, None)
    assert small.read_image("missing.png") is None


def test_a_source_file_that_vanishes_reads_as_none_but_an_image_raises(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "res", {"d.xml": b"d", "i.png": b"i"})
    view = SourceTreeView(root, Limits())
    assert view.has("d.xml") and view.has("i.png")  # listed now
    (root / "d.xml").unlink()
    (root / "i.png").unlink()
    assert view.read("d.xml") is None
    assert view.size_of("d.xml") is None
    with pytest.raises(FileNotFoundError):
        view.read_image("i.png")  # the image check reports it (FILE001)


def test_a_source_tree_that_cannot_be_listed_resolves_each_path_on_disk(tmp_path: Path) -> None:
    view = SourceTreeView(tmp_path / "not-yet", Limits())
    assert view.image_files() == []
    write_tree(tmp_path / "not-yet", {"images/a.png": b"a"})
    assert view.has("images/a.png")  # the root was opaque: resolved for real


# ---- images ---------------------------------------------------------------------------------


def test_the_decode_budget_allows_exactly_what_remains() -> None:
    budget = DecodeBudget(10)
    assert budget.take(4) and budget.remaining == 6
    assert not budget.take(7) and budget.remaining == 6
    assert budget.take(6) and budget.remaining == 0
    assert not budget.take(1)
    assert budget.take(0)


def _image(data: bytes | None, **kwargs: object) -> ImageView:
    options: dict[str, object] = {"limits": Limits(), "size": len(data or b"")}
    options.update(kwargs)
    return ImageView(name="logo.png", load=lambda: data, types=(), **options)  # type: ignore[arg-type]


def test_an_image_is_probed_and_digested_from_the_bytes_read() -> None:
    data = flat_image(20, 10)
    view = _image(data, size=1)  # the size said first is replaced by the bytes read
    facts = view.facts
    assert facts is not None and (facts.width, facts.height) == (20, 10)
    assert view.size == len(data)
    assert view.sha256 == hashlib.sha256(data).hexdigest()
    assert (view.read_error, view.decode_skipped, view.entry, view.chain) == (None, False, None, "")
    assert view.expects_type is True


def test_an_image_over_the_byte_limit_is_not_read() -> None:
    data = flat_image(20, 10)

    def load() -> bytes:
        raise AssertionError("read")

    view = ImageView(
        name="a.png",
        size=len(data),
        load=load,
        types=(),
        limits=Limits(max_image_bytes=len(data) - 1),
    )
    assert view.facts is None and view.sha256 is None
    at_limit = _image(data, limits=Limits(max_image_bytes=len(data)))
    assert at_limit.facts is not None


def test_an_image_that_cannot_be_read_says_why() -> None:
    def denied() -> bytes:
        raise PermissionError(13, "Permission denied")

    def odd() -> bytes:
        raise OSError("cable unplugged")

    for load, said in ((denied, "Permission denied"), (odd, "cable unplugged")):
        view = ImageView(name="a.png", size=3, load=load, types=(), limits=Limits())
        assert view.facts is None and view.read_error == said
    gone = _image(None, size=3)
    assert gone.facts is None and gone.read_error is None and gone.sha256 is None


def test_an_image_decodes_only_within_the_budget_and_says_when_it_did_not() -> None:
    data = flat_image(20, 10)
    budget = DecodeBudget(300)
    first = _image(data, budget=budget)
    assert first.facts is not None and first.facts.decoded and not first.decode_skipped
    assert budget.remaining == 100
    second = _image(data, budget=budget)
    assert second.facts is not None and not second.facts.decoded and second.decode_skipped
    assert budget.remaining == 100
    unbudgeted = _image(data)
    assert unbudgeted.facts is not None and not unbudgeted.decode_skipped


# ---- limits and boundaries ------------------------------------------------------------------


def test_the_head_kept_for_naming_a_format_is_the_first_4096_bytes() -> None:
    big = flat_image(8, 8) + bytes(8000)
    assert _open(big).head == big[:4096]
    bundle = make_zip({"a.bin": random_bytes(9000)}, compression=zipfile.ZIP_STORED)
    top = _open(make_zip({"lib/a.jar": bundle}, directories=False))
    [nested] = list(top.nested())
    assert nested.view is not None and nested.view.head == bundle[:4096]


def test_a_bundle_opens_exactly_up_to_the_nesting_limit() -> None:
    top = _open(make_zip({"lib/a.jar": _bundle()}, directories=False), Limits(max_nesting_depth=1))
    [nested] = list(top.nested())
    assert nested.view is not None and nested.view.depth == 1
    assert list(nested.view.nested()) == []


def test_a_large_bundle_is_spooled_to_disk_a_small_one_kept_in_memory() -> None:
    data = make_zip({"lib/a.jar": _bundle(extra=random_bytes(5000))}, directories=False)
    for below, on_disk in ((1000, True), (1_000_000, False)):
        top = _open(data, Limits(spool_in_memory_below=below))
        [nested] = list(top.nested())
        assert nested.view is not None
        [spool] = nested.view._spools
        assert isinstance(spool, io.BytesIO) is not on_disk
        spool.seek(0)
        assert spool.read() == _bundle(extra=random_bytes(5000))
        top.close()


def test_releasing_a_bundle_twice_or_one_never_opened_is_harmless() -> None:
    top = _open(make_zip({"lib/a.jar": _bundle(), "lib/b.jar": _bundle("b")}, directories=False))
    walk = top.nested()
    first = next(walk)
    top.release(first.entry)
    top.release(first.entry)
    top.release("lib/b.jar")  # not opened yet
    assert top.nested_view("lib/a.jar") is first.view


def test_depth_exceeded_is_said_once_however_often_issues_are_asked() -> None:
    view = _open(make_zip({"lib/a.jar": _bundle()}, directories=False), Limits(max_nesting_depth=0))
    view.read_issues()
    view.read_issues()
    assert view.depth_exceeded == ["lib/a.jar"]


def test_a_manifest_exactly_at_the_document_limit_is_read_and_kept() -> None:
    manifest = b"Manifest-Version: 1.0\r\n"
    data = make_zip({"META-INF/MANIFEST.MF": manifest}, directories=False)
    view = _open(data, Limits(max_document_bytes=len(manifest)))
    view.read_issues()
    view.archive = None  # type: ignore[assignment]  # no inflating after this point
    assert view.read("META-INF/MANIFEST.MF") == manifest


def test_a_corrupt_manifest_is_reported_by_read_issues() -> None:
    manifest = "Manifest-Version: 1.0\r\n" + "".join(f"X-H{i}: {i * 7919}\r\n" for i in range(200))
    data = bytearray(make_zip({"META-INF/MANIFEST.MF": manifest}, directories=False))
    data[100] ^= 0xFF
    view = _open(bytes(data))
    assert [issue.kind for issue in view.read_issues()] in ([ZipKind.CRC], [ZipKind.INFLATE])


def test_verification_stops_when_the_inflate_budget_is_spent_and_still_answers() -> None:
    files = {f"f{i}.bin": random_bytes(4000) for i in range(4)}
    view = _open(make_zip(files, directories=False), Limits(max_total_uncompressed=6000))
    issues = view.read_issues()
    assert [issue.kind for issue in issues] == [ZipKind.TOTAL_SIZE]


def test_a_pipe_in_a_folder_the_walk_skips_is_never_opened(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "res", {"node_modules/a.png": b"a"})
    os.mkfifo(root / "node_modules/pipe.png")
    view = SourceTreeView(root, Limits())
    assert view.has("node_modules/a.png") and not view.has("node_modules/pipe.png")


def test_a_tree_is_listed_once_so_a_file_added_later_is_not_seen(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "res", {"images/a.png": b"a"})
    view = SourceTreeView(root, Limits())
    assert view.has("images/a.png")
    (root / "images/b.png").write_bytes(b"b")
    assert not view.has("images/b.png")


def test_a_folder_that_cannot_be_listed_is_resolved_on_disk_and_the_walk_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path / "res", {"one/a.png": b"a", "two/b.png": b"b"})
    real_scandir = os.scandir
    failed: list[str] = []

    def scandir(path: object) -> object:
        if Path(str(path)) != root and not failed:
            failed.append(Path(str(path)).name)
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    view = SourceTreeView(root, Limits())
    listed = view.image_files()
    [locked] = failed
    other = "two" if locked == "one" else "one"
    assert [name.split("/")[0] for name in listed] == [other]
    assert view.has("one/a.png") and view.has("two/b.png")
    assert view.read_image(f"{locked}/{'a' if locked == 'one' else 'b'}.png") is not None


def test_two_images_are_probed_at_once_on_two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in ImageView serialises the probes (functools.cached_property did, before
    Python 3.12: one lock for every instance): both probes must be inside at the same time."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from assetcheck import views

    both_inside = threading.Barrier(2, timeout=10)
    real_probe = views.probe_image

    def probe(*args: object, **kwargs: object) -> object:
        both_inside.wait()  # raises BrokenBarrierError if the other probe cannot get in
        return real_probe(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(views, "probe_image", probe)
    data = flat_image(40, 40)
    images = [
        ImageView(name=f"{i}.png", size=len(data), load=lambda: data, types=(), limits=Limits())
        for i in range(2)
    ]
    with ThreadPoolExecutor(2) as pool:
        facts = list(pool.map(lambda view: view.facts, images))
    assert [f.width for f in facts] == [40, 40]
