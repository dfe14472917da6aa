"""The host's OpenID provider as the portal sees it: its discovery document and signing
keys (fetched when first needed, kept an hour, the keys fetched again for a key id they
do not hold), the code exchange at its token endpoint, and the ID token check.

The protocol's rules come from authlib (the ID token's claim checks, CodeIDToken) and
its JOSE library joserfc (signatures against the provider's JWKS); the HTTP calls are
httpx's, as everywhere in the portal. (authlib's own httpx client wants the newer
httpx2 and warns on every start with httpx.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet

from kombo_portal.config.oidc import OidcSettings, is_loopback

# Signatures a provider's public keys check; HS256 would be keyed with the client
# secret, which the portal keeps for the token endpoint only, and `none` is no signature.
PUBLIC_KEY_ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip
# Clocks of the provider and the portal may differ this much.
LEEWAY_SECONDS = 60
# Discovery documents and keys change rarely; a new key is fetched when a token names it.
CACHE_SECONDS = 3600
TIMEOUT_SECONDS = 10
MAX_DETAIL_LENGTH = 200


class Outcome(StrEnum):
    """What a refused sign-in can tell the person."""

    AGAIN = "again"  # starting over may work: cancelled, took too long, another tab
    REFUSED = "refused"  # it will not work until the operator changes something
    UNAVAILABLE = "unavailable"  # the provider did not answer: later may work


class OidcRefused(Exception):
    """A sign-in that did not happen. `reason` is for the operator's log (never a token,
    code or secret), `outcome` for the page the person sees."""

    def __init__(self, reason: str, outcome: Outcome = Outcome.REFUSED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome


def printable(value: object) -> str:
    """A value from outside as one short line of the log (its line breaks would let it
    write lines of its own)."""
    return " ".join(str(value).split())[:MAX_DETAIL_LENGTH]


def _trusted_url(url: object, issuer: str) -> bool:
    """An endpoint may be fetched: https, or http on this machine when the issuer is too."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and is_loopback(parts.hostname) and issuer.startswith("http://")


@dataclass(frozen=True)
class ProviderMetadata:
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    # client_secret_basic (the standard's default) unless the provider takes only _post.
    secret_in_body: bool


def read_metadata(document: object, issuer: str) -> ProviderMetadata:
    """The parts of a discovery document the portal uses; OidcRefused if it cannot."""
    if not isinstance(document, dict):
        raise OidcRefused("discovery document is not a JSON object", Outcome.UNAVAILABLE)
    if document.get("issuer") != issuer:
        # OpenID Connect Discovery 1.0, 4.3: else another provider's tokens could pass.
        raise OidcRefused(
            f"discovery document names issuer {printable(document.get('issuer'))!r}, "
            "not PORTAL_OIDC_ISSUER"
        )
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not _trusted_url(document.get(name), issuer):
            raise OidcRefused(f"discovery document's {name} is missing or not https")
        endpoints[name] = document[name]
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    if not isinstance(offered, list):
        offered = []
    algorithms = tuple(name for name in PUBLIC_KEY_ALGORITHMS if name in offered)
    if not algorithms:
        raise OidcRefused(
            f"the provider signs ID tokens with {printable(offered)}, none of "
            f"{', '.join(PUBLIC_KEY_ALGORITHMS)}"
        )
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return ProviderMetadata(
        **endpoints,
        algorithms=algorithms,
        secret_in_body="client_secret_basic" not in methods and "client_secret_post" in methods,
    )


class OpenIDProvider:
    """One provider, as configured: its metadata and keys, kept between sign-ins."""

    def __init__(
        self,
        settings: OidcSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        clock=time.monotonic,
    ) -> None:
        if settings.issuer is None or settings.client_id is None:
            raise ValueError("OpenID Connect is not configured")
        self.settings = settings
        self.issuer: str = settings.issuer
        self.client_id: str = settings.client_id
        self._transport = transport
        self._clock = clock
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self._transport, timeout=TIMEOUT_SECONDS, follow_redirects=False
        )

    async def _get_json(self, url: str, what: str) -> Any:
        try:
            async with self._client() as client:
                response = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as error:
            raise OidcRefused(
                f"provider unreachable ({what}: {type(error).__name__})", Outcome.UNAVAILABLE
            ) from None
        if response.status_code != 200:
            raise OidcRefused(
                f"provider answered {response.status_code} for its {what}", Outcome.UNAVAILABLE
            )
        try:
            return response.json()
        except ValueError:
            raise OidcRefused(f"provider's {what} is not JSON", Outcome.UNAVAILABLE) from None

    def _fresh(self, fetched_at: float) -> bool:
        return self._clock() - fetched_at < CACHE_SECONDS

    async def metadata(self) -> ProviderMetadata:
        if self._metadata is not None and self._fresh(self._metadata[0]):
            return self._metadata[1]
        document = await self._get_json(self.settings.discovery_url, "discovery document")
        metadata = read_metadata(document, self.issuer)
        self._metadata = (self._clock(), metadata)
        return metadata

    async def _key_set(self, *, again: bool = False) -> KeySet:
        if self._keys is not None and self._fresh(self._keys[0]) and not again:
            return self._keys[1]
        document = await self._get_json((await self.metadata()).jwks_uri, "keys (JWKS)")
        try:
            keys = KeySet.import_key_set(document)
        except (JoseError, ValueError, TypeError, KeyError):
            raise OidcRefused("provider's JWKS holds no usable key", Outcome.UNAVAILABLE) from None
        self._keys = (self._clock(), keys)
        return keys

    async def exchange_code(self, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        """The token endpoint's answer for `code`, with the PKCE verifier that proves this
        portal asked for it; OidcRefused saying why otherwise."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        secret = self.settings.client_secret or ""
        if metadata.secret_in_body:
            form |= {"client_id": self.client_id, "client_secret": secret}
        auth = (
            httpx.USE_CLIENT_DEFAULT
            if metadata.secret_in_body
            else httpx.BasicAuth(self.client_id, secret)
        )
        try:
            async with self._client() as client:
                response = await client.post(
                    metadata.token_endpoint,
                    data=form,
                    auth=auth,
                    headers={"Accept": "application/json"},
                )
        except httpx.HTTPError as error:
            raise OidcRefused(
                f"provider unreachable (token endpoint: {type(error).__name__})",
                Outcome.UNAVAILABLE,
            ) from None
        if response.status_code >= 500:
            raise OidcRefused(
                f"token endpoint answered {response.status_code}", Outcome.UNAVAILABLE
            )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise OidcRefused(f"token endpoint answered {response.status_code} without JSON")
        if "error" in answer or response.status_code != 200:
            raise OidcRefused(
                f"token endpoint refused the code: {printable(answer.get('error'))} "
                f"({printable(answer.get('error_description', ''))})"
            )
        if not isinstance(answer.get("id_token"), str):
            raise OidcRefused("token endpoint answered without an ID token (scope openid?)")
        return answer

    async def check_id_token(
        self, id_token: str, nonce: str, access_token: object
    ) -> dict[str, Any]:
        """The ID token's claims if the provider signed it for this client and this
        sign-in (iss, aud, exp, nonce, and at_hash where given); OidcRefused otherwise."""
        metadata = await self.metadata()
        try:
            try:
                token = jwt.decode(id_token, await self._key_set(), algorithms=metadata.algorithms)
            except InvalidKeyIdError:
                # The provider rotated its keys since they were fetched.
                token = jwt.decode(
                    id_token, await self._key_set(again=True), algorithms=metadata.algorithms
                )
        except InvalidKeyIdError:
            raise OidcRefused("ID token signed with a key the provider does not publish") from None
        except BadSignatureError:
            raise OidcRefused("ID token's signature does not match the provider's keys") from None
        except UnsupportedAlgorithmError:
            raise OidcRefused(
                f"ID token's algorithm is not one of {', '.join(metadata.algorithms)}"
            ) from None
        except (JoseError, ValueError) as error:
            raise OidcRefused(f"malformed ID token ({printable(error)})") from None
        params: dict[str, Any] = {"nonce": nonce, "client_id": self.client_id}
        if isinstance(access_token, str):
            params["access_token"] = access_token
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "nonce": {"essential": True},
            },
            params,
        )
        try:
            claims.validate(leeway=LEEWAY_SECONDS)
        except ExpiredTokenError:
            raise OidcRefused("ID token expired") from None
        except MissingClaimError as error:
            raise OidcRefused(f"ID token lacks claim {error.claim!r}") from None
        except InvalidClaimError as error:
            raise OidcRefused(f"ID token's claim {error.claim!r} is not as expected") from None
        except JoseError as error:
            raise OidcRefused(f"ID token refused ({printable(error)})") from None
        return dict(claims)
