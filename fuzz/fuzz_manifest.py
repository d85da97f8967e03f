"""Fuzz target ``manifest``: the JAR-manifest parser and the OSGi header grammar.

``read_manifest`` on the bytes; every ``parse_*`` function of ``assetcheck.osgi`` on the
first three main-section headers' values and on the whole text (the rules parse every header
with its own parser); then the manifest rules on a jar holding the bytes as
``META-INF/MANIFEST.MF`` next to a valid descriptor (so the rules comparing the two run too).
Asserted: a verdict, error positions inside the text parsed, twice the same.
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

    from assetcheck import osgi
    from assetcheck.readers.kinds import ManifestKind, ReadIssue
    from assetcheck.readers.manifest import Manifest, read_manifest
    from assetcheck.views import ArchiveView, DescriptorView, ManifestView
    from tests.builders import descriptor

LIMITS = harness.SETTINGS.limits
MAX_HEADERS = 3  # main-section headers parsed by every OSGi parser (the rules parse all)
MAX_TEXT = 1024  # bytes of the whole text parsed as one header
DESCRIPTOR = descriptor().encode()
HEADER_PARSERS = (
    osgi.parse_clauses,
    osgi.parse_bundle_symbolic_name,
    osgi.parse_import_package,
    osgi.parse_export_package,
)


def _errors(text: str, errors: tuple[osgi.GrammarError, ...] | list[osgi.GrammarError]) -> list:
    for error in errors:
        assert isinstance(error, osgi.GrammarError), error
        assert 0 <= error.position <= len(text), (error, len(text))
        assert error.message.strip(), error
        osgi.excerpt(text, error.position)
    return [(e.position, e.message) for e in errors]


def grammar(text: str) -> list[object]:
    """Every OSGi parser on ``text``; what they said."""
    said: list[object] = []
    for parse in HEADER_PARSERS:
        parsed = parse(text)
        assert isinstance(parsed, osgi.ParsedHeader), parsed
        assert parsed.more_errors >= 0
        for clause in parsed.clauses:
            assert clause.paths and 0 <= clause.position <= len(text), clause
            for parameter in clause.parameters:
                assert 0 <= parameter.position <= len(text), parameter
                assert 0 <= parameter.value_position <= len(text), parameter
        said.append((repr(parsed.clauses), _errors(text, parsed.errors), parsed.more_errors))
    for parse_one in (osgi.parse_version, osgi.parse_range):
        result = parse_one(text)
        if isinstance(result, osgi.GrammarError):
            said.append(_errors(text, [result]))
        else:
            said.append(str(result))
    said.append((osgi.is_symbolic_name(text), osgi.is_package_name(text)))
    return said


def _jar(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF"), data)
        archive.writestr(zipfile.ZipInfo("atlassian-plugin.xml"), DESCRIPTOR)
    return buffer.getvalue()


def examine(data: bytes) -> list[object]:
    manifest = read_manifest(data)
    assert isinstance(manifest, Manifest)
    for issue in manifest.issues:
        assert isinstance(issue, ReadIssue) and isinstance(issue.kind, ManifestKind), issue
    said: list[object] = [repr(manifest), sorted(manifest.more_issues.items())]
    for header in manifest.main[:MAX_HEADERS]:
        assert isinstance(header.name, str) and isinstance(header.value, str), header
        assert manifest.get(header.name) is not None, header
        said.append(grammar(header.value))
    said.append(grammar(data[:MAX_TEXT].decode("utf-8", "replace")))
    view = ArchiveView.open(io.BytesIO(_jar(data)), LIMITS, name="app.jar")
    try:
        manifest_view = ManifestView(view, DescriptorView(view, LIMITS, in_source=False))
        said.append(harness.run_rules([manifest_view]))
    finally:
        view.close()
    return said


test_one_input = harness.twice(examine)

if __name__ == "__main__":
    harness.main(test_one_input)
