"""Sign-in through the host's OpenID provider: the authorization code flow with PKCE.

`begin_sign_in` sends the browser to the provider with a fresh state, nonce and PKCE
challenge; what the callback needs to check them travels in a sealed cookie (see
`seal`). `finish_sign_in` checks the state against that cookie, spends it, exchanges
the code, checks the ID token (use_cases.oidc_provider), and then makes or updates the
user and starts a session in one transaction, exactly as a hand-off does
(records.handoff): users are matched by (issuer, sub), organisations by (issuer, org id).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import Engine

from kombo_portal.config.oidc import OidcSettings
from kombo_portal.db.models import Role
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.i18n import LANGUAGES
from kombo_portal.records.handoff import (
    HandedOff,
    HandoffConflict,
    HandoffIdentity,
    sign_in_identity,
    spend_once,
)
from kombo_portal.use_cases.oidc_provider import OidcRefused, OpenIDProvider, Outcome, printable

__all__ = [
    "HandedOff",
    "OidcRefused",
    "OpenIDProvider",
    "Outcome",
    "PendingSignIn",
    "begin_sign_in",
    "finish_sign_in",
    "identity_from_claims",
    "seal",
    "unseal",
]

# Time to sign in at the provider (a password manager, a second factor) and come back.
PENDING_LIFETIME = timedelta(minutes=10)
MAX_CLAIM_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# The sealed cookie's key is the portal's secret key, put to this one use.
_SEAL_PURPOSE = b"kombo-portal: OpenID Connect sign-in in progress"


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in sent to the provider and not back yet."""

    state: str
    nonce: str
    verifier: str  # PKCE: the provider gets its hash now and the value with the code
    redirect_uri: str
    to: str
    expires_at: int  # Unix time


def _seal_key(secret_key: str) -> OctKey:
    return OctKey.import_key(hmac.new(secret_key.encode(), _SEAL_PURPOSE, hashlib.sha256).digest())


def seal(pending: PendingSignIn, secret_key: str) -> str:
    """The cookie's value: encrypted and authenticated (JWE, AES-GCM), so the browser
    can neither read the verifier and nonce nor change anything, `to` included."""
    plaintext = json.dumps(asdict(pending), separators=(",", ":"))
    return jwe.encrypt_compact({"alg": "dir", "enc": "A256GCM"}, plaintext, _seal_key(secret_key))


def unseal(value: str, secret_key: str, now: datetime | None = None) -> PendingSignIn | None:
    """The pending sign-in in a cookie this portal sealed, if it has not expired."""
    if not value or len(value) > 8000:
        return None
    try:
        opened = jwe.decrypt_compact(value, _seal_key(secret_key), algorithms=["dir", "A256GCM"])
        fields = json.loads(opened.plaintext or b"")
        pending = PendingSignIn(**fields)
    except (JoseError, ValueError, TypeError):
        return None
    if pending.expires_at <= (now or datetime.now(UTC)).timestamp():
        return None
    return pending


async def begin_sign_in(
    provider: OpenIDProvider, redirect_uri: str, to: str, now: datetime | None = None
) -> tuple[str, PendingSignIn]:
    """The provider's authorization URL to send the browser to, and what to remember."""
    metadata = await provider.metadata()
    pending = PendingSignIn(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        # 64 characters of the verifier alphabet (RFC 7636 allows 43 to 128).
        verifier=secrets.token_urlsafe(48),
        redirect_uri=redirect_uri,
        to=to,
        expires_at=int(((now or datetime.now(UTC)) + PENDING_LIFETIME).timestamp()),
    )
    url = prepare_grant_uri(
        metadata.authorization_endpoint,
        client_id=provider.client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        scope=provider.settings.scopes,
        state=pending.state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.verifier),
        code_challenge_method="S256",
    )
    return url, pending


def _text(claims: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = claims.get(name)
    # Some providers send ids as numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAIM_LENGTH:
        raise OidcRefused(f"ID token claim {name!r} is missing or not a short text")
    return value.strip()


def _role(value: object, claim: str) -> Role:
    """`admin` or `member`, or a list of groups holding one of them (admin wins)."""
    values = value if isinstance(value, list) else [value]
    for role in (Role.ADMIN, Role.MEMBER):
        if role.value in values:
            return role
    if value is None:
        raise OidcRefused(f"ID token claim {claim!r} (PORTAL_OIDC_ROLE_CLAIM) is missing")
    raise OidcRefused(
        f"ID token claim {claim!r} holds no known role ({_short(value)}; admin or member)"
    )


def _short(value: object) -> str:
    return repr(value)[:40]


def _language(locale: object) -> str | None:
    # `locale` is a BCP 47 tag (`de-CH`); the portal speaks its first part, or nothing.
    if not isinstance(locale, str):
        return None
    language = locale.replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else None


def identity_from_claims(claims: Mapping[str, Any], settings: OidcSettings) -> HandoffIdentity:
    """Who signs in, from a checked ID token's claims; OidcRefused for one that does not
    say enough."""
    if settings.issuer is None:
        raise OidcRefused("OpenID Connect is not configured")
    email = _text(claims, "email")
    if not _EMAIL.match(email) or len(email) > 320:
        raise OidcRefused("ID token claim 'email' is not an email address")
    name = _text(claims, "name", required=False)
    if not name:
        given = " ".join(
            part for part in (claims.get("given_name"), claims.get("family_name"))
            if isinstance(part, str)
        )  # fmt: skip
        name = given[:MAX_CLAIM_LENGTH]
    expires = claims.get("exp")
    return HandoffIdentity(
        issuer=settings.issuer,
        subject=_text(claims, "sub"),
        email=email,
        name=name,
        organisation_id=_text(claims, settings.org_id_claim),
        organisation_name=_text(claims, settings.org_name_claim),
        role=_role(claims.get(settings.role_claim), settings.role_claim),
        language=_language(claims.get("locale")),
        # Unused: the state, not the token, is what signs in only once (see finish_sign_in).
        token_id="",
        expires_at=datetime.fromtimestamp(expires if isinstance(expires, int | float) else 0, UTC),
    )


async def finish_sign_in(
    engine: Engine,
    provider: OpenIDProvider,
    secret_key: str,
    pending: PendingSignIn | None,
    answer: Mapping[str, str],
    lifetime: timedelta,
) -> HandedOff:
    """A new session for whom the provider signed in; OidcRefused (no session, no user
    changed) otherwise. `answer` is the callback's query: state, and code or error."""
    if pending is None:
        raise OidcRefused(
            "no sign-in under way in this browser (its cookie is missing, expired or not ours)",
            Outcome.AGAIN,
        )
    if not hmac.compare_digest(answer.get("state", "").encode(), pending.state.encode()):
        # Login CSRF: a callback begun in another browser must not sign this one in.
        raise OidcRefused("state does not match this browser's sign-in", Outcome.AGAIN)
    error = answer.get("error")
    if error is not None:
        # access_denied: the person cancelled, or the provider would not let them in.
        raise OidcRefused(
            f"provider answered error {printable(error)[:50]!r} "
            f"({printable(answer.get('error_description', ''))})",
            Outcome.AGAIN,
        )
    code = answer.get("code", "")
    if not code:
        raise OidcRefused("callback without a code")

    def spend() -> bool:
        with transaction(engine) as session:
            return spend_once(
                session,
                provider.issuer,
                f"oidc-state:{pending.state}",
                datetime.fromtimestamp(pending.expires_at, UTC),
            )

    # Before the code goes anywhere: a replayed callback stops here.
    if not await in_database_thread(spend):
        raise OidcRefused("state already used (the callback was opened twice)", Outcome.AGAIN)
    tokens = await provider.exchange_code(code, pending.verifier, pending.redirect_uri)
    claims = await provider.check_id_token(
        tokens["id_token"], pending.nonce, tokens.get("access_token")
    )
    identity = identity_from_claims(claims, provider.settings)

    def sign_in() -> HandedOff:
        with transaction(engine) as session:
            try:
                return sign_in_identity(session, identity, secret_key, lifetime)
            except HandoffConflict as conflict:
                raise OidcRefused(str(conflict)) from None

    return await in_database_thread(sign_in)
