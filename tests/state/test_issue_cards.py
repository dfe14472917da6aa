"""Kombo's open issues on their integration's card: a warning word, Kombo's title,
and Kombo's message for admins (as plain text) or who can look into it for members;
gone once resolved. Through the page's state too, as a browser would load it."""

from datetime import UTC, datetime

from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.db.models import Integration, IntegrationIssue
from kombo_portal.kombo.signature import sign_webhook
from kombo_portal.state.cards import IssueView, card_facts, card_view
from kombo_portal.state.integrations import IntegrationsState
from tests.records.issue_events import MESSAGE, TITLE, envelope, issue_data
from tests.state.test_handlers import acme_hris, page_state, run  # noqa: F401  (a fixture)
from tests.state.test_view_helpers import integration

MEMBER_DETAIL = "Kombo noticed a problem with this connection. An admin can look into it."


def live(**fields) -> Integration:
    return integration(id="rec1", **fields)


def issue(issue_id: str = "iss_1", integration_id: str = "rec1", **fields) -> IntegrationIssue:
    values = {
        "id": issue_id,
        "integration_id": integration_id,
        "organisation_id": "org",
        "type": "integration.authentication_failed",
        "title": TITLE,
        "markdown_message": MESSAGE,
        "status": "OPEN",
        "first_observed_at": datetime(2026, 12, 1, 10, tzinfo=UTC),
    }
    return IntegrationIssue(**{**values, **fields})


def card(integration=None, open_issues=None, language="en", **kwargs):
    facts = card_facts("HRIS", integration, {}, open_issues=open_issues)
    return card_view(facts, language, **kwargs)


def test_an_admin_reads_the_warning_kombos_title_and_its_message_as_plain_text():
    shown = card(live(), {"rec1": [issue()]})

    assert shown.issues == [
        IssueView(
            id="iss_1",
            label="Warning",
            title=TITLE,
            # Markup and all, as text: the page never renders it as HTML.
            detail=MESSAGE,
            noticed="Kombo noticed it on 1 Dec 2026",
        )
    ]
    assert shown.status_text == "Active", "the card's one state stays Kombo's"


def test_a_member_reads_the_title_and_that_an_admin_can_look_into_it():
    [shown] = card(live(), {"rec1": [issue()]}, is_admin=False).issues

    assert (shown.label, shown.title, shown.detail) == ("Warning", TITLE, MEMBER_DETAIL)
    assert MESSAGE not in repr(card(live(), {"rec1": [issue()]}, is_admin=False))


def test_the_warning_is_in_the_readers_language():
    [shown] = card(live(), {"rec1": [issue()]}, language="de").issues

    assert (shown.label, shown.noticed) == ("Warnung", "Von Kombo bemerkt am 1. Dez. 2026")
    assert shown.title == TITLE, "Kombo's own words stay as Kombo wrote them"


def test_every_open_issue_is_listed_and_only_the_cards_integrations():
    open_issues = {
        "rec1": [issue("iss_1"), issue("iss_2", title="Employees are missing")],
        "rec2": [issue("iss_3", integration_id="rec2", title="Another card's")],
    }

    shown = card(live(), open_issues)

    assert [(item.id, item.title) for item in shown.issues] == [
        ("iss_1", TITLE),
        ("iss_2", "Employees are missing"),
    ]


def test_a_card_without_a_live_integration_shows_no_issue():
    removed = live(removed_at=datetime(2026, 12, 2, tzinfo=UTC))
    facts = card_facts("HRIS", None, {}, removed=removed, open_issues={"rec1": [issue()]})

    assert facts.issues == ()
    assert card_view(facts, "en").issues == []


def test_no_issue_no_warning():
    assert card(live()).issues == []
    assert card(live(), {}).issues == []


# -- through the page's state --------------------------------------------------------------


def post_issue(engine, data: dict, event_id: str) -> str:
    """Kombo's webhook, signed, to the portal's route (on the page's database)."""
    client = TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: ("s",)))
    body = envelope(event_id, "issue-status-changed", data)
    response = client.post(
        "/webhooks/kombo", content=body, headers={"X-Kombo-Signature": sign_webhook("s", body)}
    )
    return response.json()["outcome"]


def hris(state: IntegrationsState):
    return next(card for card in state.cards if card.category == "HRIS")


async def test_a_raised_issue_shows_on_open_pages_at_the_next_refresh_and_goes_when_resolved(
    engine,
    backend,
    acme_hris,  # noqa: F811  (the fixture)
):
    admin = page_state(engine, backend, "admin@acme.test")
    member = page_state(engine, backend, "member@acme.test")
    await run(IntegrationsState.load, admin)
    await run(IntegrationsState.load, member)
    assert hris(admin).issues == []
    integration = acme_hris.kombo_integration_id

    assert post_issue(engine, issue_data(integration=integration), "evt_1") == "applied"
    await run(IntegrationsState.refresh, admin)
    await run(IntegrationsState.refresh, member)

    [warning] = hris(admin).issues
    assert (warning.label, warning.title, warning.detail) == ("Warnung", TITLE, MESSAGE)
    [members_warning] = hris(member).issues
    assert (members_warning.title, members_warning.detail) == (TITLE, MEMBER_DETAIL)
    assert admin.activity[0]["what"] == (f"Kombo hat ein Problem mit Personio gemeldet: {TITLE}")

    resolved = issue_data("resolved", integration=integration)
    assert post_issue(engine, resolved, "evt_2") == "applied"
    await run(IntegrationsState.refresh, admin)

    assert hris(admin).issues == []
    assert admin.activity[0]["what"].startswith("Kombo hat das Problem mit Personio")
