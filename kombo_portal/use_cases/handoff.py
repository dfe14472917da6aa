"""Sign-in handed off from the operator's product: check its signed token (HS256 with
PORTAL_HANDOFF_SECRET, or RS256/ES256 with its public key or JWKS: handoff_keys), then
make or update the user and start a session, in one transaction, so a refused token
writes nothing."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import Engine

from kombo_portal.config.handoff import HandoffSettings
from kombo_portal.db.models import Role
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.i18n import LANGUAGES
from kombo_portal.records.handoff import (
    HandedOff,
    HandoffConflict,
    HandoffIdentity,
    sign_in_identity,
    spend_token_id,
)
from kombo_portal.use_cases.handoff_keys import (
    HMAC_ALGORITHM,
    KeyRefused,
    PrivateKey,
    in_key_thread,
    signing_algorithm,
    verification_key,
)

AUDIENCE = "kombo-portal"
# Clocks of the product and the portal may differ this much.
LEEWAY_SECONDS = 60
# A hand-off is used at once: a longer-lived token is a replayable password.
MAX_LIFETIME = timedelta(minutes=5)
# Far more than any honest token; the rest is not even parsed.
MAX_TOKEN_BYTES = 8 * 1024
MAX_CLAIM_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class HandoffRefused(Exception):
    """A token that signs nobody in. `reason` is for the operator's log, `expired` tells
    the person whether trying again from the product may help."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


def _text(claims: dict[str, object], name: str, *, required: bool = True) -> str:
    value = claims.get(name)
    # An optional claim sent empty is one not sent.
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAIM_LENGTH:
        raise HandoffRefused(f"claim {name!r} is missing or not a short text")
    return value.strip()


def check_token(token: str, settings: HandoffSettings) -> HandoffIdentity:
    """The identity a valid token names; HandoffRefused saying why for any other.
    The key may have to be fetched (PORTAL_HANDOFF_JWKS_URL): call it off the event loop."""
    if not settings.enabled or settings.issuer is None:
        raise HandoffRefused("hand-off is not configured")
    if len(token.encode()) > MAX_TOKEN_BYTES:
        raise HandoffRefused(f"token longer than {MAX_TOKEN_BYTES} bytes")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise HandoffRefused(f"malformed token ({error})") from None
    try:
        # The configured key picks the one algorithm accepted, never the token.
        checking = verification_key(header, settings)
    except KeyRefused as refused:
        raise HandoffRefused(refused.reason) from None
    try:
        claims = jwt.decode(
            token,
            checking.key,
            algorithms=[checking.algorithm],
            audience=AUDIENCE,
            issuer=settings.issuer,
            leeway=LEEWAY_SECONDS,
            # `aud` must be the portal alone: a token for several audiences is not ours.
            options={"require": ["iss", "aud", "sub", "exp", "iat", "jti"], "strict_aud": True},
        )
    except jwt.ExpiredSignatureError:
        raise HandoffRefused("token expired", expired=True) from None
    except jwt.ImmatureSignatureError:
        raise HandoffRefused("token issued in the future (iat beyond the leeway)") from None
    except jwt.InvalidSignatureError:
        raise HandoffRefused(f"bad signature (not signed with {settings.key_variable})") from None
    except jwt.InvalidAudienceError:
        raise HandoffRefused(f"wrong audience (aud is not {AUDIENCE!r})") from None
    except jwt.InvalidIssuerError:
        raise HandoffRefused("wrong issuer (iss is not PORTAL_HANDOFF_ISSUER)") from None
    except jwt.MissingRequiredClaimError as error:
        raise HandoffRefused(f"claim {error.claim!r} is missing") from None
    except jwt.InvalidTokenError as error:
        raise HandoffRefused(f"malformed token ({error})") from None
    return _identity(claims, settings.issuer)


def _identity(claims: dict[str, object], issuer: str) -> HandoffIdentity:
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise HandoffRefused("claims 'iat' and 'exp' must be numbers")
    if expires - issued > MAX_LIFETIME.total_seconds():
        raise HandoffRefused("token lives longer than 5 minutes (exp - iat)")
    email = _text(claims, "email")
    if not _EMAIL.match(email) or len(email) > 320:
        raise HandoffRefused("claim 'email' is not an email address")
    role = claims.get("role")
    if role not in (Role.ADMIN.value, Role.MEMBER.value):
        raise HandoffRefused(f"unknown role {str(role)[:20]!r} (admin or member)")
    locale = claims.get("locale")
    if locale is not None and (not isinstance(locale, str) or locale not in LANGUAGES):
        raise HandoffRefused(f"unknown locale {str(locale)[:10]!r} ({', '.join(LANGUAGES)})")
    return HandoffIdentity(
        issuer=issuer,
        subject=_text(claims, "sub"),
        email=email,
        name=_text(claims, "name", required=False),
        organisation_id=_text(claims, "org_id"),
        organisation_name=_text(claims, "org_name"),
        role=Role(role),
        language=locale if isinstance(locale, str) else None,
        token_id=_text(claims, "jti"),
        # Remembered as long as a token can still be accepted: its `exp` plus the leeway
        # (else the minute after `exp` would accept it again).
        expires_at=datetime.fromtimestamp(expires + LEEWAY_SECONDS, UTC),
    )


async def sign_in_handed_off(
    engine: Engine,
    settings: HandoffSettings,
    secret_key: str,
    token: str,
    lifetime: timedelta,
) -> HandedOff:
    """A new session for the token's user; HandoffRefused (nothing written) otherwise."""
    if settings.jwks_url is not None:
        # The JWKS may have to be fetched, a network wait the event loop must not share.
        identity = await in_key_thread(check_token, token, settings)
    else:
        identity = check_token(token, settings)

    def sign_in() -> HandedOff:
        with transaction(engine) as session:
            if not spend_token_id(session, identity):
                raise HandoffRefused("token already used (its jti was seen)", expired=True)
            try:
                return sign_in_identity(session, identity, secret_key, lifetime)
            except HandoffConflict as conflict:
                raise HandoffRefused(str(conflict)) from None

    return await in_database_thread(sign_in)


def make_token(
    settings: HandoffSettings,
    *,
    subject: str,
    email: str,
    organisation_id: str,
    organisation_name: str,
    role: str,
    name: str = "",
    now: datetime | None = None,
    lifetime: timedelta = MAX_LIFETIME,
    private_key: PrivateKey | None = None,
    key_id: str | None = None,
) -> str:
    """A token as the operator's product would make it (for `python -m kombo_portal
    handoff` and tests): the README shows the same in a few lines. HS256 with the
    secret; with a public key or JWKS configured the portal has no key to sign with,
    so the product's `private_key` (and the `key_id` its JWKS names it by) is needed."""
    if not settings.enabled or settings.issuer is None:
        raise HandoffRefused("PORTAL_HANDOFF_SECRET (or a public key) and the issuer are not set")
    if settings.secret is not None:
        if private_key is not None:
            raise HandoffRefused("PORTAL_HANDOFF_SECRET is set: tokens are HS256, no private key")
        key, algorithm, headers = settings.secret, HMAC_ALGORITHM, None
    elif private_key is None:
        raise HandoffRefused(
            f"the portal holds only the public key ({settings.key_variable}): "
            "signing needs the private key"
        )
    else:
        key, algorithm = private_key, signing_algorithm(private_key)
        headers = {"kid": key_id} if key_id else None
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": settings.issuer,
        "aud": AUDIENCE,
        "sub": subject,
        "email": email,
        "org_id": organisation_id,
        "org_name": organisation_name,
        "role": role,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "jti": secrets.token_urlsafe(16),
    }
    if name:
        claims["name"] = name
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)
