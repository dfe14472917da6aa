"""Changes pushed to open pages, whichever door they came in by.

A page registers its tab (Reflex's client token) under its organisation when it
shows that organisation's cards. After a commit that changed organisations
(records.versions), each open tab of those organisations has its state changed
with `app.modify_state`: the page reads its cards again, unless it read them after
the change committed (the commit's version says), and Reflex sends the difference to
the browser, relayed through Redis to whichever worker or instance holds the tab's
socket. Nothing polls.

Why a registry of tabs rather than `rx.SharedState`: each tab shows the cards in its
reader's language and role, so a shared value would still make every tab ask for
its own cards (a second round trip); and a shared state's links live in the tab's
own state, silently lost once that expires. Here a push goes straight to each tab,
and a tab whose state has expired is told to load its page again.

The registry is a Redis hash per organisation when Reflex has Redis (several
workers or instances), else a dict in this process (one worker). Tabs whose socket
has closed are dropped at the next push.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Protocol, cast

from redis.asyncio import Redis
from reflex.app import App
from reflex.istate.manager.token import BaseStateToken
from reflex.state import BaseState
from reflex.utils import prerequisites
from sqlalchemy import Engine

from kombo_portal import metrics
from kombo_portal.records.versions import listen_for_changes
from kombo_portal.use_cases.page_data import PageData, read_page

logger = logging.getLogger(__name__)

REDIS_KEY = "kombo_portal:tabs:{organisation_id}"
# A registration outlives any state Reflex keeps for a tab (an hour by default).
REGISTRATION_SECONDS = 24 * 3600


class TabRegistry(Protocol):
    async def add(self, organisation_id: str, token: str) -> None: ...

    async def tokens(self, organisation_id: str) -> list[str]: ...

    async def remove(self, organisation_id: str, tokens: Iterable[str]) -> None: ...


class LocalTabs:
    """One worker's tabs (no Redis: Reflex runs one worker then)."""

    def __init__(self) -> None:
        self._tabs: dict[str, set[str]] = {}

    async def add(self, organisation_id: str, token: str) -> None:
        tabs = self._tabs.setdefault(organisation_id, set())
        if token not in tabs:
            metrics.pages_opened()
        tabs.add(token)

    async def tokens(self, organisation_id: str) -> list[str]:
        return sorted(self._tabs.get(organisation_id, ()))

    async def remove(self, organisation_id: str, tokens: Iterable[str]) -> None:
        tabs = self._tabs.get(organisation_id, set())
        gone = tabs.intersection(tokens)
        metrics.pages_closed(len(gone))
        tabs.difference_update(gone)
        if not tabs:
            self._tabs.pop(organisation_id, None)


class RedisTabs:
    """Every instance's tabs, in the Redis that Reflex's state lives in."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def add(self, organisation_id: str, token: str) -> None:
        key = REDIS_KEY.format(organisation_id=organisation_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, token, str(int(time.time())))
            pipe.expire(key, REGISTRATION_SECONDS)
            added, _ = await pipe.execute()
        # HSET counts new fields only: a tab registering again is not one more page.
        metrics.pages_opened(int(added))

    async def tokens(self, organisation_id: str) -> list[str]:
        # redis-py's commands are typed for its sync and async clients at once.
        key = REDIS_KEY.format(organisation_id=organisation_id)
        found = await cast(Awaitable[list[bytes]], self._redis.hkeys(key))
        return sorted(token.decode() if isinstance(token, bytes) else token for token in found)

    async def remove(self, organisation_id: str, tokens: Iterable[str]) -> None:
        gone = list(tokens)
        if gone:
            key = REDIS_KEY.format(organisation_id=organisation_id)
            removed = await cast(Awaitable[int], self._redis.hdel(key, *gone))
            metrics.pages_closed(removed)


class PushRound:
    """One change pushed to the tabs of an organisation: they share one read of each
    page they show (16 tabs read the database once, not 16 times, and so the last of
    them is not served behind the first 15's reads). `version`: the organisation's
    version the change committed as; a tab showing that or a later one has it."""

    def __init__(self, version: int) -> None:
        self.version = version
        self._pages: dict[tuple[str, int], asyncio.Task[PageData]] = {}

    async def read_page(self, engine: Engine, organisation_id: str, number: int) -> PageData:
        key = (organisation_id, number)
        if key not in self._pages:
            self._pages[key] = asyncio.ensure_future(read_page(engine, organisation_id, number))
        # Shielded: one tab's push cancelled must not cancel the others' read.
        return await asyncio.shield(self._pages[key])


class LivePage(Protocol):
    async def _take_pushed_change(self, organisation_id: str, push_round: PushRound) -> bool:
        """Show the change; False when the tab no longer shows the organisation."""
        ...


class LivePages:
    """Pushes each committed change to the open tabs of its organisations."""

    def __init__(self, app: App, page: type[BaseState]) -> None:
        self._app = app
        self._page = page  # a state class with LivePage's method
        redis = prerequisites.get_redis()
        self.tabs: TabRegistry = RedisTabs(redis) if redis is not None else LocalTabs()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pushing: set[asyncio.Task[None]] = set()

    def start(self) -> Callable[[], None]:
        """Listen from the running loop; returns what stops it."""
        self._loop = asyncio.get_running_loop()
        return listen_for_changes(self._on_commit)

    def _on_commit(self, changes: Mapping[str, int]) -> None:
        # Called in the committing thread, often a database thread: hand over and return.
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._schedule, changes)

    def _schedule(self, changes: Mapping[str, int]) -> None:
        task = asyncio.create_task(self.push(changes))
        self._pushing.add(task)
        task.add_done_callback(self._pushing.discard)

    async def push(self, changes: Mapping[str, int]) -> None:
        """Each changed organisation (-> its version as committed) to its open tabs."""
        for organisation_id, version in changes.items():
            tokens, push_round = await self.tabs.tokens(organisation_id), PushRound(version)
            pushes = (self._push_to(organisation_id, token, push_round) for token in tokens)
            kept = await asyncio.gather(*pushes)
            gone = [token for token, shown in zip(tokens, kept, strict=True) if not shown]
            await self.tabs.remove(organisation_id, gone)

    async def _push_to(self, organisation_id: str, token: str, push_round: PushRound) -> bool:
        namespace = self._app.event_namespace
        if namespace is None:
            return True
        try:
            # Reflex's own shared states ask the same of its token manager.
            if not await namespace._token_manager.is_token_connected(token):
                return False
            async with self._app.modify_state(BaseStateToken(ident=token, cls=self._page)) as root:
                page = cast(LivePage, await root.get_state(self._page))
                return await page._take_pushed_change(organisation_id, push_round)
        except Exception:
            # One tab's failure must not keep the change from the others.
            logger.exception("Could not push a change to an open page")
            return True


_live: LivePages | None = None


def serve_live_pages(app: App, page: type[BaseState]):
    """A lifespan task for `app`: push changes to `page`'s open tabs while it runs."""

    async def serving() -> AsyncIterator[None]:
        global _live
        live = LivePages(app, page)
        stop = live.start()
        _live = live
        try:
            yield
        finally:
            stop()
            _live = None

    return contextlib.asynccontextmanager(serving)


async def register_tab(organisation_id: str, token: str) -> None:
    """The tab `token` shows `organisation_id`'s page: push its changes there."""
    if _live is not None and token:
        await _live.tabs.add(organisation_id, token)
