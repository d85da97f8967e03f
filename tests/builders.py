"""Fixture builders shared by the tests and by ``samples/generate.py``.

Everything is deterministic (fixed timestamps, fixed content), so regenerating the samples
changes nothing.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path

FIXED_TIME = (2025, 12, 15, 18, 43, 42)
KEY = "com.acme.jira.issuehelper"
VERSION = "1.2.0"

Files = Mapping[str, "bytes | str"]


def wrap_manifest(headers: Mapping[str, str]) -> str:
    """Headers as the JAR tool writes them: 72-byte lines, continuations start with a space."""
    lines = []
    for name, value in headers.items():
        line = f"{name}: {value}".encode()
        lines.append(line[:72])
        rest = line[72:]
        while rest:
            lines.append(b" " + rest[:71])
            rest = rest[71:]
    return (b"\r\n".join(lines) + b"\r\n").decode()


def sdk_manifest(**overrides: str | None) -> str:
    """A manifest as the Atlassian SDK (maven-bundle-plugin) writes it; None drops a header."""
    headers: dict[str, str | None] = {
        "Manifest-Version": "1.0",
        "Bnd-LastModified": "1765820623000",
        "Build-Jdk-Spec": "17",
        "Bundle-Description": "Adds helpful panels to Jira issues.",
        "Bundle-DocURL": "https://www.acme.example",
        "Bundle-ManifestVersion": "2",
        "Bundle-Name": "Issue Helper",
        "Bundle-SymbolicName": KEY,
        "Bundle-Vendor": "Acme Software",
        "Bundle-Version": VERSION,
        "Created-By": "Apache Maven Bundle Plugin 5.1.9",
        "Export-Package": f'com.acme.jira.issuehelper.api;version="{VERSION}"',
        "Import-Package": (
            'com.atlassian.jira.issue;version="[9.0,11)",'
            'com.atlassian.plugin.spring.scanner.annotation.imports;version="[2.2,3)",'
            'javax.inject;version="[1.0,2)",org.slf4j;version="[1.7,3)"'
        ),
        "Require-Capability": 'osgi.ee;filter:="(&(osgi.ee=JavaSE)(version=17))"',
        "Atlassian-Plugin-Key": KEY,
        "Atlassian-Build-Date": "2025-12-15T18:43:43+0100",
        "Spring-Context": "*",
    }
    headers.update(overrides)
    return wrap_manifest({k: v for k, v in headers.items() if v is not None})


def bundle_manifest(symbolic_name: str, version: str) -> str:
    """The manifest of a plain OSGi library bundle (an .obr dependency)."""
    return wrap_manifest(
        {
            "Manifest-Version": "1.0",
            "Bundle-ManifestVersion": "2",
            "Bundle-Name": symbolic_name,
            "Bundle-SymbolicName": symbolic_name,
            "Bundle-Version": version,
            "Export-Package": f'{symbolic_name};version="{version}"',
        }
    )


IMAGE_PARAMS = {
    "plugin-icon": ("images/pluginIcon.png", (16, 16)),
    "plugin-logo": ("images/pluginLogo.png", (144, 144)),
    "plugin-banner": ("images/pluginBanner.png", (1120, 548)),
    "vendor-icon": ("images/vendorIcon.png", (16, 16)),
    "vendor-logo": ("images/vendorLogo.png", (72, 72)),
}

MARKETING_IMAGES = {
    "images/logo.png": (144, 144),
    "images/banner.png": (1120, 548),
    "images/highlight1.png": (1840, 900),
    "images/highlight1_cropped.png": (580, 330),
    "images/highlight2.png": (1840, 900),
    "images/highlight2_cropped.png": (580, 330),
    "images/highlight3.png": (1840, 900),
    "images/highlight3_cropped.png": (580, 330),
    "images/screenshot1.png": (1840, 900),
    "images/screenshot2.png": (1840, 900),
}


def descriptor(
    *,
    key: str = KEY,
    name: str = "Issue Helper",
    version: str = VERSION,
    vendor: str = "Acme Software",
    vendor_url: str = "https://www.acme.example",
    params: Mapping[str, str | None] | None = None,
    modules: str | None = None,
) -> str:
    """An ``atlassian-plugin.xml``; ``params`` overrides or (with None) drops params."""
    all_params: dict[str, str | None] = {
        "atlassian-data-center-status": "compatible",
        "atlassian-data-center-compatible": "true",
        "atlassian-licensing-enabled": "true",
        **{name: path for name, (path, _) in IMAGE_PARAMS.items()},
    }
    all_params.update(params or {})
    param_xml = "".join(
        f'\n        <param name="{n}">{v}</param>' for n, v in all_params.items() if v is not None
    )
    if modules is None:
        modules = """
    <resource type="i18n" name="i18n" location="issuehelper"/>
    <web-item key="helper-link" name="Helper" section="system.top.navigation.bar" weight="40">
        <label>Helper</label>
        <link linkId="helper-link">/plugins/servlet/helper/${project.key}</link>
    </web-item>
    <servlet key="helper-servlet" class="com.acme.jira.issuehelper.HelperServlet">
        <url-pattern>/helper/*</url-pattern>
    </servlet>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<atlassian-plugin key="{key}" name="{name}" plugins-version="2">
    <plugin-info>
        <description>Adds helpful panels to Jira issues.</description>
        <version>{version}</version>
        <vendor name="{vendor}" url="{vendor_url}"/>{param_xml}
    </plugin-info>{modules}
</atlassian-plugin>
"""


SOURCE_DESCRIPTOR_VALUES = {
    "key": "${atlassian.plugin.key}",
    "name": "${project.name}",
    "version": "${project.version}",
    "vendor": "${project.organization.name}",
    "vendor_url": "${project.organization.url}",
}


def marketing(
    *,
    highlights: list[tuple[str, str | None]] | None = None,
    screenshots: list[str] | None = None,
    compatibility: str = '<product name="jira" min="9.12.0" max="10.3.0"/>',
) -> str:
    if highlights is None:
        highlights = [
            (f"images/highlight{i}.png", f"images/highlight{i}_cropped.png") for i in (1, 2, 3)
        ]
    if screenshots is None:
        screenshots = ["images/screenshot1.png", "images/screenshot2.png"]
    highlight_xml = "".join(
        f'\n    <highlight image="{image}"' + (f' cropped="{crop}"' if crop else "") + "/>"
        for image, crop in highlights
    )
    screenshot_xml = "".join(f'\n    <screenshot image="{s}"/>' for s in screenshots)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<atlassian-plugin-marketing>
  <compatibility>
    {compatibility}
  </compatibility>
  <logo image="images/logo.png"/>
  <banner image="images/banner.png"/>
  <highlights>{highlight_xml}
  </highlights>
  <screenshots>{screenshot_xml}
  </screenshots>
</atlassian-plugin-marketing>
"""


@cache
def flat_image(width: int, height: int, fmt: str = "PNG", colour: str = "#2684ff") -> bytes:
    """A flat-colour image: a 1840x900 PNG is a few KB."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, fmt, optimize=fmt == "PNG")
    return buffer.getvalue()


def plugin_images() -> dict[str, bytes]:
    images = {path: flat_image(*size) for path, size in MARKETING_IMAGES.items()}
    images.update({path: flat_image(*size) for path, size in IMAGE_PARAMS.values()})
    return images


def plugin_files(**overrides: bytes | str | None) -> dict[str, bytes | str]:
    """The files of a complete, valid plugin jar; overrides replace or (None) drop files."""
    files: dict[str, bytes | str | None] = {
        "META-INF/MANIFEST.MF": sdk_manifest(),
        "atlassian-plugin.xml": descriptor(),
        "atlassian-plugin-marketing.xml": marketing(),
        "issuehelper.properties": "helper.label=Helper\n",
        "com/acme/jira/issuehelper/HelperServlet.class": b"\xca\xfe\xba\xbe\x00\x00\x00\x3d",
        "META-INF/spring/plugin-context.xml": "<beans/>\n",
        **plugin_images(),
    }
    files.update(overrides)
    return {name: data for name, data in files.items() if data is not None}


def make_zip(
    files: Files,
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    directories: bool = True,
) -> bytes:
    """A zip with the files in the given order (the manifest first when present, like ``jar``)."""
    buffer = io.BytesIO()
    names = list(files)
    if "META-INF/MANIFEST.MF" in files:
        names.remove("META-INF/MANIFEST.MF")
        names.insert(0, "META-INF/MANIFEST.MF")
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        written: set[str] = set()
        for name in names:
            if directories:
                parts = name.split("/")[:-1]
                for depth in range(1, len(parts) + 1):
                    folder = "/".join(parts[:depth]) + "/"
                    if folder not in written:
                        written.add(folder)
                        archive.writestr(zipfile.ZipInfo(folder, FIXED_TIME), b"")
            data = files[name]
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            archive.writestr(info, data.encode() if isinstance(data, str) else data)
    return buffer.getvalue()


def make_jar(files: Files | None = None, **overrides: bytes | str | None) -> bytes:
    """A plugin jar: the complete valid plugin, or exactly ``files`` when given."""
    return make_zip(files if files is not None else plugin_files(**overrides))


def obr_xml(resources: list[tuple[str, str, str, int]]) -> str:
    """Felix OBR repository XML for (uri, symbolicname, version, size) resources."""
    body = "".join(
        f'\n  <resource id="{name}/{version}" symbolicname="{name}" '
        f'presentationname="{name}" uri="{uri}" version="{version}">'
        f"\n    <size>{size}</size>\n  </resource>"
        for uri, name, version, size in resources
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<repository lastmodified="20251215184343.000">{body}\n</repository>\n'
    )


def make_obr(
    plugin: bytes | None = None,
    dependencies: Mapping[str, bytes] | None = None,
    *,
    plugin_name: str = f"issuehelper-{VERSION}.jar",
    obr: str | None = None,
) -> bytes:
    """An .obr: the plugin jar at the root, ``obr.xml``, and ``dependencies/*.jar``."""
    plugin = make_jar() if plugin is None else plugin
    if dependencies is None:
        dependencies = {
            "dependencies/acme-commons-2.4.1.jar": make_zip(
                {
                    "META-INF/MANIFEST.MF": bundle_manifest("com.acme.commons", "2.4.1"),
                    "com/acme/commons/Strings.class": b"\xca\xfe\xba\xbe",
                }
            )
        }
    if obr is None:
        resources = [(plugin_name, KEY, VERSION, len(plugin))]
        resources += [
            (name, "com.acme.commons", "2.4.1", len(data)) for name, data in dependencies.items()
        ]
        obr = obr_xml(resources)
    files: dict[str, bytes | str] = {plugin_name: plugin, "obr.xml": obr, **dependencies}
    return make_zip(files, compression=zipfile.ZIP_STORED, directories=False)


def source_files(**overrides: bytes | str | None) -> dict[str, bytes | str]:
    """The files of a plugin source tree (``src/main/resources``), with Maven placeholders."""
    files: dict[str, bytes | str | None] = {
        "atlassian-plugin.xml": descriptor(**SOURCE_DESCRIPTOR_VALUES),
        "atlassian-plugin-marketing.xml": marketing(),
        "issuehelper.properties": "helper.label=Helper\n",
        **plugin_images(),
    }
    files.update(overrides)
    return {name: data for name, data in files.items() if data is not None}


def write_tree(root: Path, files: Files) -> Path:
    """Write ``files`` under ``root`` (created) and return ``root``."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def class_file(major: int, body: bytes = b"\x00" * 32) -> bytes:
    """A class file's bytes: the magic, minor 0 and ``major`` (52: Java 8, 61: 17, 65: 21)."""
    return b"\xca\xfe\xba\xbe\x00\x00" + major.to_bytes(2, "big") + body


def library_jar(
    group: str,
    artifact: str,
    version: str = "1.0.0",
    *,
    symbolic_name: str | None = None,
    pom: bool = True,
    classes: Mapping[str, bytes] | None = None,
    extra_poms: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """A library jar as Maven builds it: a manifest (an OSGi bundle when ``symbolic_name``),
    ``META-INF/maven/GROUP/ARTIFACT/pom.properties`` (unless ``pom`` is False; ``extra_poms``
    adds more, as shading does) and its classes (one Java 11 class by default)."""
    headers = {"Manifest-Version": "1.0", "Created-By": "Maven JAR Plugin 3.3.0"}
    if symbolic_name is not None:
        headers |= {
            "Bundle-ManifestVersion": "2",
            "Bundle-SymbolicName": symbolic_name,
            "Bundle-Version": version,
        }
    files: dict[str, bytes | str] = {"META-INF/MANIFEST.MF": wrap_manifest(headers)}
    poms = ((group, artifact), *extra_poms) if pom else extra_poms
    for pom_group, pom_artifact in poms:
        files[f"META-INF/maven/{pom_group}/{pom_artifact}/pom.properties"] = (
            f"#Created by Apache Maven 3.9.6\nartifactId={pom_artifact}\n"
            f"groupId={pom_group}\nversion={version}\n"
        )
    if classes is None:
        classes = {
            f"{group.replace('.', '/')}/{artifact.replace('-', '')}/Lib.class": class_file(55)
        }
    files.update(classes)
    return make_zip(files)


# ---- secrets (the SEC rules) -------------------------------------------------------------------
# Secret-shaped strings are assembled at run time, so that the repository holds none that a
# push-protection scanner would stop, and each is fake (random-looking, never issued).


def fake_secret(kind: str) -> str:
    """A string in the format of a ``kind`` of credential: aws-key-id, aws-secret, github,
    atlassian, slack, stripe, azure, or a PEM ``private-key`` block."""
    body = "Zq4Xb8Ln2Wc6Vr0Ty3Hs7Jd1Kf5Mg9Pe"
    return {
        "aws-key-id": "AK" + "IA" + "QX7VZB2MN4RT6YLP",
        "aws-secret": ("tK9" + body + "aB1cD2eF")[:40],
        "github": "gh" + "p_" + (body + "a1B2")[:36],
        "atlassian": "ATA" + "TT3" + (body * 6)[:186],
        "slack": "xo" + "xb-" + "1234567890-9876543210-" + body[:24].lower(),
        "stripe": "sk" + "_live_" + body[:24],
        "azure": "AccountKey=" + (body * 3)[:86] + "==",
        "private-key": "-----BEGIN "
        + "RSA PRIVATE KEY-----\n"
        + "\n".join((body * 2)[:64] for _ in range(4))
        + "\n-----END RSA PRIVATE KEY-----\n",
    }[kind]


def gcp_key_file() -> str:
    """A Google Cloud service-account key file's shape (fake key material)."""
    pem = fake_secret("private-key").replace("RSA PRIVATE", "PRIVATE").replace("\n", "\\n")
    return (
        '{\n  "type": "service_account",\n  "project_id": "acme-helper",\n'
        f'  "private_key_id": "3f1c0e",\n  "private_key": "{pem}",\n'
        '  "client_email": "helper@acme-helper.iam.gserviceaccount.com"\n}\n'
    )
