"""The Marketplace client: the only code in assetcheck that speaks HTTP (on httpx).

One job per module: ``errors`` (the typed failures), ``urls`` (base URLs, asset addresses,
IDNA 2008 hosts), ``proxies`` (HTTPS_PROXY, ALL_PROXY, NO_PROXY), ``tls`` (the trust store),
``bodies`` (upload bodies streamed from disk), ``transport`` (one exchange, timeouts and the
total deadline), ``retry`` (backoff and Retry-After), ``redact`` (server text made safe to
show), ``answers`` (the answers' documented shapes) and ``assets`` (the operations).
"""

from assetcheck.client.answers import AssetLinks, AssetRecord
from assetcheck.client.assets import MarketplaceClient, UploadResult
from assetcheck.client.bodies import (
    CHUNK_SIZE,
    IMAGE_CONTENT_TYPES,
    ProgressCallback,
    sniff_image_content_type,
)
from assetcheck.client.errors import (
    BadBaseUrl,
    BadProxy,
    BadRequest,
    BadTrustStore,
    ConnectionFailed,
    DeadlineExceeded,
    Forbidden,
    InsecureConnection,
    InvalidResponse,
    LocalFileError,
    MarketplaceError,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
    TooLarge,
    Unauthorized,
)
from assetcheck.client.transport import MAX_RESPONSE_BYTES
from assetcheck.client.urls import (
    BASE_URL_ENV,
    asset_name_from,
    base_url_host,
    is_loopback_host,
    normalize_base_url,
    resolve_base_url,
)

__all__ = [
    "BASE_URL_ENV",
    "CHUNK_SIZE",
    "IMAGE_CONTENT_TYPES",
    "MAX_RESPONSE_BYTES",
    "AssetLinks",
    "AssetRecord",
    "BadBaseUrl",
    "BadProxy",
    "BadRequest",
    "BadTrustStore",
    "ConnectionFailed",
    "DeadlineExceeded",
    "Forbidden",
    "InsecureConnection",
    "InvalidResponse",
    "LocalFileError",
    "MarketplaceClient",
    "MarketplaceError",
    "NotFound",
    "ProgressCallback",
    "RateLimited",
    "RequestTimeout",
    "ServerError",
    "TooLarge",
    "Unauthorized",
    "UploadResult",
    "asset_name_from",
    "base_url_host",
    "is_loopback_host",
    "normalize_base_url",
    "resolve_base_url",
    "sniff_image_content_type",
]
