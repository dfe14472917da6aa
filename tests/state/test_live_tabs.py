"""The registry of open tabs per organisation (state.live): in this process without
Redis, in Redis with it; a tab whose socket closed is dropped at the next push."""

import asyncio
import os
import uuid

import pytest
from redis.asyncio import Redis

from kombo_portal.state import live
from kombo_portal.state.live import LocalTabs, RedisTabs

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
    push = live.PushRound()
    tabs = [asyncio.create_task(push.read_page(None, "acme", n % 2)) for n in range(16)]
    await asyncio.sleep(0)
    tabs[0].cancel()  # one tab's push given up: the others still get their page
    await asyncio.sleep(0)
    release.set()

    pages = await asyncio.gather(*tabs[1:])
    assert sorted(reads) == [("acme", 0), ("acme", 1)]
    assert pages == [f"page {n % 2} of acme" for n in range(1, 16)]
    assert tabs[0].cancelled()
