"""Run the rules: targets in, a report out.

The engine builds the views for each target, runs every selected rule on the views of its
subject type, and stamps code, severity and location onto what the rules yield.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from assetcheck.findings import Finding
from assetcheck.image_types import ImageType
from assetcheck.names import has_placeholder
from assetcheck.paths import display
from assetcheck.registry import RuleSet
from assetcheck.report.model import CheckedAsset, FileReport, Report
from assetcheck.ruledata import using as using_rule_data
from assetcheck.settings import Settings
from assetcheck.targets import DESCRIPTOR_NAMES, Target, discover
from assetcheck.views import (
    ArchiveView,
    Container,
    DecodeBudget,
    DescriptorView,
    FileProblem,
    ImageView,
    Located,
    ManifestView,
    MarketingView,
    ObrView,
    PlatformView,
    SharedBudget,
    SourceTreeView,
    TextBudget,
    TextEntriesView,
    normalise_ref,
)


class Checker:
    """Runs the selected rules on views and collects the findings of one file.

    At most ``settings.findings_per_code`` findings of one code are kept for a file; the rest
    are counted and said in one more finding, so a file with a million bad lines gives a
    readable report in bounded memory. A finding identical to a kept one (same code, place
    and message) is dropped, not counted.
    """

    def __init__(self, settings: Settings, rules: RuleSet) -> None:
        self.settings = settings
        self.rules = rules
        self.internal_errors: list[str] = []
        self.findings: list[Finding] = []
        self._counts: dict[str, int] = {}
        self._severity: dict[str, Finding] = {}
        # What the kept findings say, so that the same thing is said once: one image or bundle
        # checked twice (a jar listed twice under one name in an .obr) must not repeat itself.
        self._said: set[tuple[str, str | None, int | None, str]] = set()

    def run(self, view: Located) -> None:
        chain, own_entry = view.chain, view.entry
        for rule in self.rules.for_subject(type(view)):
            try:
                for problem in rule.check(view):
                    entry = problem.entry if problem.entry is not None else own_entry
                    self._add(
                        Finding(
                            code=rule.code,
                            severity=rule.severity,
                            message=problem.message,
                            entry=_locate(chain, entry),
                            hint=problem.hint,
                            line=problem.line,
                            integrity=rule.integrity,
                        )
                    )
            except Exception as error:  # a bug in a rule must not stop the run
                self.internal_errors.append(
                    f"rule {rule.code} crashed on {_locate(chain, own_entry) or 'the file'}: "
                    f"{type(error).__name__}: {error}"
                )

    def _add(self, finding: Finding) -> None:
        said = (finding.code, finding.entry, finding.line, finding.message)
        if said in self._said:
            return
        count = self._counts.get(finding.code, 0) + 1
        self._counts[finding.code] = count
        if count <= self.settings.findings_per_code:
            self.findings.append(finding)
            self._said.add(said)
            self._severity.setdefault(finding.code, finding)

    def finish(self) -> list[Finding]:
        """The findings, sorted, with one more for each code that had too many to list."""
        shown = self.settings.findings_per_code
        for code, count in self._counts.items():
            if count > shown:
                first = self._severity[code]
                self.findings.append(
                    Finding(
                        code=code,
                        severity=first.severity,
                        message=f"{count - shown:,} more {code} findings in this file "
                        f"({count:,} in all; the first {shown} are listed)",
                        hint=first.hint,
                        integrity=first.integrity,
                    )
                )
        self.findings.sort(key=Finding.sort_key)
        return self.findings


def _locate(chain: str, entry: str | None) -> str | None:
    if entry is None:
        return chain.removesuffix("!/") or None
    return chain + entry


def check_paths(paths: Iterable[Path], settings: Settings, rules: RuleSet) -> Report:
    """Check every target found in ``paths`` with ``rules`` (those ``settings`` select).

    A path that cannot be checked at all is a TargetError (a usage error).
    """
    found = discover(paths, settings.image_type)
    selected = rules.only(lambda r: settings.selects(r.code, integrity=r.integrity))
    report = Report(notices=found.notices)
    for target in found.targets:
        report.files.append(check_target(target, settings, selected))
    return report


def check_target(target: Target, settings: Settings, rules: RuleSet) -> FileReport:
    """Check one target; its rules see the rule data its configuration extends."""
    with using_rule_data(settings.rule_data):
        return _check_target(target, settings, rules)


def _check_target(target: Target, settings: Settings, rules: RuleSet) -> FileReport:
    checker = Checker(settings, rules)
    kind = target.kind
    result = FileReport(display(target.path), kind, image_type=target.image_type)
    try:
        if kind == "artifact":
            _check_artifact(target, checker, result)
        elif kind == "source":
            _check_source(target, checker, result)
        else:
            _check_image(target, checker, result)
    except OSError as error:
        # The file vanished or became unreadable: a finding, never a pass and never a crash.
        checker.run(FileProblem("unreadable", error.strerror or str(error)))
    result.findings = checker.finish()
    result.internal_errors = checker.internal_errors
    return result


def file_digest(path: Path) -> tuple[int, str]:
    with path.open("rb") as handle:
        return _digest(handle)


def _digest(handle: BinaryIO) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    handle.seek(0)
    while chunk := handle.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _identity(handle: BinaryIO) -> tuple[int, int, int]:
    """What changes when a file is written: its size, modification time and inode change."""
    status = os.fstat(handle.fileno())
    return status.st_size, status.st_mtime_ns, status.st_ctime_ns


def _check_artifact(target: Target, checker: Checker, result: FileReport) -> None:
    limits = checker.settings.limits
    with target.path.open("rb") as handle:
        before = _identity(handle)
        top = ArchiveView.open(handle, limits, name=display(target.path.name))
        # A large file's last entries are verified, and the file hashed, on the other core.
        ahead = checker.settings.jobs > 1 and top.verify_ahead(digest=True)
        digest = None if ahead else _digest(handle)
        budget = DecodeBudget(limits.max_decoded_pixels)
        try:
            is_obr = target.path.suffix.lower() == ".obr" or top.has("obr.xml")
            obr = ObrView(top) if is_obr and top.readable and top.entries else None
            plugin_jar = obr.root_jars[0] if obr is not None and obr.root_jars else None
            dependencies = set(obr.dependency_jars) if obr is not None else set()
            descriptor: DescriptorView | None = None
            # The plugin jar, its marketing descriptor and every bundled archive walked: the
            # platform rules see them together, last (see PlatformView).
            plugin: tuple[ArchiveView, MarketingView] | None = None
            bundles: list[ArchiveView] = []
            # What the secrets rules may read of text entries, for the whole file.
            text_budget = TextBudget()

            def visit(nested: ArchiveView) -> None:
                # An OBR's bundles are checked while the walk has them open, once each.
                nonlocal descriptor, plugin
                bundles.append(nested)
                if obr is not None and nested.depth == 1 and nested.readable:
                    if nested.name == plugin_jar:
                        descriptor, marketing = _check_plugin(nested, checker, budget)
                        plugin = nested, marketing
                    elif nested.name in dependencies:
                        checker.run(ManifestView(nested, None))
                # After the documents (taken from their cache), before the container rules.
                if nested.readable:
                    checker.run(TextEntriesView(nested, text_budget, last=False))

            _walk_bundles(top, checker, visit)
            if obr is not None:
                checker.run(obr)
                checker.run(obr.obr_xml)
            elif top.readable and top.entries:
                descriptor, marketing = _check_plugin(top, checker, budget)
                plugin = top, marketing
            if top.readable:
                checker.run(TextEntriesView(top, text_budget, last=True))
            # Last: what the checks above read whole was verified then, not inflated again.
            checker.run(top)
            digest = digest or top.ahead_digest() or _digest(handle)
            if plugin is not None:
                checker.run(PlatformView(*plugin, bundles, dependencies))
            if descriptor is not None:
                result.app_key = _resolved(descriptor.key)
                result.app_version = _resolved(descriptor.version)
        finally:
            top.close()
        result.size, result.sha256 = digest or _digest(handle)
        after = _identity(handle)
    if after != before or after[0] != result.size:
        checker.run(FileProblem("changed", _change(before, after)))


def _change(before: tuple[int, int, int], after: tuple[int, int, int]) -> str:
    if before[0] != after[0]:
        return f"its size went from {before[0]:,} to {after[0]:,} bytes"
    return "it was written to during the check"


def _walk_bundles(
    archive: ArchiveView, checker: Checker, visit: Callable[[ArchiveView], None]
) -> None:
    """The container rules on every archive bundled in ``archive``, depth first.

    One bundled archive is open at a time (its own bundles are walked and released first);
    ``visit`` sees each while it is open. Depth is bounded by the nesting limit. Each byte is
    inflated once: a bundle is verified while it is spooled to be opened, and an archive's
    container rules run after everything read from it whole.
    """
    if not archive.readable:
        return
    for nested in archive.nested():
        if nested.view is not None:
            _walk_bundles(nested.view, checker, visit)
            visit(nested.view)
            checker.run(nested.view)
        archive.release(nested.entry)


def _resolved(value: str | None) -> str | None:
    return None if value is None or has_placeholder(value) else value


def _check_plugin(
    archive: ArchiveView, checker: Checker, budget: DecodeBudget
) -> tuple[DescriptorView, MarketingView]:
    limits = archive.limits
    descriptor = DescriptorView(archive, limits, in_source=False)
    marketing = MarketingView(archive, limits, in_source=False)
    checker.run(ManifestView(archive, descriptor))
    checker.run(descriptor)
    checker.run(marketing)
    refs = referenced_images(descriptor, marketing, checker.settings.image_types)
    views = [
        _image_view(archive, ref, size, image_types, checker, budget)
        for ref, image_types in refs.items()
        if (size := archive.size_of(ref)) is not None  # a missing one is the descriptor's
    ]
    _check_images(views, checker, budget)
    return descriptor, marketing


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
        if ref and not has_placeholder(ref) and image_type not in found.setdefault(ref, []):
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


def _image_view(
    container: Container,
    ref: str,
    size: int,
    image_types: tuple[ImageType, ...],
    checker: Checker,
    budget: DecodeBudget,
    *,
    expects_type: bool = True,
) -> ImageView:
    return ImageView(
        name=ref,
        size=size,
        load=functools.partial(container.read_image, ref),
        types=image_types,
        limits=checker.settings.limits,
        entry=ref,
        chain=container.chain,
        expects_type=expects_type,
        budget=budget,
    )


def _check_images(views: list[ImageView], checker: Checker, budget: DecodeBudget) -> None:
    """Run the image rules on ``views``, in order. With more than one job, the images are
    decoded on a pool of threads, a few ahead of the rules (each read in this thread first:
    the container is not shared); what each image is found to be does not change."""
    jobs = checker.settings.jobs
    if jobs < 2 or len(views) < 2:
        for view in views:
            _check_image_view(view, checker)
        return
    from concurrent.futures import ThreadPoolExecutor

    ahead = SharedBudget(budget.remaining)
    with ThreadPoolExecutor(jobs, thread_name_prefix="assetcheck-decode") as pool:
        pending: collections.deque[tuple[ImageView, Callable[[], None]]] = collections.deque()
        for view in views:
            pending.append((view, view.probe_in(pool, ahead)))
            while len(pending) > jobs:
                _settle(*pending.popleft(), checker)
        while pending:
            _settle(*pending.popleft(), checker)


def _settle(view: ImageView, settle: Callable[[], None], checker: Checker) -> None:
    settle()
    _check_image_view(view, checker)


def _check_image_view(view: ImageView, checker: Checker) -> None:
    checker.run(view)
    if view.read_error is not None:
        checker.run(FileProblem("unreadable", view.read_error, entry=view.entry, chain=view.chain))


def _check_source(target: Target, checker: Checker, result: FileReport) -> None:
    limits = checker.settings.limits
    tree = SourceTreeView(target.path, limits)
    descriptor = DescriptorView(tree, limits, in_source=True)
    marketing = MarketingView(tree, limits, in_source=True)
    checker.run(descriptor)
    checker.run(marketing)
    refs = referenced_images(descriptor, marketing, checker.settings.image_types)
    only = _changed_images(target)
    # Every image of the tree is checked, referenced or not (a broken unreferenced image is
    # still broken), and so is every changed image the command line names.
    names = set(tree.image_files()) | set(refs)
    if only is not None:
        names = (names & only) | only
    budget = DecodeBudget(limits.max_decoded_pixels)
    views = [
        _image_view(
            tree, name, size, refs.get(name, ()), checker, budget, expects_type=name in refs
        )
        for name in sorted(names)
        if (size := tree.size_of(name)) is not None  # a missing one is the descriptor's
    ]
    _check_images(views, checker, budget)
    for view in views:
        if view.sha256 is not None:
            result.assets[view.name] = CheckedAsset(
                view.name, view.size, view.sha256, tuple(t.name for t in view.types)
            )
    # Every file of the tree goes into the jar: its text is scanned too (the secrets rules),
    # the changed files' when the tree was found from them (what the commit adds).
    changed = _changed_files(target)
    checker.run(TextEntriesView(tree, TextBudget(), last=True, only=changed))


def _changed_files(target: Target) -> frozenset[str] | None:
    """The changed files of a source tree, relative to it; None: the whole tree."""
    if not target.changed:
        return None
    root = os.path.abspath(target.path)
    return frozenset(
        Path(os.path.relpath(os.path.abspath(p), root)).as_posix() for p in target.changed
    )


def _changed_images(target: Target) -> set[str] | None:
    """The images to check in a source tree: all (None), or only the changed ones.

    A changed descriptor can change what every image is checked as, so it means all of them.
    """
    changed = _changed_files(target)
    if changed is None or any(p.name in DESCRIPTOR_NAMES for p in target.changed):
        return None
    return set(changed)


def _check_image(target: Target, checker: Checker, result: FileReport) -> None:
    limits = checker.settings.limits
    types = checker.settings.image_types
    image_type = types.get(target.image_type) if target.image_type else None
    with target.path.open("rb") as handle:
        before = _identity(handle)
        size = before[0]
        # Read once: the bytes hashed are the bytes probed.
        data = handle.read(limits.max_image_bytes + 1) if size <= limits.max_image_bytes else None
        after = _identity(handle)
    if data is not None:
        size = len(data)
        result.sha256 = hashlib.sha256(data).hexdigest()
    else:
        size, result.sha256 = file_digest(target.path)
    result.size = size
    view = ImageView(
        name=display(target.path.name),
        size=size,
        load=lambda: data,
        types=(image_type,) if image_type else (),
        limits=limits,
    )
    checker.run(view)
    if after != before or (data is not None and len(data) != before[0]):
        checker.run(FileProblem("changed", _change(before, after)))
