"""Organisations, users, their passwords (argon2id) and signing in."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kombo_portal.db.columns import column_length
from kombo_portal.db.locks import hold_lock
from kombo_portal.db.models import (
    Organisation,
    Role,
    SignInAttempt,
    User,
    UserSession,
    as_utc,
    utc_now,
)
from kombo_portal.kombo.models import Language
from kombo_portal.problems import Problem

LANGUAGES = tuple(language.value for language in Language)
MIN_PASSWORD_LENGTH = 12
# Failed sign-ins allowed per email within the window before further tries wait.
SIGN_IN_FAILURES_ALLOWED = 5
SIGN_IN_WINDOW = timedelta(minutes=1)
# One message (its kombo_portal.i18n key) for every refused sign-in, so it never tells
# whether an email exists.
SIGN_IN_REFUSED = "sign_in.refused"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only here for timing")


# The most an email address can be, and the width of every email column.
MAX_EMAIL_LENGTH = column_length(User.email)


class AccountError(ValueError):
    """An account change that cannot be made; the message says why, for the operator."""


class SignInRefused(Problem):
    """A refused sign-in; `retry_after_seconds` when it was refused for trying too often."""

    def __init__(self, key: str, retry_after_seconds: int | None = None, **params: object) -> None:
        self._describe(key, params, log_url=None)
        self.retry_after_seconds = retry_after_seconds


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < 5:
        raise AccountError("the password is too simple: use more different characters")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_organisation(session: Session, name: str) -> Organisation:
    name = " ".join(name.split())
    if not name:
        raise AccountError("the organisation name is empty")
    if len(name) > 200:
        raise AccountError("the organisation name is longer than 200 characters")
    # Names are unique whatever their case ("Acme", "ACME"), which the database's
    # unique constraint does not see: two at once take turns.
    hold_lock(session, f"organisation-name:{name.lower()}")
    if find_organisation(session, name) is not None:
        raise AccountError(f"an organisation named {name!r} exists already")
    organisation = Organisation(name=name)
    session.add(organisation)
    session.flush()
    return organisation


def find_organisation(session: Session, name: str) -> Organisation | None:
    name = " ".join(name.split())
    return session.exec(
        select(Organisation).where(func.lower(Organisation.name) == name.lower())
    ).first()


def create_user(
    session: Session,
    *,
    email: str,
    organisation_name: str,
    password: str,
    role: Role = Role.MEMBER,
    name: str = "",
    language: str | None = None,
) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > MAX_EMAIL_LENGTH or " " in email:
        raise AccountError(f"{email!r} is not an email address")
    organisation = find_organisation(session, organisation_name)
    if organisation is None:
        raise AccountError(f"no organisation named {organisation_name!r}")
    if find_user(session, email) is not None:
        raise AccountError(f"a user with the email {email} exists already")
    if language is not None and language not in LANGUAGES:
        raise AccountError(f"the language must be one of {', '.join(LANGUAGES)}")
    check_password_strength(password)
    user = User(
        organisation_id=organisation.id,
        email=email,
        name=" ".join(name.split()) or email.split("@")[0],
        password_hash=hash_password(password),
        role=Role(role).value,
        language=language,
    )
    session.add(user)
    session.flush()
    return user


def set_language(session: Session, user_id: str, language: str) -> None:
    """Store the language a user chose, so it follows them to every browser (and to
    Kombo's flow)."""
    if language not in LANGUAGES:
        raise AccountError(f"the language must be one of {', '.join(LANGUAGES)}")
    user = session.get(User, user_id)
    if user is not None and user.language != language:
        user.language = language
        session.add(user)


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.name)))


def list_users(session: Session, organisation: Organisation | None = None) -> list[User]:
    statement = select(User).order_by(User.email)
    if organisation is not None:
        statement = statement.where(User.organisation_id == organisation.id)
    return list(session.exec(statement))


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> User:
    """The user with these credentials, or SignInRefused.

    Failed attempts are recorded per email (known or not) and, past the allowance,
    refused before the password is even checked. The caller commits either way, so
    the failure counts.
    """
    now = now or utc_now()
    email_key = hashlib.sha256(normalise_email(email).encode()).hexdigest()
    _serialise_attempts(session, email_key)
    window_start = now - SIGN_IN_WINDOW
    session.exec(delete(SignInAttempt).where(col(SignInAttempt.attempted_at) < window_start))
    recent = session.exec(
        select(SignInAttempt.attempted_at)
        .where(SignInAttempt.email_key == email_key)
        .where(SignInAttempt.attempted_at >= window_start)
        .order_by(col(SignInAttempt.attempted_at))
    ).all()
    if len(recent) >= SIGN_IN_FAILURES_ALLOWED:
        oldest = as_utc(recent[-SIGN_IN_FAILURES_ALLOWED])
        wait = max(1, int((oldest + SIGN_IN_WINDOW - now).total_seconds()) + 1)
        raise SignInRefused("sign_in.throttled", retry_after_seconds=wait, seconds=wait)
    user = find_user(session, email)
    # An unknown email still costs one hash verification, so timing does not tell.
    if _password_matches(user.password_hash if user else _DUMMY_HASH, password) and user:
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
            session.add(user)
        return user
    session.add(SignInAttempt(email_key=email_key, attempted_at=now))
    raise SignInRefused(SIGN_IN_REFUSED)


def _serialise_attempts(session: Session, email_key: str) -> None:
    """One sign-in per email at a time, until the transaction ends.

    Counting the recent failures and recording a new one must be one step: under
    PostgreSQL's READ COMMITTED, parallel guesses would otherwise all count the
    same failures and all be checked. SQLite's writers are serialised already.
    """
    hold_lock(session, f"sign-in:{email_key}")


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Sandbox mode only: an organisation to try the portal with, shown on the sign-in page.
DEMO_ORGANISATION = "Demo Company"
DEMO_ADMIN_EMAIL = "admin@demo.test"
DEMO_MEMBER_EMAIL = "member@demo.test"
DEMO_ADMIN_NAME = "Dana Demo"
DEMO_PASSWORD = "sandbox-demo-password"  # noqa: S105 (public on purpose, sandbox only)
# The demo accounts' keys in the sandbox's stand-in host product, whose hand-off signs
# them in as a real product would (see api.demo_host).
DEMO_ORGANISATION_ID = "demo-company"
DEMO_SUBJECTS = {DEMO_ADMIN_EMAIL: "demo-admin", DEMO_MEMBER_EMAIL: "demo-member"}


def ensure_demo_accounts(session: Session) -> bool:
    """Create the demo organisation, admin and member unless the organisation exists.

    Returns True if it created them. Call only in sandbox mode.
    """
    if find_organisation(session, DEMO_ORGANISATION) is not None:
        return False
    create_organisation(session, DEMO_ORGANISATION)
    for email, name, role in (
        (DEMO_ADMIN_EMAIL, DEMO_ADMIN_NAME, Role.ADMIN),
        (DEMO_MEMBER_EMAIL, "Max Member", Role.MEMBER),
    ):
        create_user(
            session,
            email=email,
            organisation_name=DEMO_ORGANISATION,
            password=DEMO_PASSWORD,
            role=role,
            name=name,
        )
    return True


def link_demo_accounts(session: Session, issuer: str) -> None:
    """Give the demo organisation and users their keys in the stand-in host product
    (`issuer`), so its hand-off finds them rather than refusing their taken emails."""
    demo = find_organisation(session, DEMO_ORGANISATION)
    if demo is None:
        return
    if demo.external_issuer is None:
        demo.external_issuer, demo.external_id = issuer, DEMO_ORGANISATION_ID
        session.add(demo)
    for user in list_users(session, demo):
        subject = DEMO_SUBJECTS.get(user.email)
        if subject is not None and user.external_issuer is None:
            user.external_issuer, user.external_subject = issuer, subject
            session.add(user)


# Not an argon2 hash: no password ever matches it.
LOCKED_PASSWORD_HASH = "!locked"  # noqa: S105


def lock_demo_accounts(session: Session) -> int:
    """With a real Kombo key, the public demo credentials must not sign anyone in, nor
    the sandbox's published hand-off keys.

    Locks the demo users' passwords, unlinks them from the stand-in host product and ends
    their sessions; returns how many it locked.
    """
    demo = find_organisation(session, DEMO_ORGANISATION)
    if demo is None:
        return 0
    locked = 0
    for user in list_users(session, demo):
        if user.email in DEMO_SUBJECTS and (
            user.password_hash != LOCKED_PASSWORD_HASH
            or user.external_subject == DEMO_SUBJECTS[user.email]
        ):
            user.password_hash = LOCKED_PASSWORD_HASH
            if user.external_subject == DEMO_SUBJECTS[user.email]:
                user.external_issuer = user.external_subject = None
            session.add(user)
            session.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))
            locked += 1
    return locked
