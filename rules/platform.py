"""Platform fit rules (PLT): does the built app fit the hosts its marketing descriptor declares?

They compare the plugin jar, and everything bundled with it, with the host products and
versions of ``<compatibility>`` in ``atlassian-plugin-marketing.xml``: the Java each host runs
(``rules/data/java_levels.toml``) and the libraries each Data Center platform provides
(``rules/data/host_libraries.toml``). They run on built artifacts only, after every archive of
the artifact was read: class-file versions come from the 8 bytes the reader kept of each
``.class`` entry while verifying it, so nothing is inflated for them.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assetcheck.api import (
    ERROR,
    WARNING,
    ArchiveView,
    ManifestView,
    PlatformView,
    Problem,
    compare_versions,
    has_placeholder,
    rule,
    rule_data,
)

MARKETING_ROOT = "atlassian-plugin-marketing"
BUILD_NUMBER = re.compile(r"\d+")
OLDEST_PLATFORM = 6  # "Platform 6 and earlier": a version below every Platform 7 start


@dataclass(frozen=True, slots=True)
class Host:
    """One ``<compatibility><product>``: its name (renames applied) and its min and max."""

    name: str
    low: str | None
    high: str | None

    def describe(self) -> str:
        if self.low and self.high:
            return f"{self.name} {self.low} to {self.high}"
        if self.low:
            return f"{self.name} {self.low} and later"
        return f"{self.name} up to {self.high}" if self.high else self.name


def _version(value: str | None) -> str | None:
    """A version name UPM can compare; None for nothing, a placeholder or a build number."""
    value = (value or "").strip()
    if not value or has_placeholder(value) or BUILD_NUMBER.fullmatch(value):
        return None
    return value


def declared_hosts(view: PlatformView) -> list[Host]:
    """The products the plugin's marketing descriptor declares compatibility with."""
    root = view.marketing.root
    if root is None or root.tag != MARKETING_ROOT:
        return []
    renamed: dict[str, str] = rule_data("products.toml").get("renamed", {})
    hosts = []
    for product in root.findall("compatibility/product"):
        name = (product.get("name") or "").strip().lower()
        if name and not has_placeholder(name):
            name = renamed.get(name, name)
            hosts.append(Host(name, _version(product.get("min")), _version(product.get("max"))))
    return hosts


# ---- PLT001: class files ------------------------------------------------------------------


def _in_range(version: str, low: str, high: str | None) -> bool:
    return compare_versions(version, low) >= 0 and (
        high is None or compare_versions(version, high) < 0
    )


def _host_java(host: Host) -> tuple[list[int], int] | None:
    """The Java versions the host's lowest declared version runs, and the newest class file
    they load; None when the table does not know that version."""
    if host.low is None:
        return None
    data = rule_data("java_levels.toml")
    rows: dict[str, Any] = data.get("products", {}).get(host.name, {})
    for start, row in rows.items():
        if _in_range(host.low, start, row.get("until")):
            javas = sorted(int(java) for java in row.get("java", []))
            if not javas:
                return None
            files: dict[str, int] = data.get("java_class_file", {})
            newest = max(files.get(str(java), 44 + java) for java in javas)
            return javas, newest
    return None


def _java_of(major: int) -> int:
    """The Java version that introduced class-file ``major`` (52: 8, 61: 17, 65: 21)."""
    return major - 44


def _javas(javas: list[int]) -> str:
    """``[8, 11, 17]`` as "8, 11 or 17"."""
    words = [str(java) for java in javas]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


@rule("PLT001", ERROR, PlatformView)
def classes_newer_than_host_java(view: PlatformView) -> Iterator[Problem]:
    """Classes are compiled for a newer Java than a declared host version runs on.

    A JVM refuses a class file newer than itself (``UnsupportedClassVersionError``): the app
    fails to start on that host. The lowest ``min`` of each ``<compatibility><product>`` is
    looked up in ``rules/data/java_levels.toml`` (each row with its source and how sure it is);
    the newest Java that version supports decides the newest class file allowed (Java 8: 52,
    11: 55, 17: 61, 21: 65). The plugin jar, its ``META-INF/lib/*.jar`` and an OBR's
    ``dependencies/*.jar`` are judged, each by its base classes (a multi-release jar's
    ``META-INF/versions/N/`` classes are chosen by the JVM, and ``module-info.class`` is never
    loaded), with one finding per jar: its newest class and how many are too new. No
    compatibility, a build number, or a product or version the table does not know: no finding.

    Passing: classes of class file 55 (Java 11) with ``<product name="jira" min="9.4.0"/>``.
    Failing: a class of class file 65 (Java 21) with the same compatibility: jira 9.4.0 runs
    on Java 8 or 11.
    """
    strictest: tuple[int, Host, list[int]] | None = None
    for host in declared_hosts(view):
        known = _host_java(host)
        if known is not None and (strictest is None or known[1] < strictest[0]):
            strictest = known[1], host, known[0]
    if strictest is None:
        return
    newest, host, javas = strictest
    assert host.low is not None
    for archive in view.archives:
        too_new = [level for level in archive.class_levels.values() if level.major > newest]
        if not too_new:
            continue
        top = too_new[-1]  # levels are sorted: the newest class file
        count = sum(level.count for level in too_new)
        java = _java_of(top.major)
        more = f" ({count:,} classes are newer than {newest})" if count > 1 else ""
        bundled = archive is not view.plugin
        yield Problem(
            f"classes compiled for Java {java} (class file {top.major}) but {host.name} "
            f"{host.low} runs on Java {_javas(javas)} (at most {newest}): "
            f"{archive.chain}{top.first}{more}",
            entry=archive.chain + top.first,
            hint=_class_hint(bundled, javas[-1], java, host),
        )


def _class_hint(bundled: bool, java: int, too_new: int, host: Host) -> str:
    raise_min = (
        f"or raise {host.name}'s min in atlassian-plugin-marketing.xml to a version that runs "
        f"Java {too_new}"
    )
    if bundled:
        return f"Bundle a version of this library built for Java {java} or older, {raise_min}."
    return (
        f"Compile for Java {java}: <maven.compiler.release>{java}</maven.compiler.release> in "
        f"pom.xml (javac --release {java}), {raise_min}."
    )


# ---- PLT010: bundled host libraries -------------------------------------------------------


def _platform_of(product: str, version: str) -> int | None:
    """The Data Center platform a product version is on; None when it is not known."""
    platforms: dict[str, Any] = rule_data("host_libraries.toml").get("platforms", {})
    on: int | None = None
    knows_product = False
    for number, platform in platforms.items():
        start = platform.get("starts", {}).get(product)
        if start is None:
            continue
        knows_product = True
        if compare_versions(version, start) >= 0 and (on is None or int(number) > on):
            on = int(number)
    if not knows_product:
        return None
    return OLDEST_PLATFORM if on is None else on


def _known_platforms() -> list[int]:
    platforms = rule_data("host_libraries.toml").get("platforms", {})
    return sorted({OLDEST_PLATFORM, *(int(number) for number in platforms)})


def covered_platforms(hosts: list[Host]) -> set[int]:
    """Every platform some declared host version may run on: from each product's min to its
    max. All known platforms when there is no compatibility, or a product, version or build
    number this cannot place (so only libraries every platform provides are judged)."""
    known = _known_platforms()
    if not hosts:
        return set(known)
    covered: set[int] = set()
    for host in hosts:
        low = OLDEST_PLATFORM if host.low is None else _platform_of(host.name, host.low)
        high = known[-1] if host.high is None else _platform_of(host.name, host.high)
        if low is None or high is None:
            return set(known)
        covered.update(p for p in known if low <= p <= high)
    return covered or set(known)


def _provides(library: dict[str, Any], platforms: set[int]) -> bool:
    """Whether every one of ``platforms`` provides the library."""
    low = library.get("from_platform", OLDEST_PLATFORM)
    high = library.get("to_platform")
    return all(low <= p and (high is None or p <= high) for p in platforms)


def _identities(archive: ArchiveView) -> list[tuple[str, str]]:
    """(identity, where it was read) of a bundled jar: its Maven coordinates and its
    Bundle-SymbolicName. A jar with several pom.properties (a shaded jar) is taken as the
    artifact its file name starts with, not as everything shaded into it."""
    found: list[tuple[str, str]] = []
    artifacts = archive.maven_artifacts()
    if len(artifacts) > 1:
        base = archive.name.rsplit("/", 1)[-1]
        artifacts = [(g, a) for g, a in artifacts if base.startswith(f"{a}-") or base == f"{a}.jar"]
    found += [(f"maven:{group}:{artifact}", "its pom.properties") for group, artifact in artifacts]
    symbolic = ManifestView(archive, None).get("Bundle-SymbolicName")
    if symbolic:
        name = symbolic.split(";", 1)[0].strip()
        found.append((f"osgi:{name}", "its manifest's Bundle-SymbolicName"))
    return found


def _match(identities: list[tuple[str, str]], library: dict[str, Any]) -> str | None:
    """How the jar was identified as ``library`` ("com.google.guava:guava, from ..."), or None."""
    for identity, where in identities:
        kind, _, value = identity.partition(":")
        patterns = library.get("maven" if kind == "maven" else "osgi", [])
        if any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns):
            return f"{value}, from {where}"
    return None


@rule("PLT010", WARNING, PlatformView)
def bundles_host_library(view: PlatformView) -> Iterator[Problem]:
    """A jar bundled in ``META-INF/lib/`` is a library the declared hosts already provide.

    The app's copy and the host's are then both loaded, and whatever crosses between app and
    host (a Spring bean, a Guava type in an API, an SLF4J logger) meets two classes of one
    name: ``ClassCastException``, ``LinkageError``, services nobody finds. The libraries are
    AMPS's banned dependencies (``validate-banned-dependencies``), as data keyed by Data Center
    platform (``rules/data/host_libraries.toml``, with sources): a library is judged when
    every platform the declared compatibility spans (Platform 7 is Jira 10.0, Confluence 9.0,
    Bitbucket 9.0, Bamboo 10.0, Crowd 6.0) provides it. Without compatibility, or with a
    product or version that cannot be placed, only the libraries every platform provides are
    judged. A jar is identified by its ``META-INF/maven/*/*/pom.properties`` or its
    ``Bundle-SymbolicName``, never by its file name alone. A warning: a host may have changed
    what it provides.

    Passing: ``META-INF/lib/acme-commons-2.4.1.jar`` (a library no host provides).
    Failing: ``META-INF/lib/guava-31.1-jre.jar`` whose pom.properties says
    ``groupId=com.google.guava``, ``artifactId=guava``.
    """
    libraries: dict[str, Any] = rule_data("host_libraries.toml").get("libraries", {})
    hosts = declared_hosts(view)
    platforms = covered_platforms(hosts)
    judged = {key: lib for key, lib in libraries.items() if _provides(lib, platforms)}
    if hosts:
        who = ", ".join(host.describe() for host in hosts)
        span = " and ".join(f"Platform {p}" for p in sorted(platforms))
        provider = f"the declared hosts provide it ({who}: {span})"
    else:
        provider = "every host platform provides it (no compatibility is declared)"
    for archive in view.libraries:
        identities = _identities(archive)
        for library in judged.values():
            how = _match(identities, library)
            if how is None:
                continue
            name = library.get("name", "a host library")
            yield Problem(
                f"bundles {name} ({how}), and {provider}: the app's copy and the host's "
                "would both be loaded, and classes passed between app and host conflict "
                "(expected the host's copy, imported)",
                entry=archive.chain.removesuffix("!/"),
                hint="Mark the dependency <scope>provided</scope> in pom.xml so it is not "
                "bundled, and import its packages (Import-Package) instead.",
            )
            break  # one finding per bundled jar
