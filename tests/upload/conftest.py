"""Fixtures for the upload layer: the stand-in Marketplace, a fast-retrying client, a ledger."""

from __future__ import annotations

import hashlib
import random
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assetcheck.client import MarketplaceClient
from assetcheck.credentials import ENV_SOURCE, Credentials
from assetcheck.ledger import Ledger
from assetcheck.upload import UploadItem
from tests import builders
from tests.imagebuilders import make_image
from tests.upload.marketplace_server import TOKEN, USER, StandInMarketplace


@pytest.fixture
def marketplace() -> Iterator[StandInMarketplace]:
    with StandInMarketplace() as server:
        yield server


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    command += " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_marketplace(self_signed: tuple[Path, Path]) -> Iterator[StandInMarketplace]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    with StandInMarketplace(tls=context) as server:
        yield server


@pytest.fixture
def credentials() -> Credentials:
    return Credentials(USER, TOKEN, ENV_SOURCE)


@pytest.fixture
def sleeps() -> list[float]:
    """Every backoff the client asked for; the fixture client never really sleeps."""
    return []


@pytest.fixture
def make_client(
    marketplace: StandInMarketplace, credentials: Credentials, sleeps: list[float]
) -> Callable[..., MarketplaceClient]:
    def make(**overrides: Any) -> MarketplaceClient:
        options: dict[str, Any] = {
            "connect_timeout": 2.0,
            "read_timeout": 5.0,
            "sleep": sleeps.append,
            "rng": random.Random(4),
        }
        options.update(overrides)
        base_url = options.pop("base_url", marketplace.base_url)
        creds = options.pop("credentials", credentials)
        return MarketplaceClient(base_url, creds, **options)

    return make


@pytest.fixture
def client(make_client: Callable[..., MarketplaceClient]) -> MarketplaceClient:
    return make_client()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "ledger" / "ledger.db") as opened:
        yield opened


def _jar_bytes(key: str = "com.example.app", version: str = "1.0.0", padding: int = 0) -> bytes:
    """A valid plugin jar from the shared builders; ``padding`` adds incompressible bytes."""
    extra: dict[str, bytes | str | None] = {
        "atlassian-plugin.xml": builders.descriptor(key=key, version=version)
    }
    if padding:
        extra["padding.bin"] = random.Random(padding).randbytes(padding)
    return builders.make_jar(builders.plugin_files(**extra))


@pytest.fixture
def jar_file(tmp_path: Path) -> Path:
    path = tmp_path / "my-app-1.0.0.jar"
    path.write_bytes(_jar_bytes())
    return path


@pytest.fixture
def make_jar(tmp_path: Path) -> Callable[..., Path]:
    """Write a jar named ``name``; ``padding`` adds that many incompressible bytes."""

    def make(
        name: str, key: str = "com.example.app", version: str = "1.0.0", padding: int = 0
    ) -> Path:
        path = tmp_path / name
        path.write_bytes(_jar_bytes(key, version, padding))
        return path

    return make


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    path = tmp_path / "logo.png"
    path.write_bytes(make_image(144, 144, "PNG"))
    return path


@pytest.fixture
def item_for() -> Callable[..., UploadItem]:
    return _item_for


def _item_for(path: Path, kind: str = "artifact", image_type: str | None = None) -> UploadItem:
    """An UploadItem as the checks would hand it over."""
    data = path.read_bytes()
    return UploadItem(
        path=path,
        kind=kind,  # type: ignore[arg-type]
        image_type=image_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        app_key="com.example.app" if kind == "artifact" else None,
        app_version="1.0.0" if kind == "artifact" else None,
    )
