"""Every REST request of a route reported to a `RequestObserver`.

`ObservedRoute` wraps one route's app (outside authentication, so refusals count)
and labels the request with the route's template, never its concrete path. The
caller is read from `scope["state"]` once authentication has run; an event
stream counts as a live watcher from its `200` on.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from armada_adapters.observability.record import RequestObserver, RequestRecord
from armada_adapters.rest.request_id import request_id_of


class ObservedRoute:
    """An ASGI app reporting each request of `route` to `observer`."""

    def __init__(
        self,
        app: ASGIApp,
        observer: RequestObserver,
        route: str,
        *,
        streaming: bool = False,
        watch: bool = False,
        health: bool = False,
    ) -> None:
        self.app = app
        self.observer = observer
        self.route = route
        self.streaming = streaming
        self.watch = watch
        self.health = health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        started = time.perf_counter()
        self.observer.started("http", self.route, self.streaming)
        status = 0
        watching = False

        async def observed_send(message: Message) -> None:
            nonlocal status, watching
            if message["type"] == "http.response.start":
                status = message["status"]
                if self.watch and status == 200:
                    watching = True
                    self.observer.watch_opened(_principal(scope))
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            if watching:
                self.observer.watch_closed(_principal(scope))
            self._report(scope, status, time.perf_counter() - started)

    def _report(self, scope: Scope, status: int, seconds: float) -> None:
        self.observer.finished(
            RequestRecord(
                protocol="http",
                verb=scope["method"],
                method=self.route,
                # 499: the client left before an answer began (nginx's word for it).
                status=str(status or 499),
                seconds=seconds,
                principal=_principal(scope),
                request_id=request_id_of(scope) or "",
                streaming=self.streaming,
                health=self.health,
            )
        )


def _principal(scope: Scope) -> str:
    principal = (scope.get("state") or {}).get("principal")
    return str(getattr(principal, "name", ""))
