"""OBR rules (OBR): the layout of an .obr bundle repository and its ``obr.xml`` index.

An .obr (AMPS ``generate-obr-artifact``) holds the app's plugin jar at its root, ``obr.xml``
(Felix OBR repository XML) and the bundles the app may need under ``dependencies/``. The
Marketplace takes the first root jar as the app; UPM installs it and resolves the dependencies
through ``obr.xml``, so the index must describe the jars that are really there.

Whether ``obr.xml`` is well-formed is the XML rules' finding; while it cannot be parsed, the
rules here that read it stay silent. The bundled jars get the container and manifest rules (the
root jar every plugin rule) on their own; a jar that cannot be opened is theirs to report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from assetcheck.api import (
    DESCRIPTOR,
    ERROR,
    OBR_XML,
    WARNING,
    ManifestView,
    ObrView,
    Problem,
    Version,
    parse_version,
    rule,
)

DEPENDENCIES = "dependencies/"
SHOWN = 10  # how many examples a finding names
MAX_FINDINGS = 20  # findings of one kind listed one by one; one more sums up the rest
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
REBUILD = (
    "Rebuild the .obr with `atlas-package` (AMPS generate-obr-artifact), which writes obr.xml "
    "from the jars it bundles; do not add, replace or repack jars in it by hand."
)


# ---- reading obr.xml ---------------------------------------------------------------------


def resolve_uri(uri: str) -> tuple[str, str]:
    """Where a resource ``uri`` points, as ``(kind, path)``; never raises.

    ``relative``: the entry path it names, resolved against obr.xml at the OBR's root (``./``
    and ``..`` segments removed, %-escapes decoded: Felix writes URIs in ASCII form).
    ``outside``: a relative path that climbs above the root with ``..``.
    ``absolute``: a URI with a scheme (``file:``, ``https:``, a drive letter) or a path from
    ``/``; the path part is returned, so a bundled jar it probably meant can be found.
    """
    text = uri.strip()
    for mark in ("#", "?"):
        text = text.partition(mark)[0]
    scheme = _SCHEME.match(text)
    if scheme or text.startswith("/"):
        rest = text[scheme.end() :] if scheme else text
        if rest.startswith("//"):  # an authority (host, or empty in file:///)
            slash = rest.find("/", 2)
            rest = rest[slash:] if slash >= 0 else ""
        return "absolute", "/" + "/".join(_dot_free(unquote(rest).split("/"))[0]).lstrip("/")
    path = unquote(text)
    segments, escaped = _dot_free(path.split("/"))
    if escaped:
        return "outside", path
    return "relative", "/".join(segments)


def _dot_free(segments: list[str]) -> tuple[list[str], bool]:
    """Segments with ``.`` and ``..`` resolved (RFC 3986 5.2.4); True when ``..`` left the root."""
    out: list[str] = []
    escaped = False
    for segment in segments:
        if segment == ".":
            continue
        if segment == "..":
            if out:
                out.pop()
            else:
                escaped = True
            continue
        out.append(segment)
    return out, escaped


def _localname(element: Any) -> str | None:
    """An element's name without its namespace; None for comments and processing instructions."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else None


@dataclass(frozen=True, slots=True)
class Resource:
    """One ``<resource>`` of obr.xml and the OBR entry its uri names."""

    element: Any
    uri: str | None  # as written; None when the attribute is missing
    kind: str  # resolve_uri's kind ("relative" also for a missing uri)
    path: str  # resolve_uri's path
    entry: str | None  # the jar it names: a relative uri's entry, or an absolute uri's likely one

    @property
    def line(self) -> int | None:
        line = self.element.sourceline
        return line if isinstance(line, int) else None

    def attribute(self, name: str) -> str | None:
        value = self.element.get(name)
        return value.strip() if isinstance(value, str) else None

    def child(self, name: str) -> Any | None:
        for element in self.element:
            if _localname(element) == name:
                return element
        return None


def _repository(view: ObrView) -> Any | None:
    root = view.obr_xml.root
    return root if root is not None and _localname(root) == "repository" else None


def _resources(view: ObrView) -> list[Resource] | None:
    """obr.xml's resources, or None when it is absent, unparsed or not a repository."""
    repository = _repository(view)
    if repository is None:
        return None
    jars = _jars(view)
    resources = []
    for element in repository:
        if _localname(element) != "resource":
            continue
        uri = element.get("uri")
        kind, path = resolve_uri(uri) if isinstance(uri, str) else ("relative", "")
        entry: str | None = None
        if uri is not None and kind == "relative" and _is_file(view, path):
            entry = path
        elif kind == "absolute":
            entry = _suffix_match(path, jars)
        resources.append(Resource(element, uri, kind, path, entry))
    return resources


def _is_file(view: ObrView, path: str) -> bool:
    entry = view.archive.find(path)
    return entry is not None and not entry.is_dir


def _suffix_match(path: str, jars: list[str]) -> str | None:
    """The bundled jar an absolute path most likely meant: the longest one it ends with."""
    matches = [jar for jar in jars if path.endswith("/" + jar)]
    return max(matches, key=len) if matches else None


def _jars(view: ObrView) -> list[str]:
    """Every jar in the OBR, once each, in archive order."""
    names = (e.name for e in view.archive.entries if not e.is_dir)
    return list(dict.fromkeys(n for n in names if n.lower().endswith(".jar")))


class _NearMisses:
    """Bundled jars a broken uri probably meant: the same name in another case or folder.

    Indexed once, so each of 30,000 broken uris is two lookups, not two scans of every jar.
    """

    def __init__(self, jars: list[str]) -> None:
        self.by_lower: dict[str, str] = {}
        self.by_base: dict[str, str] = {}
        for jar in jars:
            self.by_lower.setdefault(jar.lower(), jar)
            self.by_base.setdefault(jar.rpartition("/")[2], jar)

    def __call__(self, path: str) -> str | None:
        return self.by_lower.get(path.lower()) or self.by_base.get(path.rpartition("/")[2])


def _capped(problems: Iterator[Problem], summary: Callable[[int], Problem]) -> Iterator[Problem]:
    """The first ``MAX_FINDINGS`` problems, then one ``summary`` counting the rest."""
    rest = 0
    for count, problem in enumerate(problems):
        if count < MAX_FINDINGS:
            yield problem
        else:
            rest += 1
    if rest:
        yield summary(rest)


def _examples(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN:,} more" if len(names) > SHOWN else "")


# ---- reading the bundled jars ------------------------------------------------------------


def _bundle(view: ObrView, jar: str) -> ManifestView | None:
    """The jar's manifest when it can be read at all; None when other rules own the problem.

    A jar that cannot be opened (not a zip, corrupt, nested too deep, empty) is the container
    rules' finding, and an unreadable manifest the manifest rules'.
    """
    manifest = view.manifest_of(jar)
    if manifest is None or not manifest.archive.readable or not manifest.archive.entries:
        return None
    return manifest


def _symbolic_name(manifest: ManifestView) -> str | None:
    """Bundle-SymbolicName without its ``;singleton:=true``-style directives and attributes."""
    value = manifest.get("Bundle-SymbolicName")
    name = None if value is None else value.partition(";")[0].strip()
    return name or None


def _same_version(declared: str, actual: str) -> bool:
    """Equal as OSGi versions (``1.2`` is ``1.2.0``); unparseable ones must match as written.

    An invalid Bundle-Version is the manifest rules' finding; here it only has to agree.
    """
    ours, theirs = parse_version(declared), parse_version(actual)
    if isinstance(ours, Version) and isinstance(theirs, Version):
        return ours == theirs
    return declared.strip() == actual.strip()


def _same_number(digits: str, number: int) -> bool:
    """Whether ASCII ``digits`` spell ``number``, without int() of a run that may be huge."""
    return (digits.lstrip("0") or "0") == str(number)


def _shown_number(digits: str) -> str:
    """A digit run for a message: with separators when short, its length when not."""
    significant = digits.lstrip("0") or "0"
    if len(significant) <= 20:
        return f"{int(significant):,}"
    return f"{significant[:12]}… (a {len(significant):,}-digit number)"


# ---- rules -------------------------------------------------------------------------------


def _renamed_plugin_jar(view: ObrView) -> bool:
    """A plugin jar saved under an .obr name: a descriptor at the root, no jars, no obr.xml."""
    return view.archive.has(DESCRIPTOR) and not view.root_jars and not view.obr_xml.present


@rule("OBR001", ERROR, ObrView)
def no_plugin_jar(view: ObrView) -> Iterator[Problem]:
    """The OBR has no jar at its root, so it holds no app.

    The Marketplace takes the first root entry ending in ``.jar`` as the app.

    Passing: ``issuehelper-1.2.0.jar``, ``obr.xml`` and ``dependencies/...`` at the root.
    Failing: an .obr holding only ``obr.xml`` and ``dependencies/``, or a plugin jar renamed .obr.
    """
    if view.root_jars:
        return
    if _renamed_plugin_jar(view):
        yield Problem(
            "this is a plugin jar (atlassian-plugin.xml at its root) under an .obr name "
            "(expected an OBR: the plugin jar, obr.xml and dependencies/)",
            hint="Upload it as .jar, or build the .obr with `atlas-package`.",
        )
        return
    elsewhere = [jar for jar in _jars(view) if not jar.startswith(DEPENDENCIES)]
    found = f"; jars elsewhere: {_examples(elsewhere)}" if elsewhere else ""
    yield Problem(
        f"no jar at the root of the OBR (expected the app's plugin jar next to obr.xml){found}",
        hint=REBUILD,
    )


@rule("OBR002", ERROR, ObrView)
def several_root_jars(view: ObrView) -> Iterator[Problem]:
    """The OBR has more than one jar at its root.

    The Marketplace takes the first root jar as the app and ignores the others; bundled
    plugins and libraries belong under ``dependencies/``.

    Passing: one jar at the root, the others under ``dependencies/``.
    Failing: ``issuehelper-1.2.0.jar`` and ``acme-commons-2.4.1.jar`` both at the root.
    """
    app, *others = list(dict.fromkeys(view.root_jars)) or [""]
    for jar in others:
        yield Problem(
            f"a second jar at the root: the Marketplace takes only the first, {app!r}, as the "
            "app and ignores this one (expected exactly one jar at the root)",
            entry=jar,
            hint="Keep only the app at the root: list bundled plugins in AMPS "
            "<pluginDependencies> so `atlas-package` puts them under dependencies/.",
        )


@rule("OBR003", ERROR, ObrView)
def missing_obr_xml(view: ObrView) -> Iterator[Problem]:
    """The OBR has no ``obr.xml`` at its root, so its bundles cannot be resolved.

    Passing: ``obr.xml`` next to the plugin jar.
    Failing: a zip of the plugin jar and ``dependencies/`` made by hand.
    """
    if view.obr_xml.present or _renamed_plugin_jar(view):
        return
    yield Problem(
        "obr.xml is missing (expected the OBR repository index at the root, next to the "
        "plugin jar)",
        entry=OBR_XML,
        hint="Build the .obr with `atlas-package` (AMPS generate-obr-artifact writes obr.xml); "
        "a zip made by hand leaves it out.",
    )


@rule("OBR004", ERROR, ObrView)
def not_a_repository(view: ObrView) -> Iterator[Problem]:
    """``obr.xml`` is well-formed XML but not an OBR repository (root element ``<repository>``).

    Passing: ``<repository lastmodified=".."><resource uri="app.jar" ..>..</repository>``.
    Failing: ``<bundles><bundle uri="app.jar"/></bundles>``, or another file saved as obr.xml.
    """
    root = view.obr_xml.root
    if root is None or _localname(root) == "repository":
        return
    line = root.sourceline
    yield Problem(
        f"the root element is <{_localname(root)}> (expected <repository>, Felix OBR "
        "repository XML)",
        entry=OBR_XML,
        hint=REBUILD,
        line=line if isinstance(line, int) else None,
    )


@rule("OBR010", ERROR, ObrView)
def uri_not_found(view: ObrView) -> Iterator[Problem]:
    """A ``<resource>`` in obr.xml has no ``uri``, or its uri names no entry of the OBR.

    UPM resolves each uri relative to obr.xml; a resource it cannot find cannot be installed.

    Passing: ``uri="dependencies/acme-commons-2.4.1.jar"`` with that entry in the OBR.
    Failing: ``uri="dependencies/acme-commons-2.4.0.jar"`` after the jar was replaced, or
    ``uri="../acme-commons.jar"``.
    """
    resources = _resources(view)
    if resources is None:
        return
    yield from _capped(
        _uris_not_found(resources, _NearMisses(_jars(view))),
        lambda rest: Problem(
            f"and {rest:,} more <resource> uris that name no entry in the OBR (expected the "
            "path of a bundled jar, relative to obr.xml)",
            entry=OBR_XML,
            hint=REBUILD,
        ),
    )


def _uris_not_found(resources: list[Resource], near_miss: _NearMisses) -> Iterator[Problem]:
    for resource in resources:
        if resource.uri is None or not resource.uri.strip():
            yield Problem(
                "a <resource> has no uri (expected the path of its jar relative to obr.xml, "
                "e.g. 'dependencies/acme-commons-2.4.1.jar')",
                entry=OBR_XML,
                hint=REBUILD,
                line=resource.line,
            )
        elif resource.kind == "outside":
            yield Problem(
                f"uri {resource.uri!r} points outside the OBR (expected a path inside it, "
                "relative to obr.xml)",
                entry=OBR_XML,
                hint=REBUILD,
                line=resource.line,
            )
        elif resource.kind == "relative" and resource.entry is None:
            similar = near_miss(resource.path)
            yield Problem(
                f"uri {resource.uri!r} names no entry in the OBR (expected the path of a "
                "bundled jar, relative to obr.xml)",
                entry=OBR_XML,
                hint=(f"Did you mean '{similar}'? It exists. " if similar else "") + REBUILD,
                line=resource.line,
            )


@rule("OBR011", ERROR, ObrView)
def absolute_uri(view: ObrView) -> Iterator[Problem]:
    """A ``<resource>`` uri in obr.xml is absolute, so it does not point at the bundled jar.

    A ``file:`` uri names a path on the build machine; an ``https:`` uri a download that
    bypasses the jar in the OBR. Inside an OBR, uris are relative to obr.xml.

    Passing: ``uri="dependencies/acme-commons-2.4.1.jar"``.
    Failing: ``uri="file:/home/dev/helper/target/obr/dependencies/acme-commons-2.4.1.jar"``.
    """
    yield from _capped(
        _absolute_uris(_resources(view) or []),
        lambda rest: Problem(
            f"and {rest:,} more absolute <resource> uris (expected paths relative to obr.xml)",
            entry=OBR_XML,
            hint=REBUILD,
        ),
    )


def _absolute_uris(resources: list[Resource]) -> Iterator[Problem]:
    for resource in resources:
        if resource.kind != "absolute":
            continue
        expected = repr(resource.entry) if resource.entry else "a path relative to obr.xml"
        yield Problem(
            f"uri {resource.uri!r} is absolute, so it does not point at a jar in the OBR "
            f"(expected {expected})",
            entry=OBR_XML,
            hint=REBUILD,
            line=resource.line,
        )


def _checked(view: ObrView) -> Iterator[tuple[Resource, str]]:
    """Resources whose relative uri names a bundled entry, with that entry."""
    for resource in _resources(view) or []:
        if resource.kind == "relative" and resource.entry is not None:
            yield resource, resource.entry


@rule("OBR012", WARNING, ObrView)
def size_mismatch(view: ObrView) -> Iterator[Problem]:
    """A ``<resource>``'s ``<size>`` differs from the size of the jar its uri names.

    obr.xml was written for another build of the jar: the jar was rebuilt or replaced after
    the .obr was generated, so the rest of its entry (requirements, capabilities) may be stale.

    Passing: ``<size>1624</size>`` for a 1,624-byte jar.
    Failing: ``<size>1624</size>`` for a jar of 1,702 bytes.
    """
    for resource, entry in _checked(view):
        element = resource.child("size")
        declared = element.text if element is not None else resource.attribute("size")
        actual = view.size_of(entry)
        if declared is None or actual is None:
            continue  # the size is optional in OBR XML
        line = element.sourceline if element is not None else resource.line
        line = line if isinstance(line, int) else None
        text = declared.strip()
        if not (text.isascii() and text.isdigit()):  # int() also takes '²' and '٣'
            yield Problem(
                f"size {text!r} of {entry!r} is not a number of bytes (expected {actual})",
                entry=OBR_XML,
                hint=REBUILD,
                line=line,
            )
        elif not _same_number(text, actual):
            yield Problem(
                f"size is {_shown_number(text)} bytes but {entry!r} is {actual:,} bytes "
                "(expected them to match: obr.xml was generated for another build of the jar)",
                entry=OBR_XML,
                hint=REBUILD,
                line=line,
            )


@rule("OBR013", ERROR, ObrView)
def symbolicname_mismatch(view: ObrView) -> Iterator[Problem]:
    """A ``<resource>``'s ``symbolicname`` differs from the Bundle-SymbolicName of its jar.

    The OBR resolver finds bundles by the names in obr.xml: a wrong name resolves to nothing,
    or to the wrong bundle.

    Passing: ``symbolicname="com.acme.commons"`` for a jar with
    ``Bundle-SymbolicName: com.acme.commons;singleton:=true``.
    Failing: ``symbolicname="com.acme.common"`` for that jar.
    """
    for resource, entry in _checked(view):
        manifest = _bundle(view, entry)
        actual = None if manifest is None else _symbolic_name(manifest)
        if actual is None:
            continue  # not a bundle: OBR020 or the manifest rules say so
        declared = resource.attribute("symbolicname")
        if declared == actual:
            continue
        said = "no symbolicname" if declared is None else f"symbolicname {declared!r}"
        yield Problem(
            f"the resource for {entry!r} has {said} (expected {actual!r}, the jar's "
            "Bundle-SymbolicName)",
            entry=OBR_XML,
            hint=REBUILD,
            line=resource.line,
        )


@rule("OBR014", ERROR, ObrView)
def version_mismatch(view: ObrView) -> Iterator[Problem]:
    """A ``<resource>``'s ``version`` differs from the Bundle-Version of its jar.

    Versions compare as OSGi versions, so ``1.2`` equals ``1.2.0``. A stale version makes
    the resolver pick, or reject, the bundle for the wrong reason.

    Passing: ``version="1.2"`` for a jar with ``Bundle-Version: 1.2.0``.
    Failing: ``version="1.1.0"`` for a jar with ``Bundle-Version: 1.2.0``.
    """
    for resource, entry in _checked(view):
        manifest = _bundle(view, entry)
        if manifest is None or _symbolic_name(manifest) is None:
            continue  # not a bundle: OBR020 or the manifest rules say so
        # A bundle without Bundle-Version has version 0.0.0 (OSGi core, 3.2.1.10).
        actual = manifest.get("Bundle-Version") or "0.0.0"
        declared = resource.attribute("version")
        if declared is not None and _same_version(declared, actual):
            continue
        said = "no version" if declared is None else f"version {declared!r}"
        yield Problem(
            f"the resource for {entry!r} has {said} (expected {actual!r}, the jar's "
            "Bundle-Version)",
            entry=OBR_XML,
            hint=REBUILD,
            line=resource.line,
        )


@rule("OBR020", ERROR, ObrView)
def dependency_not_a_bundle(view: ObrView) -> Iterator[Problem]:
    """A jar under ``dependencies/`` is not an OSGi bundle (no manifest Bundle-SymbolicName).

    UPM installs the bundled dependencies as OSGi bundles; a plain library jar cannot be
    installed. The manifest findings on the same jar give the details.

    Passing: ``dependencies/acme-commons-2.4.1.jar`` with ``Bundle-SymbolicName``.
    Failing: a plain library jar (``Manifest-Version: 1.0`` only) under ``dependencies/``.
    """
    for jar in dict.fromkeys(view.dependency_jars):
        manifest = _bundle(view, jar)
        if manifest is None:
            continue
        if not manifest.present:
            reason = "it has no META-INF/MANIFEST.MF"
        elif manifest.manifest is None:
            continue  # present but unreadable: the manifest rules report it
        elif _symbolic_name(manifest) is None:
            reason = "its manifest has no Bundle-SymbolicName"
        else:
            continue
        yield Problem(
            f"this dependency is not an OSGi bundle: {reason} (expected a bundle manifest "
            "with Bundle-SymbolicName and Bundle-Version)",
            entry=jar,
            hint="Bundle only OSGi bundles in <pluginDependencies>; a plain library belongs in "
            "the plugin jar instead: a compile-scope dependency, which AMPS embeds.",
        )


@rule("OBR021", WARNING, ObrView)
def unlisted_jar(view: ObrView) -> Iterator[Problem]:
    """A jar in the OBR is not listed in obr.xml, so the OBR resolver never sees it.

    A dependency no ``<resource>`` lists is never installed, even when the app needs it.

    Passing: every jar has a ``<resource uri="..">`` in obr.xml.
    Failing: ``dependencies/extra-1.0.jar`` added to the .obr after it was built.
    """
    resources = _resources(view)
    if resources is None:
        return
    jars = _jars(view)
    near_miss = _NearMisses(jars)
    listed = {resource.entry for resource in resources}
    # A uri that OBR010 already points at this jar ("did you mean") is one mistake, one finding.
    listed.update(
        near_miss(resource.path)
        for resource in resources
        if resource.uri and resource.kind == "relative" and resource.entry is None
    )
    unlisted = [jar for jar in jars if jar not in listed]
    for jar in unlisted[:MAX_FINDINGS]:
        yield Problem(
            f"no <resource> in obr.xml lists this jar (expected one with uri {jar!r}), so it "
            "is never resolved or installed",
            entry=jar,
            hint=REBUILD,
        )
    if len(unlisted) > MAX_FINDINGS:
        rest = unlisted[MAX_FINDINGS:]
        yield Problem(
            f"and {len(rest):,} more jars no <resource> in obr.xml lists: {_examples(rest)} "
            "(expected a <resource> for each), so they are never resolved or installed",
            entry=OBR_XML,
            hint=REBUILD,
        )
