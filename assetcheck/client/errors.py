"""Every failure of the Marketplace client, as one small hierarchy of typed errors.

Each message says what to do next. An error raised by an upload also says how many requests
were sent (``attempts``) and whether one of them may have left an unused asset on the server
(``answer_lost``), so the caller can tell the user.
"""

from __future__ import annotations


class MarketplaceError(Exception):
    """Base of every client failure.

    ``status`` is the HTTP status when there was one. ``attempts`` is how many requests were
    sent (their headers reached the server's connection); ``answer_lost`` is True when a
    request's body was sent whole but no answer came, so the Marketplace may hold an asset
    that nothing will use.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        attempts: int = 0,
        answer_lost: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts
        self.answer_lost = answer_lost


class BadRequest(MarketplaceError):
    """HTTP 400: the Marketplace refused the request or the file."""


class Unauthorized(MarketplaceError):
    """HTTP 401: the credentials were rejected."""


class Forbidden(MarketplaceError):
    """HTTP 403: the account may not do this."""


class NotFound(MarketplaceError):
    """HTTP 404: no such asset, or the base URL is wrong."""


class TooLarge(MarketplaceError):
    """HTTP 413: the file is over the Marketplace's limit."""


class RateLimited(MarketplaceError):
    """HTTP 429 on every attempt."""


class ServerError(MarketplaceError):
    """HTTP 5xx on every attempt."""


class ConnectionFailed(MarketplaceError):
    """The server could not be reached, or the connection broke, on every attempt."""


class RequestTimeout(ConnectionFailed):
    """The server was too slow on every attempt."""


class DeadlineExceeded(RequestTimeout):
    """The whole operation, retries and waits included, ran past its total deadline."""


class InvalidResponse(MarketplaceError):
    """The server answered, but not with the documented shape; the answer is not trusted."""


class BadBaseUrl(MarketplaceError):
    """The base URL cannot be used."""


class InsecureConnection(BadBaseUrl):
    """Credentials would travel over plain http to a host that is not this machine."""


class BadProxy(MarketplaceError):
    """HTTPS_PROXY or ALL_PROXY names no proxy assetcheck can use."""


class BadTrustStore(MarketplaceError):
    """SSL_CERT_FILE or SSL_CERT_DIR names certificates that cannot be loaded."""


class LocalFileError(MarketplaceError):
    """The local file to upload cannot be read, changed while uploading, or is not an image."""
