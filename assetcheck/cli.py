"""The command line: parses options into settings, wires the pieces, prints, exits.

This is the only module that prints or exits, and the one error boundary: anything unexpected
becomes exit code 3 with a request to report it, never a traceback.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from assetcheck import __version__
from assetcheck.findings import Severity
from assetcheck.paths import display
from assetcheck.report import FORMATS
from assetcheck.settings import DEFAULT_CLIENT, MAX_JOBS

if TYPE_CHECKING:
    from assetcheck.project import Options, Project
    from assetcheck.registry import RuleSet
    from assetcheck.report.model import RenderContext, Report
    from assetcheck.settings import Settings

T = TypeVar("T")

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_UPLOAD_FAILED = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it
REPORT_BUG = (
    "This is a bug in assetcheck; please report it with the command you ran and this message."
)


def _codes(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip().upper() for part in value.split(",") if part.strip())


@functools.cache
def catalogue() -> RuleSet:
    """The rule set assetcheck ships: built here, once, and handed to the engine."""
    from assetcheck import rules
    from assetcheck.registry import RuleSet

    return RuleSet.from_modules(rules.MODULES)


def _validate_codes(option: str, prefixes: tuple[str, ...]) -> None:
    for prefix in prefixes:
        if not catalogue().matches(prefix):
            families = catalogue().families
            raise click.BadParameter(
                f"{prefix!r} matches no rule code (families: {', '.join(families)}; "
                "see `assetcheck rules`)",
                param_hint=option,
            )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="assetcheck")
def cli() -> None:
    """Check Atlassian Marketplace artifacts (.jar, .obr) and listing images before upload.

    Start with `assetcheck check PATH...`; `assetcheck rules` lists every check.
    """


def server_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--base-url, --user, --token-stdin, --timeout and --deadline, for every command that calls."""
    options = [
        click.option(
            "--base-url",
            metavar="URL",
            help="Marketplace REST API root (env ASSETCHECK_BASE_URL).  "
            "[default: https://marketplace.atlassian.com/rest/2]",
        ),
        click.option(
            "--user",
            metavar="EMAIL",
            help="Account email; the API token comes from --token-stdin or a prompt.",
        ),
        click.option("--token-stdin", is_flag=True, help="Read the API token from standard input."),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            default=DEFAULT_CLIENT.read_timeout,
            show_default=True,
            help="Seconds to wait for each read or write of a request.",
        ),
        click.option(
            "--deadline",
            type=click.FloatRange(min=1),
            default=DEFAULT_CLIENT.deadline,
            show_default=True,
            help="Seconds one file's upload (or one request) may take in all, retries and "
            "waits included; a server that sends slowly is given up on then.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def ledger_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--ledger",
        "ledger_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="The ledger database (env ASSETCHECK_LEDGER).  [default: .assetcheck/ledger.db]",
    )(function)


@dataclass(frozen=True)
class CheckRequest:
    """The options of `check` (and of `upload`, which checks first), parsed once."""

    paths: tuple[Path, ...]
    fmt: str
    output: Path | None
    reports: tuple[tuple[str, Path], ...]
    options: Options
    baseline: Path | None
    write_baseline: Path | None


def _report_spec(
    context: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, Path], ...]:
    specs = []
    for value in values:
        fmt, colon, path = value.partition(":")
        if not colon or not path or fmt not in FORMATS:
            raise click.BadParameter(
                f"{value!r}: expected FORMAT:PATH with FORMAT one of {', '.join(FORMATS)} "
                "(e.g. sarif:assetcheck.sarif)",
                ctx=context,
                param=param,
            )
        specs.append((fmt, Path(path)))
    return tuple(specs)


CHECK_PARAMS = (
    "paths",
    "fmt",
    "output",
    "reports",
    "fail_on",
    "select",
    "ignore",
    "image_type",
    "config",
    "isolated",
    "baseline",
    "write_baseline",
    "jobs",
)


def check_options(
    function: Callable[..., Any], *, paths_required: bool = True
) -> Callable[..., Any]:
    """The options of `check`, shared by `upload` and `hook`, handed over as one ``request``."""
    options = [
        click.argument(
            "paths",
            nargs=-1,
            required=paths_required,
            type=click.Path(path_type=Path, exists=False),
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default="text",
            show_default=True,
            help="Report format (the README describes each).",
        ),
        click.option(
            "--output",
            "-o",
            type=click.Path(path_type=Path),
            help="Write the report to FILE instead of standard output (replaced whole, "
            "only if it is not an input and is absent or an earlier report).",
        ),
        click.option(
            "--report",
            "reports",
            metavar="FORMAT:PATH",
            multiple=True,
            callback=_report_spec,
            help="Also write a report in FORMAT to PATH (repeatable), e.g. sarif:out.sarif; "
            "the terminal keeps the --format report.",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(["error", "warning"]),
            help="Findings at or above this severity fail the run (and block uploads).  "
            "[default: error, or the config's fail-on]",
        ),
        click.option(
            "--select",
            metavar="CODES",
            help="Only run these rules (comma-separated code prefixes: ZIP, MF010, ...); "
            "replaces the config's select.",
        ),
        click.option(
            "--ignore",
            metavar="CODES",
            help="Skip these rules (comma-separated code prefixes); replaces the config's ignore.",
        ),
        click.option(
            "--image-type",
            metavar="TYPE",
            help="Check the image files given as this type (see `assetcheck image-types`); "
            "overrides the config's image-types globs.",
        ),
        click.option(
            "--config",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Use this configuration file (assetcheck.toml, or a pyproject.toml with "
            "[tool.assetcheck]) for every path, instead of the nearest one above each.",
        ),
        click.option(
            "--isolated", is_flag=True, help="Ignore every configuration file: defaults only."
        ),
        click.option(
            "--baseline",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Findings this baseline records are reported as baselined, not failures.",
        ),
        click.option(
            "--write-baseline",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Record this run's findings in FILE as the baseline (then they pass).",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(1, MAX_JOBS),
            help=f"Cores one check may use (1 to {MAX_JOBS}): 2 verifies a large artifact "
            "on both and decodes images on two threads; the report is the same.  "
            "[default: the cores available, at most 2]",
        ),
    ]
    for option in reversed(options):
        function = option(function)

    @functools.wraps(function)
    def with_request(**kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in CHECK_PARAMS}
        return function(request=_request(given), **kwargs)

    return with_request


def _request(given: dict[str, Any]) -> CheckRequest:
    from assetcheck.project import Options

    selected = _codes(given["select"]) if given["select"] is not None else None
    ignored = _codes(given["ignore"]) if given["ignore"] is not None else None
    _validate_codes("--select", selected or ())
    _validate_codes("--ignore", ignored or ())
    if given["config"] is not None and given["isolated"]:
        raise click.UsageError("--config and --isolated exclude each other")
    if given["config"] is not None and not given["config"].is_file():
        raise click.BadParameter(f"{display(given['config'])}: no such file", param_hint="--config")
    options = Options(
        select=selected,
        ignore=ignored,
        fail_on=Severity.parse(given["fail_on"]) if given["fail_on"] else None,
        image_type=given["image_type"],
        config=given["config"],
        isolated=given["isolated"],
        jobs=given["jobs"],
    )
    return CheckRequest(
        paths=given["paths"],
        fmt=given["fmt"],
        output=given["output"],
        reports=given["reports"],
        options=options,
        baseline=given["baseline"],
        write_baseline=given["write_baseline"],
    )


@dataclass
class CheckRun:
    """What a check produced, and what its reporters need."""

    report: Report
    project: Project
    context: RenderContext

    @property
    def fail_on(self) -> Severity:
        return self.project.settings.fail_on


def _run_checks(request: CheckRequest) -> CheckRun:
    from assetcheck.baseline import BaselineError, apply_baseline, load_baseline, render_baseline
    from assetcheck.config import ConfigError
    from assetcheck.project import Project, check
    from assetcheck.report.model import RenderContext
    from assetcheck.targets import TargetError

    project = Project(catalogue(), request.options)
    try:
        settings = project.settings
        for path in request.paths:
            project.settings_for(path)
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    _validate_image_type(request.options.image_type, settings)
    _validate_inflate_backend()
    destinations = [request.output, *(path for _, path in request.reports)]
    if request.write_baseline is not None:
        destinations.append(request.write_baseline)
    for destination in destinations:
        if destination is not None:
            _validate_output(destination, request.paths)
    try:
        baseline = load_baseline(request.baseline) if request.baseline is not None else None
    except BaselineError as error:
        raise click.BadParameter(str(error), param_hint="--baseline") from None
    try:
        report = check(request.paths, project, baseline)
    except TargetError as error:
        raise click.UsageError(str(error)) from None
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    for notice in report.notices:
        click.echo(f"assetcheck: warning: {notice}", err=True)
    if request.write_baseline is not None:
        from assetcheck.baseline import load_baseline_text

        text = render_baseline(report, project.project_path)
        _emit(text, request.write_baseline)
        recorded = load_baseline_text(text, request.write_baseline)
        apply_baseline(report, recorded, project.project_path)
        count = sum(recorded.counts.values())
        click.echo(
            f"assetcheck: wrote the baseline {display(request.write_baseline)} "
            f"({count:,} finding{'' if count == 1 else 's'}).",
            err=True,
        )
    context = RenderContext(
        rules=catalogue(),
        root=project.config.root,
        image_types_version=settings.image_types_version,
        fail_on=settings.fail_on,
        image_types=settings.image_types,
    )
    return CheckRun(report, project, context)


def _validate_output(output: Path, inputs: tuple[Path, ...]) -> None:
    """Refuse an --output that would destroy something: an input, or a file not a report."""
    from assetcheck.report.output import OutputError, check_output_target

    try:
        check_output_target(output, inputs)
    except OutputError as error:
        raise click.BadParameter(str(error), param_hint="--output") from None


def _emit(text: str, output: Path | None, *, color: bool = False) -> None:
    if output is None:
        # A file name that is not UTF-8 must not crash the report it appears in.
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        click.echo(text, nl=False, color=True if color else None)
        return
    from assetcheck.report.output import OutputError, write_report

    try:
        write_report(output, text)
    except OutputError as error:
        click.echo(f"assetcheck: error: {error}", err=True)
        sys.exit(EXIT_USAGE)


def _exit_on_internal_errors(report: Report) -> None:
    if report.internal_errors:
        for message in report.internal_errors:
            click.echo(f"internal error: {message}", err=True)
        click.echo(REPORT_BUG, err=True)
        sys.exit(EXIT_INTERNAL)


@cli.command()
@check_options
def check(request: CheckRequest) -> None:
    """Check PATHS: .jar and .obr artifacts, images, and plugin source trees.

    A directory is walked for artifacts, images and source trees (folders holding
    atlassian-plugin.xml). A file inside a source tree, such as a changed image or descriptor
    passed by a pre-commit hook, checks that tree. Each path uses the nearest configuration
    at or above it (assetcheck.toml, or [tool.assetcheck] in pyproject.toml).

    Exit codes: 0 no findings at or above --fail-on; 1 findings; 2 usage error;
    3 internal error (please report it).
    """
    _check(request)


def _check(request: CheckRequest) -> NoReturn:
    run = _run_checks(request)
    report = run.report
    if not report.files:
        click.echo(
            "assetcheck: warning: no artifacts, images or plugin source trees found in "
            + ", ".join(display(p) for p in request.paths),
            err=True,
        )
    _emit_reports(run, request)
    _exit_on_internal_errors(report)
    sys.exit(EXIT_FINDINGS if report.fails(run.fail_on) else EXIT_OK)


@cli.command()
@functools.partial(check_options, paths_required=False)
def hook(request: CheckRequest) -> None:
    """The pre-commit hook: check the changed PATHS and every tree the commit deletes from.

    pre-commit passes the files a commit adds or changes; a deleted image a descriptor still
    references breaks the listing too, so the source trees that held the files the commit
    deletes (from git: the index, or PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF) are checked
    whole. Nothing changed and nothing deleted passes quietly. Exit codes: those of `check`.
    """
    from assetcheck.vcs import GitError, deleted_files, trees_of

    try:
        trees = trees_of(deleted_files())
    except GitError as error:
        trees = []
        click.echo(f"assetcheck: warning: deleted files not checked: {error}", err=True)
    paths = tuple(dict.fromkeys([*request.paths, *trees]))
    if not paths:
        sys.exit(EXIT_OK)
    _check(dataclasses.replace(request, paths=paths))


def _emit_reports(run: CheckRun, request: CheckRequest, *, main: str | None = None) -> None:
    """The --format report (``main``, when the caller rendered it), then every --report."""
    from assetcheck.report import render

    color = request.fmt == "text" and request.output is None and _use_color()
    if main is None:
        main = render(run.report, request.fmt, color=color, context=run.context)
    _emit(main, request.output, color=color)
    for fmt, path in request.reports:
        _emit(render(run.report, fmt, context=run.context), path)
    written = [request.output] if request.output is not None else []
    written += [path for _, path in request.reports]
    if written:
        # A CI log must not be empty when the report went to a file: say where, and the gist
        # (unless the terminal shows the text report, which ends with it).
        from assetcheck.report.text import summary_line

        where = ", ".join(display(p) for p in written)
        shown = request.output is None and request.fmt == "text"
        gist = "" if shown else " " + summary_line(run.report)
        click.echo(f"assetcheck: wrote {where}.{gist}", err=True)


@cli.command()
@check_options
@server_options
@ledger_option
@click.option(
    "--dry-run", is_flag=True, help="Check, then show what would be uploaded; send nothing."
)
@click.option("--force", is_flag=True, help="Upload files the ledger already has for this server.")
@click.option(
    "--no-check",
    is_flag=True,
    help="Upload even files with findings (the checks still run and are reported). Dangerous.",
)
def upload(
    request: CheckRequest,
    base_url: str | None,
    user: str | None,
    token_stdin: bool,
    timeout: float,
    deadline: float,
    ledger_path: Path | None,
    dry_run: bool,
    force: bool,
    no_check: bool,
) -> None:
    """Check PATHS, then upload what passes to the Marketplace and record it in the ledger.

    Artifacts (.jar, .obr) go to the artifact endpoint. Images need a type: from --image-type,
    or, for the images of a plugin source tree, from its descriptors. Files with findings at
    or above --fail-on are not uploaded. A file the ledger already has for this server is
    skipped and its recorded link printed (--force uploads it again).

    Exit codes: those of `check` (1 also when PATHS hold nothing to upload), and 4 when any
    upload failed after its retries.
    """
    from assetcheck.cli_upload import make_client, open_ledger, read_ledger, run_uploads
    from assetcheck.client.urls import BASE_URL_ENV
    from assetcheck.ledger import LEDGER_ENV
    from assetcheck.report.uploads import render_upload
    from assetcheck.upload import plan_uploads

    run = _run_checks(request)
    report, settings, paths = run.report, run.project.settings, request.paths
    _exit_on_internal_errors(report)
    if not report.files:
        # Nothing checked is nothing passed: a mistyped CI path must not pass a release step.
        # Exit 1, not 2: the command line was fine, the paths just held nothing to upload.
        _nothing_to_upload(paths, "no artifacts, images or plugin source trees found")
    if no_check:
        click.secho(
            "WARNING: --no-check: uploading without the check gate; findings are not blocking.",
            err=True,
            fg="red",
            bold=True,
        )
    items, held = plan_uploads(report, settings, gate=not no_check)
    # Files were found but none is an upload (e.g. a source tree without listing images):
    # no credentials are asked for, the report is shown, and the run does not pass.
    nothing = not items and not held
    outcomes = []
    if not nothing:
        config = run.project.config
        chosen = _configured(base_url, BASE_URL_ENV, config.values.get("base-url"))
        if chosen is not None and chosen is not base_url and not dry_run:
            _refuse_foreign_base_url(chosen, config.path)
        client = make_client(
            chosen,
            user,
            token_stdin,
            timeout,
            deadline,
            authenticate=not dry_run,
        )
        ledger_path = _configured(ledger_path, LEDGER_ENV, config.path_value("ledger"))
        # A dry run writes nothing: the ledger is read, never created or migrated.
        with read_ledger(ledger_path) if dry_run else open_ledger(ledger_path) as ledger:
            outcomes = run_uploads(client, ledger, items, force=force, dry_run=dry_run)
    color = request.fmt == "text" and request.output is None and _use_color()
    main, aside = render_upload(
        report, outcomes, held, request.fmt, color=color, context=run.context
    )
    _emit_reports(run, request, main=main)
    if aside:
        click.echo(aside, nl=False, err=True)
    if nothing:
        _nothing_to_upload(paths, "none of the files found is an artifact or a listing image")
    if any(o.status == "failed" for o in outcomes):
        sys.exit(EXIT_UPLOAD_FAILED)
    # A file held back (findings, no image type) was asked for and not uploaded: not a pass.
    failed_checks = report.fails(settings.fail_on) and not no_check
    sys.exit(EXIT_FINDINGS if failed_checks or held else EXIT_OK)


def _refuse_foreign_base_url(url: str, config_path: Path | None) -> None:
    """A repository's configuration must not send the pipeline's token to another host: a
    pull request could otherwise point ``base-url`` at a server of its own. Another host is
    for whoever runs the upload to name (``--base-url``, ``ASSETCHECK_BASE_URL``)."""
    from assetcheck.client.urls import BadBaseUrl, base_url_host, normalize_base_url
    from assetcheck.settings import DEFAULT_BASE_URL

    try:
        host = base_url_host(normalize_base_url(url))
    except BadBaseUrl as error:
        raise click.UsageError(str(error)) from None
    if host != base_url_host(DEFAULT_BASE_URL):
        where = display(config_path) if config_path is not None else "the configuration"
        raise click.UsageError(
            f"base-url {url} comes from {where}: a project's configuration may not send your "
            f"credentials to a host other than {base_url_host(DEFAULT_BASE_URL)}. If that host "
            f"is yours, name it where the pipeline is set up: --base-url {url} "
            "(or ASSETCHECK_BASE_URL)."
        )


def _configured(option: T | None, env: str, configured: T | None) -> T | None:
    """An option's value: the command line's, else (when its variable is unset) the config's;
    None leaves the variable and the default to the option's resolver."""
    if option is not None or os.environ.get(env):
        return option
    return configured


def _nothing_to_upload(paths: tuple[Path, ...], what: str) -> NoReturn:
    click.echo(
        f"assetcheck: error: nothing to upload: {what} in " + ", ".join(display(p) for p in paths),
        err=True,
    )
    sys.exit(EXIT_FINDINGS)


@cli.command("fetch")
@click.argument("uri")
@server_options
@ledger_option
def fetch_command(
    uri: str,
    base_url: str | None,
    user: str | None,
    token_stdin: bool,
    timeout: float,
    deadline: float,
    ledger_path: Path | None,
) -> None:
    """Have the Marketplace fetch and validate the artifact at URI; record it in the ledger."""
    from assetcheck.cli_upload import make_client, open_ledger
    from assetcheck.client import MarketplaceError
    from assetcheck.ledger import LedgerError
    from assetcheck.upload import fetch

    client = make_client(base_url, user, token_stdin, timeout, deadline, authenticate=True)
    with open_ledger(ledger_path) as ledger:
        try:
            record = fetch(client, ledger, uri)
        except (MarketplaceError, LedgerError) as error:
            click.echo(f"assetcheck: {error}", err=True)
            sys.exit(EXIT_UPLOAD_FAILED)
    click.echo(f"{record.logical_file_name}  {record.self_link}")


@cli.command("ledger")
@ledger_option
@click.option("--key", help="Only rows of this app key.")
@click.option("--version", "app_version", help="Only rows of this app version.")
@click.option("--kind", type=click.Choice(["artifact", "image"]), help="Only this kind.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def ledger_command(
    ledger_path: Path | None,
    key: str | None,
    app_version: str | None,
    kind: str | None,
    fmt: str,
) -> None:
    """List what was uploaded: one row per accepted upload or fetch, oldest first.

    Uploads still pending (in progress, or left by a run that stopped) are not rows: a note on
    stderr says they exist.
    """
    from assetcheck.cli_upload import (
        echo_json,
        read_ledger,
        record_to_dict,
        render_pending,
        render_records,
    )

    with read_ledger(ledger_path) as ledger:
        records = (
            ledger.query(key=key, version=app_version, kind=kind)  # type: ignore[arg-type]
            if ledger is not None
            else []
        )
        pending = ledger.pending() if ledger is not None else []
    if fmt == "json":
        echo_json([record_to_dict(r) for r in records])
    else:
        click.echo(render_records(records), nl=False)
    if pending:
        click.echo(render_pending(pending), nl=False, err=True)


@cli.group("assets")
def assets() -> None:
    """Look at or delete assets stored on the Marketplace."""


@assets.command("links")
@server_options
def assets_links(
    base_url: str | None, user: str | None, token_stdin: bool, timeout: float, deadline: float
) -> None:
    """Print the links of the assets resource (GET /assets)."""
    from assetcheck.cli_upload import echo_json, make_client

    client = make_client(
        base_url, user, token_stdin, timeout, deadline, authenticate=user is not None
    )
    links = _call(client.links)
    echo_json(asdict(links))


@assets.command("show")
@click.argument("name")
@server_options
def assets_show(
    name: str,
    base_url: str | None,
    user: str | None,
    token_stdin: bool,
    timeout: float,
    deadline: float,
) -> None:
    """Print a stored asset's details; NAME is an asset name or its self link."""
    from assetcheck.cli_upload import echo_json, make_client

    client = make_client(
        base_url, user, token_stdin, timeout, deadline, authenticate=user is not None
    )
    echo_json(asdict(_call(lambda: client.get_asset(name))))


@assets.command("delete")
@click.argument("name")
@server_options
@click.option(
    "--yes", is_flag=True, help="Do not ask for confirmation (needed without a terminal)."
)
def assets_delete(
    name: str,
    base_url: str | None,
    user: str | None,
    token_stdin: bool,
    timeout: float,
    deadline: float,
    yes: bool,
) -> None:
    """Delete a stored asset you uploaded that nothing uses yet; NAME as for `show`."""
    from assetcheck.cli_upload import fail, make_client

    if not yes:
        if not sys.stdin.isatty():
            fail("refusing to delete without confirmation: pass --yes")
        click.confirm(f"Delete asset {name} from the Marketplace?", abort=True, err=True)
    client = make_client(base_url, user, token_stdin, timeout, deadline, authenticate=True)
    _call(lambda: client.delete_asset(name))
    click.echo(f"Deleted {name}.")


def _call(operation: Callable[[], T]) -> T:
    from assetcheck.client import MarketplaceError

    try:
        return operation()
    except MarketplaceError as error:
        click.echo(f"assetcheck: {error}", err=True)
        sys.exit(EXIT_UPLOAD_FAILED)


@cli.command("rules")
@click.argument("code", required=False)
def rules_command(code: str | None) -> None:
    """List every rule, or print the full documentation of CODE."""
    if code is None:
        for rule in catalogue():
            click.echo(f"{rule.code:<8} {rule.severity.label:<8} {rule.summary}")
        return
    found = catalogue().get(code)
    if found is None:
        raise click.BadParameter(
            f"no rule {code!r}; `assetcheck rules` lists them", param_hint="CODE"
        )
    kind = "; integrity: always runs, cannot be switched off" if found.integrity else ""
    click.echo(f"{found.code} ({found.severity.label} by default{kind})\n")
    click.echo(found.doc)


def _validate_image_type(name: str | None, settings: Settings) -> None:
    if name is not None and name not in settings.image_types:
        known = ", ".join(settings.image_types)
        raise click.BadParameter(
            f"unknown image type {name!r} (known: {known})", param_hint="--image-type"
        )


@cli.command("config")
@click.argument("path", required=False, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Show this configuration file instead of the one found for PATH.",
)
@click.option("--isolated", is_flag=True, help="Show the defaults, ignoring every file.")
def config_command(path: Path | None, config_file: Path | None, isolated: bool) -> None:
    """Print the configuration that governs PATH (default: the current directory).

    Each setting is printed with its value and where it came from: the file
    (assetcheck.toml, or [tool.assetcheck] in pyproject.toml, the nearest at or above PATH)
    or the default. Options given to `check` replace these for that run.
    """
    from assetcheck.config import ConfigError, effective
    from assetcheck.project import Options, Project

    project = Project(catalogue(), Options(config=config_file, isolated=isolated))
    target = path if path is not None else Path.cwd()
    try:
        config = project.config_for(target)
        settings = project.settings_for(target)
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    where = config.source if config.path is not None else "none found (defaults only)"
    click.echo(f"# configuration for {display(target)}: {where}")
    rows = effective(config, settings)
    width = min(60, max(len(f"{key} = {value}") for key, value, _ in rows))
    for key, value, source in rows:
        click.echo(f"{key} = {value}".ljust(width) + f"  # {source}")


@cli.command("image-types")
def image_types_command() -> None:
    """Print the image-type table: accepted sizes, formats and limits of each type.

    The table is data (rules/image_types.toml). Size checks of a type whose numbers are a
    convention or unknown are warnings; official numbers give errors. "upload as" is the
    {imageType} the Marketplace API takes ("-": the image lives in the jar and is never
    uploaded on its own). A size whose status differs from its type's is marked: 560x274 (copy).
    """
    from assetcheck.image_types import default_image_types, format_size

    rows = [("type", "sizes", "formats", "max size", "upload as", "status")]
    for image_type in default_image_types().values():
        if image_type.sizes:
            sizes = " or ".join(
                format_size(s)
                + (
                    f" ({image_type.status_of(s)})"
                    if image_type.status_of(s) != image_type.status
                    else ""
                )
                for s in image_type.sizes
            )
        elif image_type.min or image_type.max:
            low = f">= {format_size(image_type.min)}" if image_type.min else ""
            high = f"<= {format_size(image_type.max)}" if image_type.max else ""
            sizes = " ".join(part for part in (low, high) if part)
        else:
            sizes = "any"
        limit = f"{image_type.max_bytes // (1024 * 1024)} MiB" if image_type.max_bytes else "-"
        rows.append(
            (
                image_type.name,
                sizes,
                ",".join(image_type.formats),
                limit,
                image_type.upload_type or "-",
                image_type.status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _validate_inflate_backend() -> None:
    from assetcheck.readers import inflate

    try:
        inflate.selected()
    except inflate.BackendError as error:
        raise click.UsageError(f"{inflate.ENVIRONMENT}: {error}") from None


def _use_color() -> bool:
    """Colour on a terminal; FORCE_COLOR forces it (a CI log), NO_COLOR turns it off."""
    force = os.environ.get("FORCE_COLOR", "")
    if force and force != "0":
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def main(argv: Sequence[str] | None = None) -> int:
    """Run assetcheck with ``argv`` and return its exit code; never raises.

    The one error boundary: usage errors are 2, an interrupt 130, and anything unexpected
    becomes exit code 3 with a request to report it, never a traceback.
    """
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        returned = cli.main(args=args, prog_name="assetcheck", standalone_mode=False)
    except SystemExit as exit_:
        return _exit_code(exit_.code)
    except click.exceptions.Abort as abort:
        # Click turns Ctrl-C (and EOF at a prompt) into Abort: an interrupt is still 130.
        # Its main() chains the interrupt as the cause; its prompts raise Abort from None,
        # which leaves it as the context.
        if isinstance(abort.__cause__ or abort.__context__, KeyboardInterrupt):
            click.echo("interrupted", err=True)
            return EXIT_INTERRUPTED
        click.echo("Aborted.", err=True)
        return EXIT_FINDINGS
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as error:
        click.echo(
            f"assetcheck: internal error: {type(error).__name__}: {error}\n{REPORT_BUG}",
            err=True,
        )
        return EXIT_INTERNAL
    return returned if isinstance(returned, int) else EXIT_OK


def _exit_code(code: object) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    click.echo(str(code), err=True)
    return EXIT_FINDINGS
