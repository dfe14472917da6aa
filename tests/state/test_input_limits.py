"""Page events carrying what the page never sends: wrong types, very long values,
characters no database column holds. Each gets a clear message and changes
nothing, on every database kind (PostgreSQL refuses NUL where SQLite stores it).

Each test tries its whole list of bad values on one page and database: setting
those up is what takes the time.
"""

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.db.models import ConnectAttempt, Integration, MagicLink, SignInAttempt
from kombo_portal.i18n import translate
from kombo_portal.sandbox.models import SandboxLink
from kombo_portal.state import inputs
from kombo_portal.state.auth import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH
from kombo_portal.state.inputs import MAX_ACTIVITY_PAGE
from kombo_portal.state.integrations import IntegrationsState
from kombo_portal.use_cases import lifecycle
from tests.sandbox.conftest import complete_flow
from tests.state.test_handlers import acme_hris, page_state, run  # noqa: F401  (a fixture)

NOT_CONFIRMED = "The connection could not be confirmed with Kombo. Try connecting again."
# What an English page says (the services name their messages by key).
BAD_REQUEST = translate("en", inputs.BAD_REQUEST)
NOT_YOURS = translate("en", lifecycle.NOT_YOURS)
# Values of the wrong type, or that no column can hold, or far too long.
WRONG_TEXTS = [
    None,
    42,
    ["HRIS"],
    {"value": "HRIS"},
    "HR\x00IS",
    "HR\ud800IS",
    "x" * 100_000,
    "",
]


def rows(engine, model) -> list:
    with Session(engine) as session:
        return list(session.exec(select(model)))


def admin_page(engine, backend):
    return page_state(engine, backend, "admin@acme.test", language="en")


async def test_connect_with_a_category_the_page_never_sends_is_refused(engine, backend, people):
    state = admin_page(engine, backend)

    for category in [*WRONG_TEXTS, "hris", "HRIS ", "H-R"]:
        await run(IntegrationsState.connect, state, category)

        assert (state.error, state.connect_link, state.busy) == (BAD_REQUEST, "", False)
    assert rows(engine, ConnectAttempt) == []
    assert rows(engine, SandboxLink) == []


async def test_the_invite_dialog_opens_for_real_categories_only(engine, backend, people):
    state = admin_page(engine, backend)

    for category in WRONG_TEXTS:
        await run(IntegrationsState.open_invite, state, category)

        assert (state.error, state.inviting) == (BAD_REQUEST, ""), category


UNUSABLE_INVITATIONS = [
    ([], "Enter your colleague's email address."),
    ("ada@acme.test", "Enter your colleague's email address."),
    ({"email": 42}, "Enter your colleague's email address."),
    ({"email": ["ada@acme.test"]}, "Enter your colleague's email address."),
    ({"email": "ada\x00@acme.test"}, "Enter your colleague's email address."),
    ({"email": "ada\ud800@acme.test"}, "Enter your colleague's email address."),
    ({"email": "ada\n@acme.test"}, "Enter your colleague's email address."),
    ({"email": "a da@acme.test"}, "Enter your colleague's email address."),
    ({"email": "ada@acme"}, "Enter your colleague's email address."),
    # Shortened, it would be another address: refused whole.
    ({"email": "a" * 320 + "@acme.test"}, "An email address has at most 320 characters."),
]


async def test_an_invitation_to_an_unusable_email_is_refused(engine, backend, people):
    state = admin_page(engine, backend)
    await run(IntegrationsState.open_invite, state, "ATS")

    for form, message in UNUSABLE_INVITATIONS:
        await run(IntegrationsState.invite, state, form)

        assert state.invite_error == message, form
        assert state.inviting == "ATS"  # the dialog stays open to correct it
    assert rows(engine, MagicLink) == []
    assert rows(engine, SandboxLink) == []
    # The refusals the service made are in the audit log, as refusals.
    assert {attempt.outcome for attempt in rows(engine, ConnectAttempt)} == {"refused"}


@pytest.mark.parametrize(
    ("handler", "extra"),
    [
        (IntegrationsState.disconnect, ()),
        (IntegrationsState.set_enabled, (False,)),
        (IntegrationsState.reconnect, ()),
        (IntegrationsState.finish_setup, ()),
    ],
    ids=["disconnect", "disable", "reconnect", "finish_setup"],
)
@pytest.mark.usefixtures("acme_hris")
async def test_an_unusable_integration_id_is_not_one_of_yours(engine, backend, handler, extra):
    state = admin_page(engine, backend)

    for integration_id in [*WRONG_TEXTS, "ab" * 16 + "c"]:
        await run(handler, state, integration_id, *extra)

        assert (state.error, state.connect_link, state.busy) == (NOT_YOURS, "", False)
    [record] = rows(engine, Integration)
    assert (record.state, record.removed_at) == ("ACTIVE", None)


@pytest.mark.usefixtures("acme_hris")
async def test_enabling_takes_true_or_false_only(engine, backend):
    state = admin_page(engine, backend)
    [hris] = rows(engine, Integration)
    attempts_before = len(rows(engine, ConnectAttempt))

    for enabled in ["false", "true", 0, 1, None, [], {"value": False}]:
        await run(IntegrationsState.set_enabled, state, hris.id, enabled)

        assert (state.error, state.busy) == (BAD_REQUEST, False), enabled
    [record] = rows(engine, Integration)
    assert record.state == "ACTIVE"
    assert len(rows(engine, ConnectAttempt)) == attempts_before


async def test_revoking_an_unusable_invitation_id_changes_nothing(engine, backend, people):
    state = admin_page(engine, backend)
    await run(IntegrationsState.open_invite, state, "ATS")
    await run(IntegrationsState.invite, state, {"email": "carla@acme.test"})

    for link_id in WRONG_TEXTS:
        await run(IntegrationsState.revoke, state, link_id)

        assert state.error == "This invitation is not one of your organisation's.", link_id
    [link] = rows(engine, MagicLink)
    assert link.revoked_at is None


async def test_an_activity_page_out_of_range_or_of_another_type_is_refused(engine, backend, people):
    state = admin_page(engine, backend)
    await run(IntegrationsState.load, state)

    for page in [-1, MAX_ACTIVITY_PAGE + 1, 10**30, 1.5, True, "2", None, [1]]:
        await run(IntegrationsState.show_activity_page, state, page)

        # In the page's language (loaded: Acme's admin reads German).
        expected = translate(state.language, inputs.BAD_REQUEST)
        assert (state.error, state.activity_page_number) == (expected, 0), page

    # The last page allowed is served (empty).
    state.error = ""
    await run(IntegrationsState.show_activity_page, state, MAX_ACTIVITY_PAGE)

    assert (state.error, state.activity_page_number, state.activity) == ("", MAX_ACTIVITY_PAGE, [])


async def test_an_unusable_activation_token_ends_the_flow_and_frees_the_page(
    engine, backend, people
):
    state = admin_page(engine, backend)
    tokens = ["", None, 42, ["t"], "t" * 5000, "to ken", "tok\x00en", "tok\ud800en", "tök"]

    for token in tokens:
        # The page is usable again after each: a new flow opens.
        await run(IntegrationsState.connect, state, "HRIS")
        assert state.connect_link and state.error == ""

        await run(IntegrationsState.connect_succeeded, state, token)

        assert state.error == NOT_CONFIRMED, token
        assert (state.busy, state.connect_link) == (False, "")
    assert rows(engine, Integration) == []
    assert {(a.outcome, a.detail) for a in rows(engine, ConnectAttempt)} == {
        ("failed", "unusable token")
    }
    assert len(rows(engine, ConnectAttempt)) == len(tokens)

    # And a good token after all that still connects.
    await run(IntegrationsState.connect, state, "HRIS")
    control = TestClient(
        backend.sandbox,
        base_url="http://t",
        headers={"Authorization": f"Bearer {backend.settings.sandbox.api_key}"},
    )

    await run(
        IntegrationsState.connect_succeeded,
        state,
        complete_flow(control, state.connect_link, tool="personio"),
    )

    assert (state.error, state.notice) == ("", "Personio is connected.")


async def test_whatever_error_the_browser_reports_is_logged_storably(engine, backend, people):
    state = admin_page(engine, backend)
    reports = [("Error\x00", "bad\ud800"), ({"name": "x"}, ["y"] * 1000), ("E" * 100_000, None)]

    for name, message in reports:
        await run(IntegrationsState.connect, state, "HRIS")
        await run(IntegrationsState.connect_failed, state, name, message)

        assert state.error == "The connection window could not be opened. Try again."
    attempts = rows(engine, ConnectAttempt)
    assert [attempt.outcome for attempt in attempts] == ["failed"] * len(reports)
    assert all(0 < len(a.detail) <= 1000 and "\x00" not in a.detail for a in attempts)


UNUSABLE_CREDENTIALS = [
    ([], "Enter your email and your password."),
    ({"email": 1, "password": 2}, "Enter your email and your password."),
    ({"email": ["a"], "password": "p"}, "Enter your email and your password."),
    ({"email": " ", "password": "p"}, "Enter your email and your password."),
    (
        {"email": "a" * (MAX_EMAIL_LENGTH + 1), "password": "p"},
        "An email has at most 320 characters, a password at most 1024.",
    ),
    (
        {"email": "admin@acme.test", "password": "p" * (MAX_PASSWORD_LENGTH + 1)},
        "An email has at most 320 characters, a password at most 1024.",
    ),
    (
        {"email": "admin\x00@acme.test", "password": "p"},
        "The email or the password holds characters that cannot be used.",
    ),
    (
        {"email": "admin@acme.test", "password": "p\ud800"},
        "The email or the password holds characters that cannot be used.",
    ),
]


async def test_sign_in_with_unusable_credentials_is_refused_before_any_lookup(
    engine, backend, people
):
    state = admin_page(engine, backend)

    for form, message in UNUSABLE_CREDENTIALS:
        await run(IntegrationsState.sign_in, state, form)

        assert state.sign_in_error == message, form
        assert state.exit_url == ""
    assert rows(engine, SignInAttempt) == []
