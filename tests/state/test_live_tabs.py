"""The registry of open tabs per organisation (state.live): in this process without
Redis, in Redis with it; a tab whose socket closed is dropped at the next push. A
pushed change is read for a tab only if the tab does not show it yet."""

import asyncio
import os
import uuid

import pytest
from redis.asyncio import Redis

from kombo_portal.db.transaction import transaction
from kombo_portal.records.versions import bump_version, listen_for_changes
from kombo_portal.state import live
from kombo_portal.state.integrations import IntegrationsState
from kombo_portal.state.live import LocalTabs, RedisTabs
from tests.state.test_handlers import page_state, run
from tests.support.accounts import People

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()


def registries():
    yield pytest.param(LocalTabs, id="in process")
    yield pytest.param(
        lambda: RedisTabs(Redis.from_url(TEST_REDIS_URL)),
        id="redis",
        marks=pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL"),
    )


@pytest.mark.parametrize("make", list(registries()))
async def test_tabs_are_kept_per_organisation_and_dropped_when_gone(make):
    tabs = make()
    acme, globex = f"acme-{uuid.uuid4().hex}", f"globex-{uuid.uuid4().hex}"

    await tabs.add(acme, "tab-1")
    await tabs.add(acme, "tab-2")
    await tabs.add(acme, "tab-1")  # a page loaded again
    await tabs.add(globex, "tab-3")

    assert await tabs.tokens(acme) == ["tab-1", "tab-2"]
    assert await tabs.tokens(globex) == ["tab-3"]

    await tabs.remove(acme, ["tab-1"])
    await tabs.remove(acme, [])

    assert await tabs.tokens(acme) == ["tab-2"]
    assert await tabs.tokens(globex) == ["tab-3"]
    await tabs.remove(acme, ["tab-2"])
    assert await tabs.tokens(acme) == []


async def test_the_tabs_of_one_push_share_one_read_of_each_page(monkeypatch):
    reads: list[tuple[str, int]] = []
    release = asyncio.Event()

    async def read_page(engine, organisation_id: str, number: int):
        reads.append((organisation_id, number))
        await release.wait()
        return f"page {number} of {organisation_id}"

    monkeypatch.setattr(live, "read_page", read_page)
    push = live.PushRound(version=1)
    tabs = [asyncio.create_task(push.read_page(None, "acme", n % 2)) for n in range(16)]
    await asyncio.sleep(0)
    tabs[0].cancel()  # one tab's push given up: the others still get their page
    await asyncio.sleep(0)
    release.set()

    pages = await asyncio.gather(*tabs[1:])
    assert sorted(reads) == [("acme", 0), ("acme", 1)]
    assert pages == [f"page {n % 2} of acme" for n in range(1, 16)]
    assert tabs[0].cancelled()


async def test_a_pushed_change_is_read_only_by_tabs_that_do_not_show_it_yet(
    engine, backend, people: People, monkeypatch
):
    pushed_reads: list[str] = []
    real_read_page = live.read_page

    async def read_page(engine, organisation_id: str, number: int):
        pushed_reads.append(organisation_id)
        return await real_read_page(engine, organisation_id, number)

    monkeypatch.setattr(live, "read_page", read_page)
    announced: list = []
    stop = listen_for_changes(announced.append)
    acme = people.acme_admin.organisation_id
    tab = page_state(engine, backend, "admin@acme.test")
    try:
        await run(IntegrationsState.load, tab)

        def change() -> live.PushRound:
            with transaction(engine) as session:
                bump_version(session, acme)
            return live.PushRound(announced[-1][acme])

        # The tab read its cards after the change (as a handler that makes one does).
        made_here = change()
        await run(IntegrationsState.refresh, tab)
        assert await tab._take_pushed_change(acme, made_here)
        assert pushed_reads == []

        # A change the tab has not read yet (another admin's, a webhook's).
        assert await tab._take_pushed_change(acme, change())
        assert pushed_reads == [acme]
        # Pushed late, after the tab read a later version: nothing to read again.
        assert await tab._take_pushed_change(acme, made_here)
        assert pushed_reads == [acme]
    finally:
        stop()
