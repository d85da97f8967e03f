"""Everything a rule module may use. Rules import from here and nowhere else in assetcheck."""

from assetcheck.findings import Problem, Severity
from assetcheck.readers.manifest import Header, Manifest
from assetcheck.readers.xml import XmlIssue
from assetcheck.readers.zipreader import ZipEntry, ZipIssue
from assetcheck.registry import rule
from assetcheck.views import (
    ArchiveView,
    DescriptorView,
    DocumentView,
    ManifestView,
    MarketingView,
    ObrView,
    normalise_ref,
)

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO

__all__ = [
    "ERROR",
    "INFO",
    "WARNING",
    "ArchiveView",
    "DescriptorView",
    "DocumentView",
    "Header",
    "Manifest",
    "ManifestView",
    "MarketingView",
    "ObrView",
    "Problem",
    "Severity",
    "XmlIssue",
    "ZipEntry",
    "ZipIssue",
    "normalise_ref",
    "rule",
]
