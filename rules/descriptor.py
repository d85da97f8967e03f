"""Descriptor rules (DSC): ``atlassian-plugin.xml``, what UPM and the Marketplace read first.

They run on the descriptor of a built plugin jar (also the one inside an .obr) and on a plugin
source tree (``src/main/resources``). In a source tree, Maven placeholders such as
``${project.version}`` are normal: a check that needs the resolved value skips a placeholder,
and only a built artifact is faulted for one (DSC020). When the descriptor is absent or cannot
be parsed, one rule reports it (DSC001, or the XML rules) and the others stay silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from assetcheck.api import (
    DESCRIPTOR,
    ERROR,
    IMAGE_SUFFIXES,
    WARNING,
    ArchiveView,
    DescriptorView,
    Problem,
    has_placeholder,
    normalise_ref,
    rule,
    rule_data,
)

ROOT = "atlassian-plugin"
KEY_CHARS = re.compile(r"[A-Za-z0-9._-]+")
REVERSE_DOMAIN = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")
PLACEHOLDER = re.compile(r"\$\{[^}\s]*\}?")

DC_STATUS = "atlassian-data-center-status"
DC_COMPATIBLE = "atlassian-data-center-compatible"
# Params read as booleans. Java's Boolean.parseBoolean turns anything but "true" into false,
# so "yes" or "1" silently switches the feature off. atlassian-data-center-compatible is a
# boolean too, but must be "true": DSC031 checks it.
BOOLEAN_PARAMS = ("atlassian-licensing-enabled", "read-only-access-mode-compatible")
IMAGE_PARAMS = ("plugin-icon", "plugin-logo", "plugin-banner", "vendor-icon", "vendor-logo")
# What UPM installs (UPM 6.4.1 code); a missing attribute means 1.
SUPPORTED_PLUGINS_VERSIONS = (None, "1", "2", "3")
# Modules whose presence makes UPM refuse the whole descriptor (UPM 6.4.1 code).
REFUSED_MODULES = ("remote-plugin-container",)
SHOWN_PLACES = 5  # places a finding names before it counts the rest
MAX_FINDINGS = 20  # findings of one kind listed one by one per file; one more sums up the rest
PARAM_HINT = "Add it to <plugin-info> in src/main/resources/atlassian-plugin.xml"


# ---- helpers shared with the marketing rules ------------------------------------------------


class Suggestions:
    """Existing entries a broken image reference probably meant: another extension or case.

    Built once per rule run: the archive's entries are indexed by lower-cased name on the
    first miss, so 30,000 broken references cost 30,000 lookups, not 30,000 scans.
    """

    def __init__(self, container: Any) -> None:
        self.container = container
        self._lowered: dict[str, str] | None = None

    def similar(self, ref: str) -> str | None:
        stem, dot, suffix = ref.rpartition(".")
        if dot and "/" not in suffix:
            for other in IMAGE_SUFFIXES:
                candidate = stem + other
                if candidate != ref and self.container.has(candidate):
                    return candidate
        if isinstance(self.container, ArchiveView):
            if self._lowered is None:
                self._lowered = {}
                for entry in self.container.entries:
                    if not entry.is_dir:
                        self._lowered.setdefault(entry.name.lower(), entry.name)
            found = self._lowered.get(ref.lower())
            if found is not None and found != ref:
                return found
        return None

    def hint(self, ref: str, where: str) -> str:
        similar = self.similar(ref)
        if similar is not None:
            return f"Did you mean '{similar}'? It exists; point {where} at it, or rename the file."
        return (
            f"Add the image under src/main/resources/{ref}, or point {where} at an existing "
            "image (paths are relative to the jar's root)."
        )


def example_refs(refs: list[str]) -> str:
    shown = ", ".join(f"'{clip(ref)}'" for ref in refs[:SHOWN_PLACES])
    return shown + (f" and {len(refs) - SHOWN_PLACES:,} more" if len(refs) > SHOWN_PLACES else "")


def listing_principles() -> dict[str, Any]:
    return rule_data("listing.toml")


# ---- local helpers ------------------------------------------------------------------------


def _root(view: DescriptorView) -> Any | None:
    """The root element, when it is ``<atlassian-plugin>`` (DSC002 reports any other)."""
    root = view.root
    return root if root is not None and root.tag == ROOT else None


def _info(view: DescriptorView) -> Any | None:
    return None if _root(view) is None else view.plugin_info()


def _text(element: Any | None) -> str:
    return "" if element is None or element.text is None else element.text.strip()


def clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _line(element: Any | None) -> int | None:
    return None if element is None else element.sourceline


# ---- the file and its root ----------------------------------------------------------------


@rule("DSC001", ERROR, DescriptorView)
def descriptor_missing(view: DescriptorView) -> Iterator[Problem]:
    """``atlassian-plugin.xml`` is not at the root of the plugin jar.

    Without it the jar is not a plugin: UPM refuses to install it and the Marketplace cannot
    read its key, name or version.

    Passing: a jar with ``atlassian-plugin.xml`` beside ``META-INF/``.
    Failing: a plain library jar, or one with the descriptor under ``resources/``.
    """
    if view.present:
        return
    elsewhere = []
    if isinstance(view.container, ArchiveView):
        elsewhere = [e.name for e in view.container.entries if e.name.endswith("/" + DESCRIPTOR)]
    found = f"; found {', '.join(repr(n) for n in elsewhere[:3])} instead" if elsewhere else ""
    yield Problem(
        f"no {DESCRIPTOR} at the root of the jar (expected it beside META-INF/){found}",
        hint="Keep the descriptor in src/main/resources/ of an atlassian-plugin project, so that "
        "the build copies it to the jar's root; upload the plugin jar, not a library.",
    )


@rule("DSC002", ERROR, DescriptorView)
def wrong_root(view: DescriptorView) -> Iterator[Problem]:
    """The descriptor's root element is not ``<atlassian-plugin>``.

    Passing: ``<atlassian-plugin key="com.acme.helper" name="Helper" plugins-version="2">``.
    Failing: ``<plugin key="...">``, or a descriptor wrapped in another element.
    """
    root = view.root
    if root is not None and root.tag != ROOT:
        yield Problem(
            f"the root element is <{root.tag}> (expected <{ROOT}>)",
            hint=f'Make <{ROOT} key=... name=... plugins-version="2"> the outermost element.',
            line=root.sourceline,
        )


@rule("DSC003", ERROR, DescriptorView)
def key_invalid(view: DescriptorView) -> Iterator[Problem]:
    """The plugin ``key`` is missing, empty, or holds characters other than ``[A-Za-z0-9._-]``.

    Only letters, digits, ``.``, ``-`` and ``_`` are safe. The key identifies the app to UPM
    and the Marketplace for good; module keys are addressed as ``pluginKey:moduleKey``, so
    spaces, colons and the like break them.

    Passing: ``key="com.acme.jira.issuehelper"``.
    Failing: no ``key``, ``key=""``, ``key="com.acme issue helper"``, ``key="com.acme:helper"``.
    """
    root = _root(view)
    if root is None:
        return
    key = root.get("key")
    hint = (
        'Set key on <atlassian-plugin>; the SDK writes key="${atlassian.plugin.key}", '
        "which Maven fills from <atlassian.plugin.key> (groupId.artifactId) in the pom."
    )
    if key is None or not key.strip():
        state = "missing" if key is None else "empty"
        yield Problem(
            f"the plugin key is {state} (expected a reverse-domain key like com.acme.helper)",
            hint=hint,
            line=root.sourceline,
        )
    elif not has_placeholder(key) and not KEY_CHARS.fullmatch(key):
        bad = sorted({c for c in key if not KEY_CHARS.fullmatch(c)})
        shown = " ".join(repr(c) for c in bad)
        yield Problem(
            f"the plugin key {key!r} contains {shown} "
            "(expected only letters, digits, '.', '-' and '_')",
            hint=hint,
            line=root.sourceline,
        )


@rule("DSC004", WARNING, DescriptorView)
def key_not_reverse_domain(view: DescriptorView) -> Iterator[Problem]:
    """The plugin ``key`` is not in reverse-domain form (at least two dot-separated parts).

    The element reference asks for reverse domain name notation so that keys are unique across
    all vendors; a key cannot change once an app is listed.

    Passing: ``key="com.acme.jira.issuehelper"``.
    Failing: ``key="issuehelper"``, ``key="com.acme."``, ``key="com..acme"``.
    """
    root = _root(view)
    if root is None:
        return
    key = root.get("key")
    if not key or has_placeholder(key) or not KEY_CHARS.fullmatch(key):
        return  # missing or invalid: DSC003
    if not REVERSE_DOMAIN.fullmatch(key):
        yield Problem(
            f"the plugin key {key!r} is not in reverse-domain form "
            "(expected dot-separated parts such as com.acme.helper)",
            hint="Use your domain reversed plus the artifact, e.g. <groupId>com.acme</groupId> "
            "and <artifactId>helper</artifactId> give com.acme.helper.",
            line=root.sourceline,
        )


@rule("DSC005", ERROR, DescriptorView)
def name_missing(view: DescriptorView) -> Iterator[Problem]:
    """The plugin ``name`` is missing or empty.

    UPM and the Marketplace show the name; without one they fall back to the bare key.

    Passing: ``name="Issue Helper"``.
    Failing: ``<atlassian-plugin key="com.acme.helper" plugins-version="2">`` (no name).
    """
    root = _root(view)
    if root is None:
        return
    name = root.get("name")
    if name is None or not name.strip():
        yield Problem(
            f"the plugin name is {'missing' if name is None else 'empty'} "
            '(expected a human-readable name such as name="Issue Helper")',
            hint='Set name on <atlassian-plugin>; the SDK writes name="${project.name}", '
            "filled from <name> in the pom.",
            line=root.sourceline,
        )


@rule("DSC006", WARNING, DescriptorView)
def name_against_listing_principles(view: DescriptorView) -> Iterator[Problem]:
    """The plugin ``name`` breaks the Marketplace app listing principles.

    The principles limit a name to 60 characters, ban the words "Atlassian", "plugin", "beta",
    "add-on" and "app", and forbid starting with an Atlassian product name ("Time Tracker for
    Jira", not "Jira Time Tracker"). Listings that break them are sent back at approval. The
    words and names are data (``rules/data/listing.toml``).

    Passing: ``name="Issue Helper for Jira"``.
    Failing: ``name="Jira Issue Helper Plugin"``, ``name="Helper App (beta)"``.
    """
    root = _root(view)
    if root is None:
        return
    name = (root.get("name") or "").strip()
    if not name or has_placeholder(name):
        return
    principles = listing_principles()
    hint = 'Rename the app in <name> of the pom (the descriptor\'s name="${project.name}").'
    line = root.sourceline
    limit = principles["max_name_length"]
    if len(name) > limit:
        yield Problem(
            f"the name {name!r} has {len(name)} characters (expected at most {limit})",
            hint=hint,
            line=line,
        )
    for word in principles["banned_words"]:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", name, re.IGNORECASE):
            yield Problem(
                f"the name {name!r} contains the word {word!r}, which the listing principles "
                f"prohibit (expected none of: {', '.join(principles['banned_words'])})",
                hint=hint,
                line=line,
            )
    for product in principles["product_names"]:
        if re.match(rf"{re.escape(product)}(?!\w)", name, re.IGNORECASE):
            yield Problem(
                f"the name {name!r} starts with the product name {product!r} "
                f"(expected e.g. '... for {product}')",
                hint=hint,
                line=line,
            )
            break


def _plugins_version(root: Any) -> str | None:
    """The declared plugins-version, stripped; None when the descriptor declares none.

    ``pluginsVersion`` is the spelling deprecated in plugin framework 2.1; UPM still reads it.
    """
    value = root.get("plugins-version", root.get("pluginsVersion"))
    return None if value is None else value.strip()


@rule("DSC007", ERROR, DescriptorView)
def plugins_version(view: DescriptorView) -> Iterator[Problem]:
    """The descriptor does not declare ``plugins-version="2"`` (an OSGi plugin).

    UPM installs plugins-version 1, 2 and 3, but a descriptor without the attribute (or with
    ``1``) is a legacy version 1 plugin, which hosts refuse where legacy plugins are switched
    off, and OSGi plugins (version 2) are the only kind the Marketplace takes for server-side
    apps. A value UPM does not know at all is DSC008's.

    Passing: ``<atlassian-plugin key=".." name=".." plugins-version="2">``.
    Failing: no ``plugins-version``, ``plugins-version="1"`` or ``pluginsVersion="3"``.
    """
    root = _root(view)
    if root is None:
        return
    value = _plugins_version(root)
    if value not in SUPPORTED_PLUGINS_VERSIONS or value == "2":
        return  # "2" is right; an unsupported value is DSC008's
    if value is None or value == "1":
        found = (
            "missing, so this is a legacy version 1 plugin"
            if value is None
            else "1, a legacy plugin"
        )
        why = "hosts refuse legacy plugins where they are switched off"
    else:
        found = repr(value)
        why = "UPM installs it, but the Marketplace takes OSGi (version 2) plugins"
    yield Problem(
        f'plugins-version is {found}: {why} (expected plugins-version="2")',
        hint='Add plugins-version="2" to <atlassian-plugin>, as the SDK template does.',
        line=root.sourceline,
    )


@rule("DSC008", ERROR, DescriptorView)
def plugins_version_unsupported(view: DescriptorView) -> Iterator[Problem]:
    """The descriptor's ``plugins-version`` is not one UPM can install (1, 2 or 3).

    UPM refuses the jar with "Cannot install plugin with unsupported version '<v>'" (UPM 6.4.1
    code); ``pluginsVersion``, the older spelling, is read the same way.

    Passing: ``plugins-version="2"``.
    Failing: ``plugins-version="4"``, ``plugins-version="2.0"``, ``pluginsVersion="two"``.
    """
    root = _root(view)
    if root is None:
        return
    value = _plugins_version(root)
    if value is None or value in SUPPORTED_PLUGINS_VERSIONS:
        return
    if view.in_source and has_placeholder(value):
        return  # a Maven placeholder is normal in a source tree, a defect in a built jar
    yield Problem(
        f"Cannot install plugin with unsupported version '{clip(value)}' (UPM's words; "
        'expected plugins-version="2")',
        hint='Write plugins-version="2" on <atlassian-plugin>: UPM knows 1, 2 and 3 only, and '
        "the Marketplace takes 2.",
        line=root.sourceline,
    )


# ---- plugin-info --------------------------------------------------------------------------


@rule("DSC010", ERROR, DescriptorView)
def plugin_info_missing(view: DescriptorView) -> Iterator[Problem]:
    """The descriptor has no ``<plugin-info>``, where the version, vendor and params live.

    Passing: ``<plugin-info><description>..</description><version>1.2.0</version>
    <vendor name=".." url=".."/>..</plugin-info>``.
    Failing: a descriptor that declares only modules.
    """
    root = _root(view)
    if root is not None and view.plugin_info() is None:
        yield Problem(
            "no <plugin-info> element (expected one holding description, version, vendor and "
            "the Data Center params)",
            hint="Add <plugin-info> as the first child of <atlassian-plugin>, as the SDK "
            "template does: <description>${project.description}</description>, "
            '<version>${project.version}</version>, <vendor name="${project.organization.name}'
            '" url="${project.organization.url}"/>.',
            line=root.sourceline,
        )


@rule("DSC011", ERROR, DescriptorView)
def version_missing(view: DescriptorView) -> Iterator[Problem]:
    """``<plugin-info>`` has no ``<version>``, or it is empty.

    UPM compares this version to decide what is an upgrade; the Marketplace lists it.

    Passing: ``<version>1.2.0</version>``.
    Failing: no ``<version>``, or ``<version/>``.
    """
    info = _info(view)
    if info is None:
        return
    element = info.find("version")
    if not _text(element):
        yield Problem(
            "<plugin-info> has no version (expected e.g. <version>1.2.0</version>)",
            hint="Add <version>${project.version}</version> to <plugin-info>; Maven fills it "
            "from the pom.",
            line=_line(element) or info.sourceline,
        )


@rule("DSC012", ERROR, DescriptorView)
def vendor_name_missing(view: DescriptorView) -> Iterator[Problem]:
    """``<plugin-info>`` has no ``<vendor>``, or the vendor has no ``name``.

    UPM shows the vendor with every app; the Marketplace reads it from the descriptor.

    Passing: ``<vendor name="Acme Software" url="https://www.acme.example"/>``.
    Failing: no ``<vendor>``, or ``<vendor url="https://www.acme.example"/>``.
    """
    info = _info(view)
    if info is None:
        return
    vendor = info.find("vendor")
    hint = (
        'Add <vendor name="${project.organization.name}" url="${project.organization.url}"/> '
        "to <plugin-info> and set <organization><name> and <url> in the pom."
    )
    if vendor is None:
        yield Problem(
            '<plugin-info> has no <vendor> (expected <vendor name=".." url="https://.."/>)',
            hint=hint,
            line=info.sourceline,
        )
    elif not (vendor.get("name") or "").strip():
        yield Problem(
            "<vendor> has no name (expected the company or person publishing the app)",
            hint=hint,
            line=vendor.sourceline,
        )


@rule("DSC013", ERROR, DescriptorView)
def vendor_url_invalid(view: DescriptorView) -> Iterator[Problem]:
    """The vendor's ``url`` is missing or not an absolute http(s) URL.

    UPM links the vendor's name to it.

    Passing: ``<vendor name="Acme" url="https://www.acme.example"/>``.
    Failing: no ``url``, ``url="www.acme.example"``, ``url="ftp://acme.example"``.
    """
    info = _info(view)
    vendor = None if info is None else info.find("vendor")
    if vendor is None:
        return  # no vendor at all: DSC012
    url = vendor.get("url")
    if has_placeholder(url):
        return
    problem = _url_problem(url)
    if problem:
        yield Problem(
            f"the vendor url {problem} (expected an absolute http(s) URL such as "
            "https://www.acme.example)",
            hint="Set <organization><url> in the pom (the descriptor's "
            'url="${project.organization.url}"), including https://.',
            line=vendor.sourceline,
        )


def _url_problem(url: str | None) -> str | None:
    if url is None:
        return "is missing"
    text = url.strip()
    if not text:
        return "is empty"
    try:
        parts = urlsplit(text)
    except ValueError:
        return f"{text!r} is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{text!r} has no http or https scheme"
    if not parts.hostname or any(c.isspace() for c in text):
        return f"{text!r} is not a valid URL"
    return None


@rule("DSC014", WARNING, DescriptorView)
def description_missing(view: DescriptorView) -> Iterator[Problem]:
    """``<plugin-info>`` has no ``<description>``, or it is empty.

    UPM shows it under the app's name. A warning: the element reference lists it but does not
    say it is required, and the Marketplace listing has its own summary.

    Passing: ``<description>Adds helpful panels to Jira issues.</description>``.
    Failing: no ``<description>``, or ``<description></description>``.
    """
    info = _info(view)
    if info is None:
        return
    element = info.find("description")
    if not _text(element):
        yield Problem(
            "<plugin-info> has no description (expected a sentence saying what the app does)",
            hint="Add <description>${project.description}</description> to <plugin-info> and "
            "set <description> in the pom.",
            line=_line(element) or info.sourceline,
        )


# ---- Maven filtering ----------------------------------------------------------------------


def _filtered_values(root: Any, info: Any | None) -> Iterator[tuple[str, str, int | None]]:
    """(where, value, line) of every value the SDK's Maven filtering fills in.

    Module bodies are left out on purpose: web-item links and templates carry runtime
    variables such as ``${issue.key}`` that the host product fills in, and they belong there.
    """
    for attribute in ("key", "name"):
        value = root.get(attribute)
        if value is not None:
            yield f"the plugin {attribute}", value, root.sourceline
    if info is None:
        return
    for tag in ("description", "version"):
        element = info.find(tag)
        if element is not None:
            yield f"<{tag}>", _text(element), element.sourceline
    vendor = info.find("vendor")
    if vendor is not None:
        for attribute in ("name", "url"):
            value = vendor.get(attribute)
            if value is not None:
                yield f"the vendor {attribute}", value, vendor.sourceline
    for param in info.findall("param"):
        yield f"param {param.get('name')!r}", _text(param), param.sourceline


@rule("DSC020", ERROR, DescriptorView)
def unresolved_placeholders(view: DescriptorView) -> Iterator[Problem]:
    """A built artifact's descriptor still holds a Maven ``${...}`` placeholder.

    The Marketplace reads the key, name, version, vendor and params from the built
    descriptor; a placeholder there means resource filtering did not run, and the app is listed
    (or refused) with the literal text. Only the values the SDK filters are checked: module
    bodies keep runtime variables such as ``/browse/${issue.key}`` in a correct jar. Placeholders
    are normal in a source tree, which this rule does not check.

    Passing: ``<version>1.2.0</version>`` in the jar; ``<link>/browse/${issue.key}</link>``.
    Failing: ``<version>${project.version}</version>`` or ``key="${atlassian.plugin.key}"`` in
    the jar.
    """
    root = _root(view)
    if root is None or view.in_source:
        return
    for where, value, line in _filtered_values(root, view.plugin_info()):
        for placeholder in PLACEHOLDER.findall(value):
            yield Problem(
                f"{where} holds the unresolved placeholder {placeholder} "
                "(expected the value Maven filters in at build time)",
                hint="Build with the Atlassian SDK (atlas-package / mvn package), keep "
                "resource filtering on for src/main/resources (<filtering>true</filtering>), "
                f"and check that the pom defines {placeholder[2:].rstrip('}')!r}.",
                line=line,
            )


# ---- params ---------------------------------------------------------------------------------


def _required_param(view: DescriptorView, name: str, expected: str) -> Iterator[Problem]:
    info = _info(view)
    if info is None:
        return  # DSC010
    param = view.param(name)
    example = f'<param name="{name}">{expected}</param>'
    if param is None:
        yield Problem(
            f"the param {name} is missing (expected {example} in <plugin-info>)",
            hint=f"{PARAM_HINT}: {example}.",
            line=info.sourceline,
        )
        return
    value = _text(param)
    if not has_placeholder(value) and value != expected:
        yield Problem(
            f"the param {name} is {value!r} (expected {expected!r})",
            hint=f"Write {example}.",
            line=param.sourceline,
        )


@rule("DSC030", ERROR, DescriptorView)
def data_center_status(view: DescriptorView) -> Iterator[Problem]:
    """The ``atlassian-data-center-status`` param is missing or not ``compatible``.

    The Marketplace requires it for a Data Center version, alongside
    ``atlassian-data-center-compatible`` ("you need both now").

    Passing: ``<param name="atlassian-data-center-status">compatible</param>``.
    Failing: the param missing, or set to ``true``.
    """
    yield from _required_param(view, DC_STATUS, "compatible")


@rule("DSC031", ERROR, DescriptorView)
def data_center_compatible(view: DescriptorView) -> Iterator[Problem]:
    """The ``atlassian-data-center-compatible`` param is missing or not ``true``.

    UPM uses this older flag to allow installing the app on Data Center.

    Passing: ``<param name="atlassian-data-center-compatible">true</param>``.
    Failing: the param missing, or set to ``yes`` or ``compatible``.
    """
    yield from _required_param(view, DC_COMPATIBLE, "true")


@rule("DSC032", ERROR, DescriptorView)
def boolean_params(view: DescriptorView) -> Iterator[Problem]:
    """A boolean param is neither ``true`` nor ``false``.

    The boolean params are ``atlassian-licensing-enabled`` and
    ``read-only-access-mode-compatible`` (``atlassian-data-center-compatible`` is DSC031's). The
    products read them with Java's ``Boolean.parseBoolean``: any other text, such as
    ``yes`` or ``1``, silently means false (for licensing: the app is not licensed via
    Atlassian).

    Passing: ``<param name="atlassian-licensing-enabled">true</param>``.
    Failing: ``<param name="atlassian-licensing-enabled">yes</param>``.
    """
    if _info(view) is None:
        return
    for param in view.params():
        name = param.get("name")
        value = _text(param)
        if name in BOOLEAN_PARAMS and not has_placeholder(value) and value not in ("true", "false"):
            yield Problem(
                f"the param {name} is {value!r} (expected 'true' or 'false')",
                hint=f'Write <param name="{name}">true</param> (or false).',
                line=param.sourceline,
            )


@rule("DSC033", ERROR, DescriptorView)
def image_params_exist(view: DescriptorView) -> Iterator[Problem]:
    """An image param names a file that is not in the jar.

    The image params are ``plugin-icon``, ``plugin-logo``, ``plugin-banner``, ``vendor-icon`` and
    ``vendor-logo``; their paths are relative to the jar's root. UPM shows a broken image. Real
    apps get this wrong, e.g. ``plugin-banner`` pointing at ``images/banner.jpg`` while the jar
    holds ``images/banner.png``.

    Passing: ``<param name="plugin-logo">images/pluginLogo.png</param>`` with that entry.
    Failing: the same param when the jar has no ``images/pluginLogo.png``, or an empty value.
    """
    if _info(view) is None:
        return
    missing: list[tuple[Any, str, str]] = []  # (param, its name, the missing path)
    for param in view.params():
        name = param.get("name")
        if name not in IMAGE_PARAMS:
            continue
        value = _text(param)
        if has_placeholder(value):
            continue
        if not value:
            yield Problem(
                f"the param {name} is empty (expected the path of an image in the jar)",
                hint=f'Write e.g. <param name="{name}">images/{name}.png</param>, or remove it.',
                line=param.sourceline,
            )
            continue
        ref = normalise_ref(value)
        if not view.container.has(ref):
            missing.append((param, name, ref))
    suggestions = Suggestions(view.container)
    for param, name, ref in missing[:MAX_FINDINGS]:
        yield Problem(
            f"the param {name} points at '{clip(ref)}', which does not exist "
            "(expected an image entry at that path)",
            hint=suggestions.hint(ref, f"the {name} param"),
            line=param.sourceline,
        )
    rest = missing[MAX_FINDINGS:]
    if rest:
        yield Problem(
            f"and {len(rest):,} more image params point at files that do not exist: "
            f"{example_refs([ref for _, _, ref in rest])} (expected image entries at those paths)",
            hint="Add the images under src/main/resources/, or fix the params' paths.",
            line=rest[0][0].sourceline,
        )


# ---- modules -------------------------------------------------------------------------------


def _scope(module: Any) -> frozenset[tuple[str, str | None, str | None]] | None:
    """Where a module applies: None for everywhere, or (application, version, mode) triples.

    The plugin framework skips modules restricted to other applications (``application="jira"``
    or ``<restrict application="jira" version="[9,10)"/>``), so two modules may share a key when
    their restrictions do not overlap.
    """
    applications = module.get("application")
    if applications is not None:
        names = [a for a in re.split(r"\s*,[,\s]*", applications.strip()) if a]
        return frozenset((a, None, None) for a in names) or None
    restricts = module.findall("restrict")
    if not restricts:
        return None
    scope = set()
    for restrict in restricts:
        version = restrict.get("version")
        if version is None:
            versions = [_text(v) for v in restrict.findall("version")]
            version = "|".join(versions) if versions else None
        scope.add((restrict.get("application", ""), version, restrict.get("mode")))
    return frozenset(scope)


class _Scopes:
    """Where the modules seen so far apply, to ask in constant time whether a new one overlaps.

    Two modules overlap when either applies everywhere, or they share an application whose
    version and mode agree (an unset version or mode agrees with any). Different version
    ranges of one application are taken as disjoint: comparing ranges is not worth a false
    alarm.
    """

    def __init__(self) -> None:
        self.first: Any | None = None  # the first module seen
        self.everywhere: Any | None = None  # the first unrestricted module
        # application -> (version, mode) pairs, versions and modes seen: each to a module.
        self.pairs: dict[str, dict[tuple[str | None, str | None], Any]] = {}
        self.versions: dict[str, dict[str | None, Any]] = {}
        self.modes: dict[str, dict[str | None, Any]] = {}

    def overlapping(self, module: Any) -> Any | None:
        """An earlier module this one overlaps, or None."""
        scope = _scope(module)
        if scope is None:
            return self.first
        if self.everywhere is not None:
            return self.everywhere
        for application, version, mode in scope:
            pairs = self.pairs.get(application)
            if not pairs:
                continue
            if version is None and mode is None:
                return next(iter(pairs.values()))
            # Elements with no children are false: look keys up, never `a or b`.
            if version is None:
                found = _first(self.modes[application], (mode, None))
            elif mode is None:
                found = _first(self.versions[application], (version, None))
            else:
                keys = ((version, mode), (None, mode), (version, None), (None, None))
                found = _first(pairs, keys)
            if found is not None:
                return found
        return None

    def add(self, module: Any) -> None:
        if self.first is None:
            self.first = module
        scope = _scope(module)
        if scope is None:
            self.everywhere = self.everywhere if self.everywhere is not None else module
            return
        for application, version, mode in scope:
            self.pairs.setdefault(application, {}).setdefault((version, mode), module)
            self.versions.setdefault(application, {}).setdefault(version, module)
            self.modes.setdefault(application, {}).setdefault(mode, module)


def _first(table: dict[Any, Any], keys: tuple[Any, ...]) -> Any | None:
    return next((table[key] for key in keys if key in table), None)


def _where(modules: list[Any]) -> str:
    shown = ", ".join(f"<{m.tag}> on line {m.sourceline}" for m in modules[:SHOWN_PLACES])
    more = len(modules) - SHOWN_PLACES
    return shown + (f" and {more:,} more" if more > 0 else "")


@rule("DSC040", ERROR, DescriptorView)
def duplicate_module_keys(view: DescriptorView) -> Iterator[Problem]:
    """Two modules of the descriptor have the same ``key``.

    Module keys must be unique within the plugin, across all module types: the plugin framework
    refuses to load the plugin ("Found duplicate key"). Modules are the direct children of
    ``<atlassian-plugin>`` other than ``<plugin-info>`` and ``<resource>``; keys of nested
    elements (a web-item's ``<label key="..">``) are i18n keys and may repeat. Modules
    restricted to different applications may share a key.

    Passing: ``<web-item key="helper-link">`` and ``<servlet key="helper-servlet">``.
    Failing: ``<web-item key="helper">`` and ``<servlet key="helper">``.
    """
    root = _root(view)
    if root is None:
        return
    scopes: dict[str, _Scopes] = {}
    clashes: dict[str, list[Any]] = {}  # key -> the first module, then each one clashing
    for module in root:
        if not isinstance(module.tag, str) or module.tag in ("plugin-info", "resource"):
            continue  # comments and processing instructions have non-string tags
        key = module.get("key")
        if key is None:
            continue
        seen = scopes.setdefault(key, _Scopes())
        earlier = seen.overlapping(module)
        if earlier is not None:
            clashes.setdefault(key, [earlier]).append(module)
        seen.add(module)
    for key, modules in clashes.items():
        first, *others = modules
        count = len(others)
        yield Problem(
            f"the module key {clip(key)!r} of <{first.tag}> on line {first.sourceline} is "
            f"used again by {count:,} module{'s that apply' if count > 1 else ' that applies'} "
            f"with it: {_where(others)} (expected unique module keys)",
            hint="Rename the modules' key attributes so each is unique (references to them, "
            "such as pluginKey:moduleKey, must follow), or restrict them to different "
            "applications.",
            line=others[0].sourceline,
        )


@rule("DSC041", ERROR, DescriptorView)
def refused_module(view: DescriptorView) -> Iterator[Problem]:
    """The descriptor declares a ``<remote-plugin-container>`` module, which UPM refuses.

    UPM (6.4.1 code) will not install a descriptor that holds one, whatever else it declares.

    Passing: a descriptor of ``<web-item>``, ``<servlet>`` and other host modules.
    Failing: ``<remote-plugin-container key="container" display-url="https://acme.example"/>``.
    """
    root = _root(view)
    if root is None:
        return
    for tag in REFUSED_MODULES:
        found = root.findall(tag)
        if found:
            more = f" (and {len(found) - 1:,} more)" if len(found) > 1 else ""
            yield Problem(
                f"the descriptor declares <{tag}> on line {found[0].sourceline}{more}: UPM "
                "refuses to install a plugin that does (expected only modules the host runs)",
                hint=f"Remove the <{tag}> module from atlassian-plugin.xml.",
                line=found[0].sourceline,
            )
