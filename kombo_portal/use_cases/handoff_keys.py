"""Which key checks a hand-off token, and with which algorithm.

The configured key decides, never the token: a secret accepts HS256 only, a public key
or a JWKS RS256 (RSA keys) and ES256 (P-256 keys) only. So `none` is refused, and so
is the classic key confusion, an HS256 token "signed" with the public key's text as
its secret (anyone can read a public key).

With a JWKS the token's `kid` picks the key. The set is fetched on demand, kept for
JWKS_LIFESPAN_SECONDS, and fetched again for an unknown `kid` (a rotated key) at
most once every JWKS_REFETCH_COOLDOWN_SECONDS, so a flood of made-up `kid`s cannot
make the portal hammer the product's JWKS. Fetching blocks: the caller runs it in a
thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ParamSpec, TypeVar

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWTError

from kombo_portal.config.handoff import (
    MIN_RSA_KEY_BITS,
    HandoffSettings,
    PublicKey,
    load_public_key,
)

HMAC_ALGORITHM = "HS256"
PUBLIC_KEY_ALGORITHMS = ("RS256", "ES256")
# A sign-in waits for the fetch: a JWKS that does not answer within this (per
# connect and per read) is treated as down.
JWKS_TIMEOUT_SECONDS = 3.0
JWKS_LIFESPAN_SECONDS = 300.0
# Short enough that a rotated key is accepted soon after it is published; long
# enough that unknown `kid`s cost one fetch per period, whatever their number.
JWKS_REFETCH_COOLDOWN_SECONDS = 10.0
# After a failed fetch, sign-ins are refused without asking again for this long:
# a JWKS that is down must not hold every request for the timeout.
JWKS_RETRY_AFTER_FAILURE_SECONDS = 5.0

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# Threads of their own: while a JWKS fetch runs, other sign-ins wait for it on the
# client's lock, and they must not fill the loop's shared default executor (whose
# threads also resolve host names for the calls to Kombo).
_key_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="handoff-keys")

P = ParamSpec("P")
R = TypeVar("R")


async def in_key_thread(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`function(*args, **kwargs)` in a key-lookup thread, with the caller's context."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_key_threads, call)


class KeyRefused(Exception):
    """No key for this token; `reason` is for the operator's log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JwksUnavailable(PyJWKClientConnectionError):
    """The JWKS could not be fetched, or what came back was not a key set."""


@dataclass(frozen=True)
class VerificationKey:
    key: str | PublicKey
    algorithm: str


def verification_key(header: dict[str, Any], settings: HandoffSettings) -> VerificationKey:
    """The key and the one algorithm to check a token with this (unverified) header;
    KeyRefused saying why there is none."""
    algorithm = header.get("alg")
    if settings.secret is not None:
        if algorithm != HMAC_ALGORITHM:
            raise KeyRefused(f"{_describe(algorithm)} is not HS256 (PORTAL_HANDOFF_SECRET is set)")
        return VerificationKey(settings.secret, HMAC_ALGORITHM)
    if not isinstance(algorithm, str) or algorithm not in PUBLIC_KEY_ALGORITHMS:
        if isinstance(algorithm, str) and algorithm.upper().startswith("HS"):
            raise KeyRefused(
                f"{_describe(algorithm)} with a public key configured: refused as key "
                "confusion (a token signed with the public key's text as a secret)"
            )
        raise KeyRefused(f"{_describe(algorithm)} is not RS256 or ES256")
    if settings.public_key is not None:
        key = _public_key(settings.public_key)
    elif settings.jwks_url is not None:
        key = _jwks_key(settings.jwks_url, header, algorithm)
    else:
        raise KeyRefused("hand-off is not configured")
    return VerificationKey(_fitting(key, algorithm), algorithm)


def _describe(algorithm: object) -> str:
    if algorithm is None:
        return "no algorithm (alg)"
    if str(algorithm).lower() == "none":
        return "algorithm 'none' (an unsigned token)"
    return f"algorithm {str(algorithm)[:20]!r}"


def _fitting(key: object, algorithm: str) -> PublicKey:
    """`key`, if it is one `algorithm` may be checked with (RS256: RSA, ES256: P-256)."""
    if algorithm == "RS256":
        if not isinstance(key, rsa.RSAPublicKey):
            raise KeyRefused("algorithm 'RS256' but the key is not an RSA key")
        if key.key_size < MIN_RSA_KEY_BITS:
            raise KeyRefused(f"an RSA key of {key.key_size} bits (at least {MIN_RSA_KEY_BITS})")
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise KeyRefused("algorithm 'ES256' but the key is not an EC key on P-256")


@lru_cache(maxsize=4)
def _public_key(pem: str) -> PublicKey:
    # Parsed once: the settings checked it at start, so this cannot fail.
    return load_public_key(pem)


def _jwks_key(url: str, header: dict[str, Any], algorithm: str) -> object:
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 200:
        raise KeyRefused("no 'kid' in the token's header (it picks the key from the JWKS)")
    try:
        jwk = jwks_client(url).get_signing_key(kid)
    except PyJWKClientConnectionError as error:
        raise KeyRefused(f"the JWKS could not be fetched from {url} ({error})") from None
    except PyJWKClientError:
        raise KeyRefused(
            f"unknown kid {kid[:40]!r}: not in the JWKS (fetched again for an unknown kid "
            f"at most every {JWKS_REFETCH_COOLDOWN_SECONDS:g} s)"
        ) from None
    if jwk.algorithm_name != algorithm:
        # A JWK's `alg` (or its type and curve) says what it may check.
        raise KeyRefused(
            f"{_describe(algorithm)} but the JWKS key {kid[:40]!r} is for {jwk.algorithm_name}"
        )
    return jwk.key


class _JwksClient(PyJWKClient):
    """PyJWKClient, which caches the set and limits refetches for unknown `kid`s, with
    a pause after a failure too (its cooldown starts on successes only)."""

    def __init__(self, url: str) -> None:
        super().__init__(
            url,
            lifespan=JWKS_LIFESPAN_SECONDS,
            timeout=JWKS_TIMEOUT_SECONDS,
            cooldown_duration=JWKS_REFETCH_COOLDOWN_SECONDS,
            # Some hosts' firewalls turn away urllib's default agent.
            headers={"User-Agent": "kombo-portal"},
        )
        self._failed_at: float | None = None

    def fetch_data(self) -> Any:
        # Called under the client's lock: one fetch at a time, whatever the traffic.
        failed_at = self._failed_at
        if failed_at is not None:
            waited = time.monotonic() - failed_at
            if waited < JWKS_RETRY_AFTER_FAILURE_SECONDS:
                raise JwksUnavailable(
                    f"the last fetch failed {waited:.1f} s ago; not asked again for "
                    f"{JWKS_RETRY_AFTER_FAILURE_SECONDS:g} s"
                )
        try:
            data = super().fetch_data()
        except (PyJWTError, ValueError) as error:
            # ValueError: an answer that is not JSON, which PyJWKClient lets through.
            self._failed_at = time.monotonic()
            if isinstance(error, PyJWKClientConnectionError):
                raise
            raise JwksUnavailable(f"not a JSON Web Key Set: {error}") from None
        self._failed_at = None
        return data


@lru_cache(maxsize=4)
def jwks_client(url: str) -> PyJWKClient:
    """One client per JWKS URL for the process, so its cache serves every request."""
    return _JwksClient(url)


def signing_algorithm(private_key: PrivateKey) -> str:
    """RS256 or ES256 for a key the product might sign with (for `make_token`)."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(private_key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError(f"an EC key on {private_key.curve.name}: the portal takes P-256 (ES256) only")
