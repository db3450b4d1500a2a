"""Synchronous filters run on the event loop instead of in a worker thread.

aiogram calls every filter that is not a coroutine through `asyncio.to_thread`: each `F.…`
magic filter and each `State` used as a filter costs a thread-pool round trip (a queue put, a
wake-up, a future handed back), about nine of them before /status finds its handler. Ours are
pure, instant predicates, so they are wrapped once, at start, to run inline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject


def _routers(router: Router) -> Iterator[Router]:
    yield router
    for child in router.sub_routers:
        yield from _routers(child)


def _inline(filter_object: FilterObject) -> None:
    check: Callable[..., Any] = filter_object.callback

    async def run_inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    run_inline.__wrapped__ = check  # type: ignore[attr-defined]  # what it runs, for inspection
    filter_object.callback = run_inline
    filter_object.awaitable = True


def run_sync_filters_inline(root: Router) -> int:
    """Make every synchronous filter under `root` awaitable in place; how many there were."""
    changed = 0
    for router in _routers(root):
        for observer in router.observers.values():
            handlers = [observer._handler, *observer.handlers]  # the observer's own filters too
            for handler in handlers:
                for filter_object in handler.filters or []:
                    if not filter_object.awaitable:
                        _inline(filter_object)
                        changed += 1
    return changed
