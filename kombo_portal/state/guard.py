"""`signed_in`: the one guard for event handlers that need a signed-in user.

The handler is written with the user as its first argument after `self`; the
guard checks the session cookie (see state.auth) before each call and, when nobody
is signed in, sends the browser to the sign-in page instead of running it::

    @rx.event
    @signed_in
    async def revoke(self, user: SignedInUser, link_id: str): ...

    @signed_in(when_signed_out=_close_the_flow)  # runs first, then to sign-in
    async def _finish_flow(self, user: SignedInUser, token: str): ...

Reflex reads a handler's signature to know what the browser sends; the guard
shows it without `user`, so the page calls `State.revoke(link_id)` as before.
Handlers that yield updates (async generators) stay generators.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Concatenate, ParamSpec, Protocol, TypeVar, cast, overload

from reflex.event import EventSpec

from kombo_portal.records.sessions import SignedInUser


class GuardedState(Protocol):
    """What the guard needs of a state (state.auth.AuthState has it)."""

    async def _signed_in_user(self) -> SignedInUser | None: ...

    def _to_sign_in(self) -> EventSpec: ...


S = TypeVar("S", bound=GuardedState)
P = ParamSpec("P")
R = TypeVar("R")
Handler = Callable[Concatenate[S, SignedInUser, P], R]
Guarded = Callable[Concatenate[S, P], R]
# What runs before a signed-out browser is sent away (a method of the state).
SignedOutHook = Callable[[S], Awaitable[None]]


@overload
def signed_in(handler: Handler[S, P, R]) -> Guarded[S, P, R]: ...


@overload
def signed_in(
    *, when_signed_out: SignedOutHook[S]
) -> Callable[[Handler[S, P, R]], Guarded[S, P, R]]: ...


def signed_in(
    handler: Handler[S, P, R] | None = None,
    *,
    when_signed_out: SignedOutHook[S] | None = None,
) -> Guarded[S, P, R] | Callable[[Handler[S, P, R]], Guarded[S, P, R]]:
    """`handler`, run only for a signed-in user (passed to it); others go to sign-in,
    after `when_signed_out(self)` if given."""
    if handler is None:
        return lambda chosen: _guard(chosen, when_signed_out)
    return _guard(handler, when_signed_out)


def _guard(handler: Handler[S, P, R], when_signed_out: SignedOutHook[S] | None) -> Guarded[S, P, R]:
    async def user_or_none(state: S) -> SignedInUser | None:
        user = await state._signed_in_user()
        if user is None and when_signed_out is not None:
            await when_signed_out(state)
        return user

    wrapper: Callable[..., object]
    if inspect.isasyncgenfunction(handler):
        generator = cast(Callable[..., AsyncIterator[object]], handler)

        @functools.wraps(handler)
        async def guarded_generator(
            self: S, *args: P.args, **kwargs: P.kwargs
        ) -> AsyncIterator[object]:
            user = await user_or_none(self)
            if user is None:
                yield self._to_sign_in()
                return
            async for update in generator(self, user, *args, **kwargs):
                yield update

        wrapper = guarded_generator
    else:
        coroutine = cast(Callable[..., Coroutine[object, object, object]], handler)

        @functools.wraps(handler)
        async def guarded(self: S, *args: P.args, **kwargs: P.kwargs) -> object:
            user = await user_or_none(self)
            if user is None:
                return self._to_sign_in()
            return await coroutine(self, user, *args, **kwargs)

        wrapper = guarded
    # What Reflex reads to call it: the handler's own arguments, without `user`.
    signature = inspect.signature(handler)
    self_parameter, user_parameter, *own = signature.parameters.values()
    setattr(wrapper, "__signature__", signature.replace(parameters=[self_parameter, *own]))  # noqa: B010
    wrapper.__annotations__ = {
        name: hint for name, hint in handler.__annotations__.items() if name != user_parameter.name
    }
    # The same kind of callable as `handler` (coroutine or generator), less `user`.
    return cast(Guarded[S, P, R], wrapper)
