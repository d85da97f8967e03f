"""One check run over a project: what the command line and the configuration files ask for,
turned into settings per checked file, then the engine, then the policy step.

Each target uses the nearest configuration at or above it (``--config`` names one for all,
``--isolated`` uses none); the command line's options are laid over every one of them. The
run-wide values (``fail-on``, ``ledger``, ``base-url``) come from the configuration that
governs the current directory, or ``--config``.
"""

from __future__ import annotations

import collections
import contextvars
import dataclasses
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assetcheck.baseline import Baseline, apply_baseline
from assetcheck.config import Config, find_config, load_config
from assetcheck.engine import check_target
from assetcheck.findings import Severity
from assetcheck.paths import display
from assetcheck.policy import mark_file, relative_to
from assetcheck.registry import RuleSet
from assetcheck.report.model import FileReport, Report
from assetcheck.settings import Settings
from assetcheck.targets import Target, discover

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor


@dataclass(frozen=True)
class Options:
    """What the command line said about a check; None (or empty) leaves the config's value."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fail_on: Severity | None = None
    image_type: str | None = None
    config: Path | None = None
    isolated: bool = False
    jobs: int | None = None

    def overrides(self) -> dict[str, Any]:
        given = {
            "select": self.select,
            "ignore": self.ignore,
            "fail_on": self.fail_on,
            "image_type": self.image_type,
            "jobs": self.jobs,
        }
        return {name: value for name, value in given.items() if value is not None}


@dataclass
class Project:
    """The configurations of a run, each read and validated once."""

    rules: RuleSet
    options: Options = field(default_factory=Options)
    _configs: dict[Path | None, Config] = field(default_factory=dict)
    _folders: dict[Path, Path | None] = field(default_factory=dict)
    _settings: dict[Path | None, Settings] = field(default_factory=dict)
    _selected: dict[Path | None, RuleSet] = field(default_factory=dict)

    def config_for(self, path: Path) -> Config:
        """The configuration governing ``path`` (ConfigError when it is invalid)."""
        if self.options.isolated:
            found = None
        elif self.options.config is not None:
            found = self.options.config
        else:
            found = find_config(path, self._folders)
        if found not in self._configs:
            self._configs[found] = Config(None) if found is None else load_config(found, self.rules)
        return self._configs[found]

    @property
    def config(self) -> Config:
        """The run's own configuration: the one governing the current directory."""
        return self.config_for(Path.cwd())

    def settings_for(self, path: Path) -> Settings:
        """The defaults, the configuration governing ``path``, then the command line."""
        config = self.config_for(path)
        if config.path not in self._settings:
            self._settings[config.path] = dataclasses.replace(
                config.settings(Settings()), **self.options.overrides()
            )
        return self._settings[config.path]

    @property
    def settings(self) -> Settings:
        """The run-wide settings (fail-on): those of the current directory's configuration."""
        return self.settings_for(Path.cwd())

    def rules_for(self, path: Path) -> RuleSet:
        """The rules the settings of ``path`` select (integrity rules always)."""
        key = self.config_for(path).path
        if key not in self._selected:
            settings = self.settings_for(path)
            self._selected[key] = self.rules.only(
                lambda r: settings.selects(r.code, integrity=r.integrity)
            )
        return self._selected[key]

    def project_path(self, file: FileReport) -> str:
        """``file``'s path relative to its project root (baseline identity, report links)."""
        root = self.settings_for(Path(file.path)).root
        return relative_to(file.path, root) or display(os.path.abspath(file.path))


def _checked(targets: Iterable[Target], project: Project) -> Iterator[tuple[FileReport, Settings]]:
    """Each target's report (and its settings), in order.

    Loose images are checked on a pool of threads, a few ahead (decoding one releases the
    GIL), each in a copy of this thread's context (the rule data it sets is its own);
    artifacts and source trees are checked here, with the pool shut down first (an artifact
    forks its child only when no other thread runs), and use a second core themselves.
    """
    pool: ThreadPoolExecutor | None = None
    pending: collections.deque[tuple[Callable[[], FileReport], Settings]] = collections.deque()
    try:
        for target in targets:
            settings = project.settings_for(target.path)
            rules = project.rules_for(target.path)
            if target.kind == "image" and target.image_type is None:
                image_type = settings.image_type_for(target.path)
                target = dataclasses.replace(target, image_type=image_type)
            if target.kind == "image" and settings.jobs > 1:
                if pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    pool = ThreadPoolExecutor(settings.jobs, "assetcheck-image")
                context = contextvars.copy_context()
                result: Callable[[], FileReport] = pool.submit(
                    context.run, check_target, target, settings, rules
                ).result
            else:
                if pool is not None:  # no idle threads while an artifact may fork its child
                    while pending:
                        checked, its_settings = pending.popleft()
                        yield checked(), its_settings
                    pool.shutdown()
                    pool = None
                result = _ready(check_target(target, settings, rules))
            pending.append((result, settings))
            while len(pending) > 2 * settings.jobs:
                checked, its_settings = pending.popleft()
                yield checked(), its_settings
        while pending:
            checked, its_settings = pending.popleft()
            yield checked(), its_settings
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _ready(file: FileReport) -> Callable[[], FileReport]:
    return lambda: file


def check(paths: Iterable[Path], project: Project, baseline: Baseline | None = None) -> Report:
    """Check every target in ``paths`` under its own settings, then apply the policy step.

    A path that cannot be checked at all is a TargetError; an invalid configuration a
    ConfigError. Both are usage errors, raised before any file is checked.
    """
    paths = list(paths)
    for path in paths:  # every configuration is validated before anything is checked
        project.settings_for(path)
    found = discover(paths, project.options.image_type)
    report = Report(notices=found.notices)
    for file, settings in _checked(found.targets, project):
        mark_file(
            file,
            severity=settings.severity,
            per_path_ignores=settings.per_path_ignores,
            root=settings.root,
        )
        report.files.append(file)
    if baseline is not None:
        apply_baseline(report, baseline, project.project_path)
    return report
