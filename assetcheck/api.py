"""Everything a rule module may use. Rules import from here and nowhere else in assetcheck."""

from __future__ import annotations

from assetcheck.characters import BIDI as BIDI_CHARACTERS
from assetcheck.characters import CONTROL as CONTROL_CHARACTERS
from assetcheck.characters import INVISIBLE as INVISIBLE_CHARACTERS
from assetcheck.deferred import defer
from assetcheck.findings import Problem, Severity
from assetcheck.image_types import FORMATS as UPLOAD_FORMATS
from assetcheck.image_types import ImageType, format_size
from assetcheck.names import (
    DESCRIPTOR,
    IMAGE_SUFFIXES,
    MANIFEST,
    OBR_XML,
    has_placeholder,
)
from assetcheck.osgi import (
    GrammarError,
    ParsedHeader,
    Version,
    excerpt,
    parse_bundle_symbolic_name,
    parse_export_package,
    parse_import_package,
    parse_version,
)
from assetcheck.readers.kinds import ManifestKind, ReadIssue, XmlKind, ZipKind
from assetcheck.readers.manifest import Header, Manifest
from assetcheck.registry import rule
from assetcheck.ruledata import rule_data
from assetcheck.versions import compare as compare_versions
from assetcheck.versions import maven_to_osgi
from assetcheck.views import (
    ArchiveView,
    ClassLevel,
    DescriptorView,
    DocumentView,
    FileProblem,
    ImageView,
    ManifestView,
    MarketingView,
    ObrView,
    PlatformView,
    TextEntriesView,
    TextSample,
    normalise_ref,
)

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO

__all__ = [
    "BIDI_CHARACTERS",
    "CONTROL_CHARACTERS",
    "DESCRIPTOR",
    "ERROR",
    "IMAGE_SUFFIXES",
    "INFO",
    "INVISIBLE_CHARACTERS",
    "MANIFEST",
    "OBR_XML",
    "UPLOAD_FORMATS",
    "WARNING",
    "ArchiveView",
    "ClassLevel",
    "DescriptorView",
    "DocumentView",
    "FileProblem",
    "GrammarError",
    "Header",
    "ImageType",
    "ImageView",
    "Manifest",
    "ManifestKind",
    "ManifestView",
    "MarketingView",
    "ObrView",
    "ParsedHeader",
    "PlatformView",
    "Problem",
    "ReadIssue",
    "Severity",
    "TextEntriesView",
    "TextSample",
    "Version",
    "XmlKind",
    "ZipKind",
    "compare_versions",
    "defer",
    "excerpt",
    "format_size",
    "has_placeholder",
    "maven_to_osgi",
    "normalise_ref",
    "parse_bundle_symbolic_name",
    "parse_export_package",
    "parse_import_package",
    "parse_version",
    "rule",
    "rule_data",
]
