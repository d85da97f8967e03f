"""The TLS trust used for the Marketplace and for https proxies: verification is always on.

Certificates are checked against the operating system's trust store through ``truststore``
(as pip does), so a company CA installed on the machine is trusted without extra steps.
``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` are still honoured: the certificates they name are
trusted as well (a proxy that re-signs traffic ships such a bundle).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping

import truststore

from assetcheck.client.errors import BadTrustStore


def trust_context(environ: Mapping[str, str]) -> ssl.SSLContext:
    """A client context that verifies certificates and host names against the system's CAs."""
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cafile = environ.get("SSL_CERT_FILE") or None
    capath = environ.get("SSL_CERT_DIR") or None
    if cafile or capath:
        try:
            context.load_verify_locations(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as exc:
            raise BadTrustStore(
                f"Cannot load the certificates named by SSL_CERT_FILE/SSL_CERT_DIR ({exc}): "
                "point them at a readable PEM bundle or folder, or unset them."
            ) from None
    return require_verification(context)


def require_verification(context: ssl.SSLContext) -> ssl.SSLContext:
    """Refuse a context that would not check the server's certificate and name."""
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        raise ValueError("TLS verification cannot be turned off: certificates are always checked")
    return context
