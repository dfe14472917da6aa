"""Sign-in handed off from the operator's own product: how the portal checks the tokens
its backend signs, and the issuer they name. Off unless one key is set, so the route
cannot be reached by accident.

One of three keys: a shared secret (HS256), the product's public key (RS256 or ES256),
or the address of the product's JWKS (RS256 or ES256, the token's `kid` picking the
key). The key decides which algorithms a token may use (use_cases.handoff_keys).
"""

from __future__ import annotations

from typing import Self
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import Field, field_validator, model_validator

from kombo_portal.config.values import ConcernSettings, OptionalText

MIN_HANDOFF_SECRET_LENGTH = 32
# NIST's floor for RSA signatures; shorter keys can be factored.
MIN_RSA_KEY_BITS = 2048
# Plain http only where no network is crossed: a JWKS fetched over the internet
# without TLS lets whoever sits in between hand the portal their own keys.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
KEY_VARIABLES = ("PORTAL_HANDOFF_SECRET", "PORTAL_HANDOFF_PUBLIC_KEY", "PORTAL_HANDOFF_JWKS_URL")

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def load_public_key(pem: str) -> PublicKey:
    """The RSA or P-256 key in `pem`; ValueError naming PORTAL_HANDOFF_PUBLIC_KEY for
    anything else (a private key, a certificate, another curve, a short RSA key)."""
    # Platforms that take one-line variables hold a PEM with its newlines as `\n`.
    text = pem.replace("\\n", "\n").strip()
    try:
        key = load_pem_public_key(text.encode())
    except (ValueError, TypeError):
        raise ValueError(
            "PORTAL_HANDOFF_PUBLIC_KEY: not a PEM public key "
            "(-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)"
        ) from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_KEY_BITS:
            raise ValueError(
                f"PORTAL_HANDOFF_PUBLIC_KEY: an RSA key of {key.key_size} bits "
                f"(at least {MIN_RSA_KEY_BITS})"
            )
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise ValueError(
        "PORTAL_HANDOFF_PUBLIC_KEY: must be an RSA key (RS256) or an EC key on P-256 (ES256)"
    )


class HandoffSettings(ConcernSettings):
    # Kept out of the repr, like every secret.
    secret: OptionalText = Field(default=None, alias="PORTAL_HANDOFF_SECRET", repr=False)
    # Not secret, but long: a repr stays one readable line.
    public_key: OptionalText = Field(default=None, alias="PORTAL_HANDOFF_PUBLIC_KEY", repr=False)
    jwks_url: OptionalText = Field(default=None, alias="PORTAL_HANDOFF_JWKS_URL", max_length=2000)
    # The `iss` every token must carry: users and organisations are keyed by it too.
    issuer: OptionalText = Field(default=None, alias="PORTAL_HANDOFF_ISSUER", max_length=200)

    @property
    def key_variable(self) -> str | None:
        """The variable holding the one key tokens are checked with, if any."""
        keys = (self.secret, self.public_key, self.jwks_url)
        return next((name for name, key in zip(KEY_VARIABLES, keys, strict=True) if key), None)

    @property
    def enabled(self) -> bool:
        return self.key_variable is not None

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, secret: str | None) -> str | None:
        # HS256 with a short secret can be brute-forced offline from one token.
        if secret is not None and len(secret) < MIN_HANDOFF_SECRET_LENGTH:
            raise ValueError(
                f"PORTAL_HANDOFF_SECRET: must be at least {MIN_HANDOFF_SECRET_LENGTH} characters"
            )
        return secret

    @field_validator("public_key")
    @classmethod
    def _a_usable_public_key(cls, pem: str | None) -> str | None:
        # Parsed at start so a pasting mistake stops the app instead of refusing
        # every sign-in later.
        if pem is not None:
            load_public_key(pem)
        return pem

    @field_validator("jwks_url")
    @classmethod
    def _jwks_over_tls(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if not parts.hostname or parts.username or parts.password:
            raise ValueError(
                "PORTAL_HANDOFF_JWKS_URL: not a URL like https://host/.well-known/jwks.json"
            )
        if parts.scheme != "https" and not (
            parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
        ):
            raise ValueError(
                "PORTAL_HANDOFF_JWKS_URL: must start with https:// "
                "(http:// only for localhost or 127.0.0.1)"
            )
        return url

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        keys = (self.secret, self.public_key, self.jwks_url)
        chosen = [name for name, key in zip(KEY_VARIABLES, keys, strict=True) if key]
        if len(chosen) > 1:
            # Two keys would mean two sets of accepted algorithms: which one signed
            # a token would be the attacker's choice.
            raise ValueError(f"{chosen[1]}: set only one of {', '.join(KEY_VARIABLES)}")
        if chosen and self.issuer is None:
            raise ValueError(
                f"PORTAL_HANDOFF_ISSUER: required when {chosen[0]} is set "
                "(the `iss` your product puts in its tokens)"
            )
        return self
