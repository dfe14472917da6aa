"""The sandbox, like Kombo, makes one integration per Connect link and honours each
activation token once, also when the same request comes twice at the same moment (a
double click, two tabs): the second waits for the first, then finds it used."""

from __future__ import annotations

from sqlmodel import Session, select

from kombo_portal.sandbox import flow
from kombo_portal.sandbox.links import LinkUnavailable, open_link
from kombo_portal.sandbox.models import SandboxActivationToken, SandboxIntegration
from tests.sandbox.conftest import complete_flow, link_token
from tests.support.concurrency import twice_at_once


def test_a_flow_page_submitted_twice_at_once_connects_once(engine, control, sandbox_config):
    token = link_token(control.post("/v1/connect/create-link", json=LINK).json()["data"]["link"])

    def submit(session: Session):
        link = open_link(session, token, to_complete=True)
        tool = flow.tool_for_link(link, "personio")
        assert tool is not None
        return flow.submit_credentials(
            session, link, tool, password="pw", webhooks=sandbox_config.webhooks
        )

    first, second = twice_at_once(engine, submit, submit)

    assert isinstance(first, SandboxActivationToken)
    assert isinstance(second, LinkUnavailable) and second.reason == "used"
    with Session(engine) as session:
        assert len(session.exec(select(SandboxIntegration)).all()) == 1


def test_an_activation_token_exchanged_twice_at_once_is_honoured_once(engine, control):
    link = control.post("/v1/connect/create-link", json=LINK).json()["data"]["link"]
    activation = complete_flow(control, link, tool="personio")

    def exchange(session: Session):
        return flow.exchange_activation_token(session, activation)

    first, second = twice_at_once(engine, exchange, exchange)

    assert isinstance(first, SandboxIntegration)
    assert isinstance(second, Exception)
    assert "already been used" in str(second)


LINK = {
    "end_user_email": "admin@acme.test",
    "end_user_organization_name": "Acme Inc.",
    "end_user_origin_id": "org_1",
    "integration_category": "HRIS",
}
