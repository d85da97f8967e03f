"""Run the rules: targets in, a report out.

The engine builds the views for each target, runs every selected rule on the views of its
subject type, and stamps code, severity and location onto what the rules yield.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from assetcheck.findings import Finding
from assetcheck.image_types import ImageType
from assetcheck.registry import Rule, all_rules
from assetcheck.report.model import FileReport, Report
from assetcheck.settings import Settings
from assetcheck.targets import DESCRIPTOR_NAMES, Target, TargetError, discover
from assetcheck.views import (
    ArchiveView,
    Container,
    DescriptorView,
    ImageView,
    ManifestView,
    MarketingView,
    ObrView,
    SourceTreeView,
    normalise_ref,
)


class Checker:
    """Runs the selected rules on views and collects findings for one file."""

    def __init__(self, settings: Settings, report: Report) -> None:
        self.settings = settings
        self.report = report
        self.rules = [r for r in all_rules() if settings.selects(r.code, integrity=r.integrity)]
        self._by_subject: dict[type, list[Rule]] = {}

    def rules_for(self, subject: type) -> list[Rule]:
        if subject not in self._by_subject:
            self._by_subject[subject] = [r for r in self.rules if issubclass(subject, r.subject)]
        return self._by_subject[subject]

    def run(self, view: Any, findings: list[Finding]) -> None:
        chain: str = getattr(view, "chain", "")
        own_entry: str | None = getattr(view, "entry", None)
        for rule in self.rules_for(type(view)):
            try:
                for problem in rule.check(view):
                    entry = problem.entry if problem.entry is not None else own_entry
                    findings.append(
                        Finding(
                            code=rule.code,
                            severity=rule.severity,
                            message=problem.message,
                            entry=_locate(chain, entry),
                            hint=problem.hint,
                            line=problem.line,
                        )
                    )
            except Exception as error:  # a bug in a rule must not stop the run
                self.report.internal_errors.append(
                    f"rule {rule.code} crashed on {_locate(chain, own_entry) or 'the file'}: "
                    f"{type(error).__name__}: {error}"
                )


def _locate(chain: str, entry: str | None) -> str | None:
    if entry is None:
        return chain.removesuffix("!/") or None
    return chain + entry


def check_paths(paths: Iterable[Path], settings: Settings) -> Report:
    """Check every target found in ``paths``; a file that cannot be read is a TargetError."""
    report = Report()
    for target in discover(paths, settings.image_type):
        try:
            report.files.append(check_target(target, settings, report))
        except OSError as error:
            reason = error.strerror or str(error)
            raise TargetError(f"{target.path}: cannot be read ({reason})") from None
    return report


def check_target(target: Target, settings: Settings, report: Report) -> FileReport:
    checker = Checker(settings, report)
    if target.kind == "artifact":
        return _check_artifact(target, checker)
    if target.kind == "source":
        return _check_source(target, checker)
    return _check_image(target, checker)


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _check_artifact(target: Target, checker: Checker) -> FileReport:
    size, sha256 = file_digest(target.path)
    result = FileReport(str(target.path), "artifact", size, sha256)
    limits = checker.settings.limits
    with target.path.open("rb") as handle:
        top = ArchiveView.open(handle, limits, name=target.path.name)
        try:
            findings = result.findings
            for archive in _archives(top):
                checker.run(archive, findings)
            if top.readable and top.entries:
                if target.path.suffix.lower() == ".obr" or top.has("obr.xml"):
                    descriptor = _check_obr(ObrView(top), checker, findings)
                else:
                    descriptor = _check_plugin(top, checker, findings)
                if descriptor is not None:
                    result.app_key = _resolved(descriptor.key)
                    result.app_version = _resolved(descriptor.version)
        finally:
            top.close()
    result.findings.sort(key=Finding.sort_key)
    return result


def _archives(top: ArchiveView) -> Iterator[ArchiveView]:
    """The archive and every archive nested in it, depth first, one open at a time."""
    yield top
    if not top.readable:
        return
    for nested in top.nested():
        if nested.view is not None:
            yield from _archives(nested.view)
        top.release(nested.entry)


def _resolved(value: str | None) -> str | None:
    return None if value is None or "${" in value else value


def _check_plugin(
    archive: ArchiveView, checker: Checker, findings: list[Finding]
) -> DescriptorView:
    limits = archive.limits
    descriptor = DescriptorView(archive, limits, in_source=False)
    marketing = MarketingView(archive, limits, in_source=False)
    checker.run(ManifestView(archive, descriptor), findings)
    checker.run(descriptor, findings)
    checker.run(marketing, findings)
    _check_referenced_images(archive, descriptor, marketing, checker, findings)
    return descriptor


def referenced_images(
    descriptor: DescriptorView, marketing: MarketingView, types: dict[str, ImageType]
) -> dict[str, tuple[ImageType, ...]]:
    """Entry name -> the image types it is referenced as, from both descriptors.

    Which element or param holds which type is data (``rules/image_types.toml``). Maven
    placeholders (source trees) and empty values resolve to nothing and are skipped.
    """
    found: dict[str, list[ImageType]] = {}

    def add(value: object, image_type: ImageType) -> None:
        ref = normalise_ref(str(value)) if value is not None else ""
        if ref and "${" not in ref and image_type not in found.setdefault(ref, []):
            found[ref].append(image_type)

    for image_type in types.values():
        if image_type.marketing and marketing.root is not None:
            for value in marketing.root.xpath(image_type.marketing):
                add(value, image_type)
        if image_type.descriptor_param and descriptor.root is not None:
            param = descriptor.param(image_type.descriptor_param)
            if param is not None:
                add(param.text, image_type)
    return {ref: tuple(image_types) for ref, image_types in found.items()}


def _check_referenced_images(
    container: Container,
    descriptor: DescriptorView,
    marketing: MarketingView,
    checker: Checker,
    findings: list[Finding],
    only: set[str] | None = None,
) -> None:
    refs = referenced_images(descriptor, marketing, checker.settings.image_types)
    for ref, image_types in refs.items():
        size = container.size_of(ref)
        if size is None or (only is not None and ref not in only):
            continue  # a missing image is the descriptor rules' finding
        view = ImageView(
            name=ref,
            size=size,
            load=functools.partial(container.read_image, ref),
            types=image_types,
            limits=checker.settings.limits,
            entry=ref,
            chain=getattr(container, "chain", ""),
        )
        checker.run(view, findings)


def _check_obr(obr: ObrView, checker: Checker, findings: list[Finding]) -> DescriptorView | None:
    checker.run(obr, findings)
    checker.run(obr.obr_xml, findings)
    descriptor = None
    plugins = obr.root_jars
    if plugins:
        plugin = obr.archive.nested_view(plugins[0])
        if plugin is not None and plugin.readable:
            descriptor = _check_plugin(plugin, checker, findings)
    for name in obr.dependency_jars:
        dependency = obr.archive.nested_view(name)
        if dependency is not None and dependency.readable:
            checker.run(ManifestView(dependency, None), findings)
    return descriptor


def _check_source(target: Target, checker: Checker) -> FileReport:
    result = FileReport(str(target.path), "source")
    tree = SourceTreeView(target.path, checker.settings.limits)
    limits = checker.settings.limits
    descriptor = DescriptorView(tree, limits, in_source=True)
    marketing = MarketingView(tree, limits, in_source=True)
    checker.run(descriptor, result.findings)
    checker.run(marketing, result.findings)
    _check_referenced_images(
        tree, descriptor, marketing, checker, result.findings, _changed_images(target)
    )
    result.findings.sort(key=Finding.sort_key)
    return result


def source_images(root: Path, settings: Settings) -> dict[str, tuple[ImageType, ...]]:
    """The images a plugin source tree's descriptors reference, with their types."""
    tree = SourceTreeView(root, settings.limits)
    return {
        ref: types
        for ref, types in referenced_images(
            DescriptorView(tree, settings.limits, in_source=True),
            MarketingView(tree, settings.limits, in_source=True),
            settings.image_types,
        ).items()
        if tree.has(ref)
    }


def _changed_images(target: Target) -> set[str] | None:
    """The images to check in a source tree: all (None), or only the changed ones.

    A changed descriptor can change what every image is checked as, so it means all of them.
    """
    if not target.changed or any(p.name in DESCRIPTOR_NAMES for p in target.changed):
        return None
    root = target.path.resolve()
    return {p.resolve().relative_to(root).as_posix() for p in target.changed}


def _check_image(target: Target, checker: Checker) -> FileReport:
    size, sha256 = file_digest(target.path)
    types = checker.settings.image_types
    image_type = types.get(target.image_type) if target.image_type else None
    result = FileReport(str(target.path), "image", size, sha256, target.image_type)
    view = ImageView(
        name=target.path.name,
        size=size,
        load=functools.partial(_read_file, target.path, checker.settings.limits.max_image_bytes),
        types=(image_type,) if image_type else (),
        limits=checker.settings.limits,
    )
    checker.run(view, result.findings)
    result.findings.sort(key=Finding.sort_key)
    return result


def _read_file(path: Path, limit: int) -> bytes | None:
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    return None if len(data) > limit else data
