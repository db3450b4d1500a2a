"""Counts every HTTP request by route template, method and status (`tgfront_api_requests_total`).

The route template (`/api/v1/strategies/{strategy_id}`), never the raw path, is the label, so
a scanner trying random URLs cannot blow up the number of series: unmatched paths share one.
A resource served under two prefixes (`/api/v1/...` and `/api/v1/deployments/{deployment}/...`)
is one route object; its template is the one of the prefix the request came through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telegram_frontend.core.metrics import API_REQUESTS

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

Templates = dict[int, list[tuple[re.Pattern[str], str]]]


def route_templates(routes: Sequence[BaseRoute]) -> Templates:
    """Every served route's full path templates, by the route object the request scope names."""
    found: Templates = {}
    for context in iter_route_contexts(routes):
        if context.path_format is None:
            continue
        regex, _, _ = compile_path(context.path_format)
        found.setdefault(id(context.original_route), []).append((regex, context.path_format))
    return found


class RequestMetricsMiddleware:
    """A plain ASGI middleware (no body buffering, works with streaming responses)."""

    def __init__(
        self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]] | None = None
    ) -> None:
        self.app = app
        self._routes = routes
        self._templates: Templates | None = None

    def template(self, scope: Scope) -> str:
        route = scope.get("route")
        own = getattr(route, "path", None) or UNMATCHED
        if route is None or self._routes is None:
            return own
        if self._templates is None:  # the routes are complete once requests arrive
            self._templates = route_templates(self._routes())
        candidates = self._templates.get(id(route), [])
        path = scope.get("path", "")
        return next((fmt for regex, fmt in candidates if regex.match(path)), own)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            labels = {"route": self.template(scope), "method": method, "status": str(status)}
            API_REQUESTS.labels(**labels).inc()
