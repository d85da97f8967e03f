"""The command line: parses options into settings, wires the pieces, prints, exits.

This is the only module that prints or exits, and the one error boundary: anything unexpected
becomes exit code 3 with a request to report it, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from assetcheck import __version__
from assetcheck.findings import Severity

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
REPORT_BUG = (
    "This is a bug in assetcheck; please report it with the command you ran and this message."
)


def _codes(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip().upper() for part in value.split(",") if part.strip())


def _validate_codes(option: str, prefixes: tuple[str, ...]) -> None:
    from assetcheck.registry import all_rules

    codes = [r.code for r in all_rules()]
    for prefix in prefixes:
        if not any(code.startswith(prefix) for code in codes):
            families = sorted({r.family for r in all_rules()})
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


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Exit 1 when any finding is at or above this severity.",
)
@click.option(
    "--select",
    metavar="CODES",
    help="Only run these rules (comma-separated code prefixes: ZIP, MF010, ...).",
)
@click.option(
    "--ignore",
    metavar="CODES",
    help="Skip these rules (comma-separated code prefixes).",
)
@click.option(
    "--image-type",
    metavar="TYPE",
    help="Check the image files given as this type (see `assetcheck image-types`).",
)
def check(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    fail_on: str,
    select: str | None,
    ignore: str | None,
    image_type: str | None,
) -> None:
    """Check PATHS: .jar and .obr artifacts, images, and plugin source trees.

    A directory is walked for artifacts, images and source trees (folders holding
    atlassian-plugin.xml). A file inside a source tree, such as a changed image or descriptor
    passed by a pre-commit hook, checks that tree.

    Exit codes: 0 no findings at or above --fail-on; 1 findings; 2 usage error;
    3 internal error (please report it).
    """
    from assetcheck.engine import Settings, check_paths
    from assetcheck.report import render
    from assetcheck.targets import TargetError

    selected, ignored = _codes(select), _codes(ignore)
    _validate_codes("--select", selected)
    _validate_codes("--ignore", ignored)
    _validate_image_type(image_type)
    settings = Settings(
        select=selected, ignore=ignored, fail_on=Severity.parse(fail_on), image_type=image_type
    )
    try:
        report = check_paths(paths, settings)
    except TargetError as error:
        raise click.UsageError(str(error)) from None
    if output is not None:
        output.write_text(render(report, fmt), encoding="utf-8")
    else:
        click.echo(render(report, fmt, color=fmt == "text" and _is_terminal()), nl=False)
    if report.internal_errors:
        for message in report.internal_errors:
            click.echo(f"internal error: {message}", err=True)
        click.echo(REPORT_BUG, err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_FINDINGS if report.fails(settings.fail_on) else EXIT_OK)


@cli.command("rules")
@click.argument("code", required=False)
def rules_command(code: str | None) -> None:
    """List every rule, or print the full documentation of CODE."""
    from assetcheck.registry import all_rules, get_rule

    if code is None:
        for rule in all_rules():
            click.echo(f"{rule.code:<8} {rule.severity.label:<8} {rule.summary}")
        return
    found = get_rule(code)
    if found is None:
        raise click.BadParameter(
            f"no rule {code!r}; `assetcheck rules` lists them", param_hint="CODE"
        )
    click.echo(f"{found.code} ({found.severity.label} by default)\n")
    click.echo(found.doc)


def _validate_image_type(name: str | None) -> None:
    from assetcheck.image_types import default_image_types

    if name is not None and name not in default_image_types():
        known = ", ".join(default_image_types())
        raise click.BadParameter(
            f"unknown image type {name!r} (known: {known})", param_hint="--image-type"
        )


@cli.command("image-types")
def image_types_command() -> None:
    """Print the image-type table: accepted sizes, formats and limits of each type.

    The table is data (rules/image_types.toml). Size checks of a type whose numbers are a
    convention or unknown are warnings; official numbers give errors.
    """
    from assetcheck.image_types import default_image_types, format_size

    rows = [("type", "sizes", "formats", "max size", "upload as", "status")]
    for image_type in default_image_types().values():
        if image_type.sizes:
            sizes = " or ".join(format_size(s) for s in image_type.sizes)
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
                image_type.upload_type,
                image_type.status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: the one place that turns unexpected exceptions into exit code 3."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="assetcheck")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as error:
        click.echo(
            f"assetcheck: internal error: {type(error).__name__}: {error}\n{REPORT_BUG}",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
