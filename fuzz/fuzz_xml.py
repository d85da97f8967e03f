"""Fuzz target ``xml``: the safe XML loader, the descriptor and marketing views, and obr.xml.

``load_xml`` on the bytes; ``DescriptorView`` and ``MarketingView`` over a container holding
them as ``atlassian-plugin.xml`` and ``atlassian-plugin-marketing.xml`` (in a jar and in a
source tree), with the images they reference found as the engine finds them, and the
descriptor and marketing rules run; then an ``.obr`` holding them as ``obr.xml`` next to a
valid plugin jar, with the OBR rules run. Asserted: a verdict, twice the same.
"""

from __future__ import annotations

import contextlib
import io
import zipfile

try:
    import atheris
except ImportError:  # replaying an input without atheris: nothing is instrumented
    atheris = None

with atheris.instrument_imports(include=["assetcheck"]) if atheris else contextlib.nullcontext():
    import harness

    from assetcheck.engine import referenced_images
    from assetcheck.readers.kinds import ReadIssue, XmlKind
    from assetcheck.readers.xml import XmlDoc, load_xml
    from assetcheck.views import ArchiveView, DescriptorView, MarketingView, ObrView
    from tests.builders import make_jar

LIMITS = harness.SETTINGS.limits
PLUGIN_JAR = make_jar()
DESCRIPTOR = "atlassian-plugin.xml"
MARKETING = "atlassian-plugin-marketing.xml"


class MemoryContainer:
    """What a document view reads from: a jar's entries, in memory."""

    entry = None

    def __init__(self, files: dict[str, bytes], chain: str = "") -> None:
        self.files = files
        self.chain = chain

    def has(self, path: str) -> bool:
        return path in self.files

    def read(self, path: str) -> bytes | None:
        data = self.files.get(path)
        return None if data is None or len(data) > LIMITS.max_document_bytes else data

    def read_image(self, path: str) -> bytes | None:
        return self.files.get(path)

    def size_of(self, path: str) -> int | None:
        data = self.files.get(path)
        return None if data is None else len(data)

    def entry_problem(self, path: str) -> ReadIssue | None:
        return None


def _doc(doc: XmlDoc | None) -> object:
    if doc is None:
        return None
    for issue in doc.issues:
        assert isinstance(issue, ReadIssue) and isinstance(issue.kind, XmlKind), issue
    return (doc.root is not None, [repr(i) for i in doc.issues])


def _obr(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(zipfile.ZipInfo("issuehelper-1.2.0.jar"), PLUGIN_JAR)
        archive.writestr(zipfile.ZipInfo("obr.xml"), data)
    return buffer.getvalue()


def examine(data: bytes) -> list[object]:
    said: list[object] = [_doc(load_xml(data, LIMITS.max_document_bytes))]
    container = MemoryContainer({DESCRIPTOR: data, MARKETING: data})
    for in_source in (False, True):
        descriptor = DescriptorView(container, LIMITS, in_source=in_source)
        marketing = MarketingView(container, LIMITS, in_source=in_source)
        said.append((_doc(descriptor.doc), descriptor.key, descriptor.version))
        said.append(len(descriptor.params()))
        refs = referenced_images(descriptor, marketing, harness.SETTINGS.image_types)
        said.append(sorted((ref, [t.name for t in types]) for ref, types in refs.items()))
        said.append(harness.run_rules([descriptor, marketing]))
    archive = ArchiveView.open(io.BytesIO(_obr(data)), LIMITS, name="app.obr")
    try:
        obr = ObrView(archive)
        said.append(_doc(obr.obr_xml.doc))
        said.append(harness.run_rules([obr, obr.obr_xml]))
    finally:
        archive.close()
    return said


test_one_input = harness.twice(examine)

if __name__ == "__main__":
    harness.main(test_one_input)
