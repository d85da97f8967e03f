"""What the CI-format tests share: one small fixed report, and one real run over samples/.

The report has a finding of each kind of place (an archive's entry, a nested archive's entry, a
source tree's file, the file itself), of each severity, one integrity error, one suppressed
finding, and names that need escaping (a space, a comma, a colon, ``%``, non-ASCII, a line
break), all under a fixed root, so every format's output can be written out exactly.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from assetcheck import __version__, views
from assetcheck.cli import main
from assetcheck.findings import Finding, Severity
from assetcheck.registry import Rule, RuleSet
from assetcheck.report.model import FileReport, RenderContext, Report

ERROR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
ROOT = Path("/ci/project")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# The formats whose output the samples run keeps (json too, to compare with).
SAMPLE_FORMATS = ("json", "sarif", "junit", "github", "gitlab", "concise")


def _rule(code: str, severity: Severity, doc: str, integrity: bool = False) -> Rule:
    return Rule(code, severity, views.ImageView, lambda view: (), doc, __name__, integrity)


RULES = RuleSet(
    (
        _rule("MF012", ERROR, "An OSGi bundle lacks a valid `Bundle-SymbolicName`.\n\nMore."),
        _rule("XML001", ERROR, "The XML document is not well-formed.", integrity=True),
        _rule("ZIP020", WARN, "Two or more entries have exactly the same name."),
    )
)
CONTEXT = RenderContext(rules=RULES, root=ROOT, image_types_version="2026.1.1")


def ci_report() -> Report:
    """Three files, five active findings (2 errors, 2 warnings, 1 info) and one suppressed."""
    return Report(
        files=[
            FileReport(
                f"{ROOT}/target/my app-1.0.jar",
                "artifact",
                size=10,
                findings=[
                    Finding("MF012", ERROR, "bad name", "META-INF/MANIFEST.MF", "fix it", 7),
                    Finding("ZIP020", WARN, "twice: 100%", entry="lib/dép.jar!/a,b:c.txt"),
                    Finding("XML001", ERROR, "broken", integrity=True),
                ],
            ),
            FileReport(
                f"{ROOT}/src/main/resources",
                "source",
                findings=[
                    Finding("IMG010", WARN, "size\r\nwrong", "images/logo.png", "resize"),
                    Finding(
                        "DSC014",
                        WARN,
                        "no description",
                        "atlassian-plugin.xml",
                        line=3,
                        suppressed="per-path ignore src/**",
                    ),
                    Finding("IMG050", INFO, "no type", entry="images/extra.png"),
                ],
            ),
            FileReport("/elsewhere/logo.png", "image", image_type="logo"),
        ]
    )


@functools.cache
def samples_run() -> dict[str, Any]:
    """``assetcheck check samples`` run once from samples/, every format written by that one
    run: {"code": exit code, format: its text, ...}."""
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        reports = [f"--report={fmt}:{out / fmt}" for fmt in SAMPLE_FORMATS[1:]]
        os.chdir(SAMPLES)
        try:
            code = main(["check", "--format=json", f"--output={out / 'json'}", *reports, "."])
        finally:
            os.chdir(before)
        texts = {fmt: (out / fmt).read_text(encoding="utf-8") for fmt in SAMPLE_FORMATS}
    return {"code": code, **texts}


def samples_json() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(samples_run()["json"])
    return document


def active_findings(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path, finding) for every active finding of a JSON report."""
    return [
        (os.path.normpath(file["path"]), finding)
        for file in document["files"]
        for finding in file["findings"]
        if finding["suppressed"] is None
    ]


def sample_lines(fmt: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The samples run's report in a line-based format, after checking its first line names
    the versions and its last is the summary: (line, path, JSON finding) per active finding."""
    lines = samples_run()[fmt].splitlines()
    active = active_findings(samples_json())
    assert lines[0].startswith(f"assetcheck {__version__}, image-type table "), lines[0]
    assert lines[-1].startswith("Checked "), lines[-1]
    assert len(lines) == len(active) + 2
    pairs = zip(lines[1:-1], active, strict=True)
    return [(line, path, finding) for line, (path, finding) in pairs]


# The identities of ci_report()'s findings, pinned: a change here reopens every alert a
# scanning service has triaged, so it must be deliberate.
FINGERPRINTS = {
    "MF012": "da858047a2593506bf8bb6a2c16443f1cafe72b80ead9d79b17b7aed7e57b828",
    "ZIP020": "cb671f31ba2863f5043de71498314c9ef03945392a5181974e16d784b5faa55a",
    "XML001": "1139aa38c436b2b7af472fdb50ac926e6093b4dcbe3a266dddd6fbe665487539",
    "IMG010": "d4ea3075a3f3e6a1da558dc98ab8c9b496317652fb3a675a04f7eded90d1917c",
    "DSC014": "8f067fad1edc01a9211f9924fe333729dbc8e515322b04dbdfb1e514e1fec5a3",
    "IMG050": "52a13d27ce1dfaff7c38ce3bc28b93a70ee644465038c236bef596940fb6011b",
}
