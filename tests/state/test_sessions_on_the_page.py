"""A session that ended (expired, its user deleted, signed out in another tab) stops
working once the tab's last check is SESSION_RECHECK_SECONDS old: the tab is sent to
sign-in and nothing changes, nothing is recorded. Guessing passwords on the sign-in
page is throttled, with the same messages whether or not the email exists."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, update
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.cookies import SESSION_COOKIE, session_cookie_token
from kombo_portal.db.models import ConnectAttempt, Integration, User, UserSession, utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.i18n import translate
from kombo_portal.records import accounts
from kombo_portal.records.accounts import SIGN_IN_FAILURES_ALLOWED
from kombo_portal.sandbox.models import SandboxActivationToken
from kombo_portal.state import auth
from kombo_portal.state.auth import SESSION_RECHECK_SECONDS, AuthState
from kombo_portal.state.integrations import IntegrationsState
from tests.state import test_tenant_isolation as isolation
from tests.state.test_auth_state import fresh_tab
from tests.state.test_handlers import page_state, run
from tests.state.test_tenant_isolation import Acme, rows, snapshot
from tests.support.accounts import PASSWORD, People

SIGN_IN_REFUSED = translate("en", accounts.SIGN_IN_REFUSED)  # what an English page says

TESS = "tess@acme.test"
# Acme's ids and its admin's tab with a flow open (fixtures).
acme_hris, acme = isolation.acme_hris, isolation.acme


@pytest.fixture
def later(monkeypatch):
    """Moves the session checks' clock on by `seconds`."""

    def move(seconds: float) -> None:
        now = auth._now()
        monkeypatch.setattr(auth, "_now", lambda: now + seconds)

    return move


@pytest.fixture
async def tess(engine, backend, people: People, acme) -> IntegrationsState:
    """The tab of another of Acme's admins, who could do all that is tried below."""
    with transaction(engine) as session:
        session.add(
            User(
                organisation_id=people.acme_admin.organisation_id,
                email=TESS,
                name="Tess",
                password_hash="-",  # nobody signs in with a password here
                role="admin",
            )
        )
    tab = page_state(engine, backend, TESS)
    await run(IntegrationsState.load, tab)
    assert (tab.user_name, tab.is_admin) == ("Tess", True)
    await run(IntegrationsState.open_invite, tab, "ATS")
    return tab


def expire(engine, tab) -> None:
    with transaction(engine) as session:
        session.exec(
            update(UserSession)
            .where(UserSession.user_id.in_(select(User.id).where(User.email == TESS)))
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )


def delete_the_user(engine, tab) -> None:
    with transaction(engine) as session:
        session.exec(delete(User).where(User.email == TESS))


def sign_out_in_another_tab(engine, tab) -> None:
    token = session_cookie_token(tab.router.headers.cookie)
    browser = TestClient(create_backend_api(lambda: engine), follow_redirects=False)

    signed_out = browser.post(
        "/auth/sign-out",
        headers={"cookie": f"{SESSION_COOKIE}={token}", "origin": "http://testserver"},
    )

    assert signed_out.status_code == 303


def events_with_acmes_ids(acme: Acme) -> list[tuple[str, tuple]]:
    return [
        ("load", ()),
        ("refresh", ()),
        ("show_activity_page", (0,)),
        ("connect", ("ATS",)),
        ("invite", ({"email": "dora@acme.test"},)),
        ("revoke", (acme.link_id,)),
        ("reconnect", (acme.integration_id,)),
        ("finish_setup", (acme.integration_id,)),
        ("disconnect", (acme.integration_id,)),
        ("set_enabled", (acme.integration_id, False)),
    ]


@pytest.mark.parametrize(
    "end_session",
    [expire, delete_the_user, sign_out_in_another_tab],
    ids=["expired", "user deleted", "signed out in another tab"],
)
async def test_after_the_session_ends_every_event_sends_to_sign_in_and_changes_nothing(
    engine, backend, acme, tess, end_session, later
):
    end_session(engine, tess)
    later(SESSION_RECHECK_SECONDS)
    before = snapshot(engine, leave_out=set())

    for event, args in events_with_acmes_ids(acme):
        result = await run(getattr(IntegrationsState, event), tess, *args)

        assert "/sign-in" in str(result), event
        assert (tess.user_name, tess.organisation_name, tess.is_admin) == ("", "", False)
        assert (tess.notice, tess.error, tess.connect_link, tess.busy) == ("", "", "", False)
    assert snapshot(engine, leave_out=set()) == before, "nothing changed, nothing recorded"


async def test_a_token_arriving_after_sign_out_is_not_exchanged(engine, backend, acme, later):
    # Acme's admin signed out in another tab while the flow was open.
    sign_out_in_another_tab(engine, acme.tab)
    later(SESSION_RECHECK_SECONDS)

    result = await run(IntegrationsState.connect_succeeded, acme.tab, acme.token)

    assert "/sign-in" in str(result)
    assert (acme.tab.connect_link, acme.tab.busy) == ("", False)
    with Session(engine) as session:
        assert session.get(SandboxActivationToken, acme.token).used_at is None
    assert [record.category for record in rows(engine, Integration)] == ["HRIS"]
    [flow] = [
        attempt
        for attempt in rows(engine, ConnectAttempt)
        if (attempt.category, attempt.action) == ("ATS", "connect")
    ]
    assert (flow.outcome, flow.detail) == ("failed", "signed out")


async def test_a_checked_session_is_trusted_for_a_few_seconds_then_checked_again(
    engine, backend, tess, later
):
    sign_out_in_another_tab(engine, tess)

    # Within the window the last check stands: a burst of events costs no query.
    await run(IntegrationsState.show_activity_page, tess, 0)
    assert tess.user_name == "Tess"
    later(SESSION_RECHECK_SECONDS - 0.5)
    assert "/sign-in" not in str(await run(IntegrationsState.show_activity_page, tess, 0))

    later(SESSION_RECHECK_SECONDS)
    assert "/sign-in" in str(await run(IntegrationsState.show_activity_page, tess, 0))
    assert tess.user_name == ""


async def test_a_role_taken_away_takes_effect_within_the_window(engine, backend, acme, tess, later):
    with transaction(engine) as session:
        session.exec(update(User).where(User.email == TESS).values(role="member"))
    later(SESSION_RECHECK_SECONDS)
    before = rows(engine, Integration)

    await run(IntegrationsState.disconnect, tess, acme.integration_id)

    assert tess.is_admin is False
    assert tess.error == "Only admins can change integrations."
    assert rows(engine, Integration) == before, "a member disconnects nothing"
    assert [a.outcome for a in rows(engine, ConnectAttempt) if a.action == "disconnect"] == [
        "refused"
    ]


def without_numbers(message: str) -> str:
    return re.sub(r"\d+", "N", message)


async def test_guessing_passwords_is_throttled_alike_for_known_and_unknown_emails(
    backend, people: People
):
    seen = {}
    for email in ("admin@acme.test", "nobody@acme.test"):
        tab = fresh_tab()
        messages = []
        for guess in range(SIGN_IN_FAILURES_ALLOWED):
            await run(AuthState.sign_in, tab, {"email": email, "password": f"guess {guess}"})
            messages.append(tab.sign_in_error)
        # Even the right password waits now.
        await run(AuthState.sign_in, tab, {"email": email, "password": PASSWORD})
        messages.append(without_numbers(tab.sign_in_error))
        assert tab.exit_url == "", "nobody was signed in"
        seen[email] = messages

    assert seen["admin@acme.test"] == seen["nobody@acme.test"]
    assert seen["admin@acme.test"] == [SIGN_IN_REFUSED] * SIGN_IN_FAILURES_ALLOWED + [
        "Too many attempts to sign in. Try again in N seconds."
    ]
