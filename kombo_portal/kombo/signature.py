"""Kombo's webhook signature: `X-Kombo-Signature` is the unpadded base64url
HMAC-SHA256 of the raw request body, keyed with the webhook secret (UTF-8)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

SIGNATURE_HEADER = "X-Kombo-Signature"


def sign_webhook(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_webhook_signature(secrets: Iterable[str], body: bytes, signature: str | None) -> bool:
    """True if `signature` was made over these exact bytes with any of `secrets`.

    Compares in constant time, and checks every secret so the time taken does not
    tell which one matched.
    """
    if not signature:
        return False
    presented = signature.strip().encode("ascii", errors="replace")
    matched = False
    for secret in secrets:
        expected = sign_webhook(secret, body).encode("ascii")
        matched |= hmac.compare_digest(expected, presented)
    return matched
