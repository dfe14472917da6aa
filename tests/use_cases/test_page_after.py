"""The page read in the same database thread as an activation's record (PageAfter)."""

import pytest

from kombo_portal.db.transaction import reading
from kombo_portal.problems import Problem
from kombo_portal.records.versions import organisation_version
from kombo_portal.use_cases.connect import ConnectOptions, finish_connect, start_connect
from kombo_portal.use_cases.page_data import PageAfter
from tests.sandbox.conftest import complete_flow

OPTIONS = ConnectOptions(categories=("HRIS", "ATS"))


async def test_the_page_read_with_the_record_shows_the_new_integration(
    engine, kombo, control, people
):
    admin = people.acme_admin
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    token = complete_flow(control, started.link, tool="personio")
    page_after = PageAfter(activity_page_number=0)

    integration = await finish_connect(engine, kombo, admin, started.attempt_id, token, page_after)

    page = page_after.data
    assert page is not None
    assert [i.kombo_integration_id for i in page.overview.integrations] == [
        integration.kombo_integration_id
    ]
    with reading(engine) as session:
        assert page.version == organisation_version(session, admin.organisation_id)
    assert "activity.connect.done" in [entry.what_key for entry in page.activity.entries]
    assert page.overview.people[admin.user_id]
    # What the page shows then is that read, not another.
    assert await page_after.read_page(engine, admin.organisation_id, 0) is page
    # Another page of the log than the one read with the record is read afresh.
    assert await page_after.read_page(engine, admin.organisation_id, 1) is not page


async def test_nothing_is_read_when_the_activation_is_refused(engine, kombo, control, people):
    theirs = await start_connect(engine, kombo, people.globex_admin, "HRIS", OPTIONS)
    their_token = complete_flow(control, theirs.link)
    ours = await start_connect(engine, kombo, people.acme_admin, "HRIS", OPTIONS)
    page_after = PageAfter(activity_page_number=0)

    with pytest.raises(Problem):
        await finish_connect(
            engine, kombo, people.acme_admin, ours.attempt_id, their_token, page_after
        )

    assert page_after.data is None
    page = await page_after.read_page(engine, people.acme_admin.organisation_id, 0)
    assert page.overview.integrations == []
    assert "activity.connect.refused" in [entry.what_key for entry in page.activity.entries]


async def test_nothing_is_read_for_a_second_integration_of_a_category(
    engine, kombo, control, people
):
    admin = people.acme_admin
    first = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    second = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    await finish_connect(engine, kombo, admin, first.attempt_id, complete_flow(control, first.link))
    page_after = PageAfter(activity_page_number=0)

    with pytest.raises(Problem, match="already connected"):
        token = complete_flow(control, second.link)
        await finish_connect(engine, kombo, admin, second.attempt_id, token, page_after)

    assert page_after.data is None
