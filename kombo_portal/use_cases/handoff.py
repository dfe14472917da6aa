"""Sign-in handed off from the operator's product: check its signed token (HS256 with
PORTAL_HANDOFF_SECRET), then make or update the user and start a session, in one
transaction, so a refused token writes nothing."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import Engine

from kombo_portal.config.handoff import HandoffSettings
from kombo_portal.db.models import Role
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.i18n import LANGUAGES
from kombo_portal.records.handoff import (
    HandoffConflict,
    HandoffIdentity,
    provision_user,
    spend_token_id,
)
from kombo_portal.records.sessions import start_session

AUDIENCE = "kombo-portal"
ALGORITHM = "HS256"
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


@dataclass(frozen=True)
class HandedOff:
    session_token: str
    email: str
    role: str


def _text(claims: dict[str, object], name: str, *, required: bool = True) -> str:
    value = claims.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAIM_LENGTH:
        raise HandoffRefused(f"claim {name!r} is missing or not a short text")
    return value.strip()


def check_token(token: str, settings: HandoffSettings) -> HandoffIdentity:
    """The identity a valid token names; HandoffRefused saying why for any other."""
    if settings.secret is None or settings.issuer is None:
        raise HandoffRefused("hand-off is not configured")
    if len(token.encode()) > MAX_TOKEN_BYTES:
        raise HandoffRefused(f"token longer than {MAX_TOKEN_BYTES} bytes")
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.InvalidTokenError as error:
        raise HandoffRefused(f"malformed token ({error})") from None
    if algorithm != ALGORITHM:
        # `none`, and RS256 signed with the secret as a "public key", are both refused here.
        raise HandoffRefused(f"algorithm {str(algorithm)[:20]!r} is not {ALGORITHM}")
    try:
        claims = jwt.decode(
            token,
            settings.secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=settings.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "sub", "exp", "iat", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise HandoffRefused("token expired", expired=True) from None
    except jwt.ImmatureSignatureError:
        raise HandoffRefused("token issued in the future (iat beyond the leeway)") from None
    except jwt.InvalidSignatureError:
        raise HandoffRefused("bad signature (not signed with PORTAL_HANDOFF_SECRET)") from None
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
    if locale is not None and locale not in LANGUAGES:
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
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


async def sign_in_handed_off(
    engine: Engine,
    settings: HandoffSettings,
    secret_key: str,
    token: str,
    lifetime: timedelta,
) -> HandedOff:
    """A new session for the token's user; HandoffRefused (nothing written) otherwise."""
    identity = check_token(token, settings)

    def sign_in() -> HandedOff:
        with transaction(engine) as session:
            if not spend_token_id(session, identity):
                raise HandoffRefused("token already used (its jti was seen)", expired=True)
            try:
                user = provision_user(session, identity)
            except HandoffConflict as conflict:
                raise HandoffRefused(str(conflict)) from None
            token = start_session(session, user, secret_key, lifetime)
            return HandedOff(session_token=token, email=user.email, role=user.role)

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
) -> str:
    """A token as the operator's product would make it (for `python -m kombo_portal
    handoff` and tests): the README shows the same in a few lines."""
    if settings.secret is None or settings.issuer is None:
        raise HandoffRefused("PORTAL_HANDOFF_SECRET and PORTAL_HANDOFF_ISSUER are not set")
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
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)
