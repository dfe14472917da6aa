"""Inviting a colleague with a magic link, and revoking it."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from kombo_portal.db.models import ConnectAttempt, MagicLink
from kombo_portal.problems import Problem
from kombo_portal.records.invitations import created_through_revoked_invitation, open_invitations
from kombo_portal.sandbox.models import SandboxLink
from kombo_portal.use_cases.connect import ConnectOptions
from kombo_portal.use_cases.invitations import invite_colleague, revoke_invitation
from tests.sandbox.conftest import link_token

OPTIONS = ConnectOptions(categories=("HRIS", "ATS"))


async def test_an_admin_invites_a_colleague_with_a_year_long_magic_link(engine, kombo, people):
    admin = people.acme_admin

    link = await invite_colleague(engine, kombo, admin, "ATS", "Rita@Acme.test", OPTIONS)

    assert link.colleague_email == "rita@acme.test"
    assert link.expires_at - link.created_at == timedelta(days=365)
    with Session(engine) as session:
        stored = session.get(SandboxLink, link_token(link.url))
        assert (stored.link_type, stored.category) == ("MAGIC_LINK", "ATS")
        assert stored.end_user_email == "rita@acme.test"
        assert stored.end_user_origin_id == admin.organisation_id
        open_ids = [opened.id for opened in open_invitations(session, admin.organisation_id)]
        assert open_ids == [link.id]


@pytest.mark.parametrize(
    ("who", "category", "email", "message"),
    [
        ("acme_member", "ATS", "rita@acme.test", "Only admins can invite colleagues."),
        ("acme_admin", "LMS", "rita@acme.test", "LMS cannot be connected here."),
        ("acme_admin", "ATS", "not an email", "Enter your colleague's email address."),
    ],
)
async def test_invitations_that_cannot_be_made_are_refused_and_recorded(
    engine, kombo, people, who, category, email, message
):
    with pytest.raises(Problem) as refused:
        await invite_colleague(engine, kombo, getattr(people, who), category, email, OPTIONS)

    assert refused.value.message == message
    with Session(engine) as session:
        assert session.exec(select(MagicLink)).all() == []
        assert session.exec(select(SandboxLink)).all() == []
        [attempt] = session.exec(select(ConnectAttempt)).all()
    assert (attempt.action, attempt.outcome) == ("invite", "refused")


async def test_only_the_organisations_admins_can_revoke(engine, kombo, people):
    link = await invite_colleague(engine, kombo, people.acme_admin, "ATS", "r@acme.test", OPTIONS)

    for outsider in (people.acme_member, people.globex_admin):
        with pytest.raises(Problem):
            await revoke_invitation(engine, outsider, link.id)
    await revoke_invitation(engine, people.acme_admin, link.id)

    with Session(engine) as session:
        assert open_invitations(session, people.acme_admin.organisation_id) == []


async def test_an_integration_made_through_a_revoked_invitation_is_recognised(
    engine, kombo, people
):
    admin = people.acme_admin
    link = await invite_colleague(engine, kombo, admin, "ATS", "r@acme.test", OPTIONS)
    with Session(engine) as session:
        assert not created_through_revoked_invitation(
            session, admin.organisation_id, "ATS", "r@acme.test"
        )

    await revoke_invitation(engine, admin, link.id)

    with Session(engine) as session:
        assert created_through_revoked_invitation(
            session, admin.organisation_id, "ATS", "R@acme.test"
        )
        # The admin's own connects are never blocked by an invitation to themselves.
        assert not created_through_revoked_invitation(
            session, admin.organisation_id, "ATS", admin.email
        )
