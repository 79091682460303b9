"""Access control (bearer tokens with roles) and the request body size limit."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dispatch.service.config import Role
from dispatch.service.errors import ApiError, error_body

bearer = HTTPBearer(auto_error=False, description="A token from the server's --tokens file.")

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dispatch"'}


def role_of(tokens: Mapping[str, Role], presented: str) -> Role | None:
    """The role of a presented token, compared in constant time with every known one."""
    found: Role | None = None
    given = presented.encode()
    for token, role in tokens.items():
        if hmac.compare_digest(token.encode(), given):
            found = role
    return found


def require(tokens: Mapping[str, Role], *roles: Role) -> Callable[..., Awaitable[Role]]:
    """A dependency admitting tokens of ``roles``: 401 without a known token, 403 for a
    known token of another role."""

    async def check(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Role:
        if credentials is None:
            raise ApiError(
                401,
                "a bearer token is required (Authorization: Bearer <token>)",
                [("Authorization", "missing bearer token")],
                _CHALLENGE,
            )
        role = role_of(tokens, credentials.credentials)
        if role is None:
            raise ApiError(
                401,
                "the bearer token is not valid",
                [("Authorization", "unknown token")],
                _CHALLENGE,
            )
        if role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise ApiError(
                403,
                f"the token's role {role.value!r} may not do this (needs {allowed})",
                [("Authorization", f"role must be {allowed}, got {role.value!r}")],
            )
        return role

    return check


Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: a request body above ``max_bytes`` gets 413 before it is read
    whole (by its Content-Length when given, else as it streams in).

    Every body of this API is JSON: a body sent with another Content-Type (``curl -d``
    sends ``application/x-www-form-urlencoded``) is read as JSON too, so it is either
    understood or refused as not JSON (400), never as a puzzling type error."""

    def __init__(self, app: App, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        kind = headers.get(b"content-type", b"")
        if kind and not kind.split(b";")[0].strip().lower().endswith(b"json"):
            scope = dict(scope)
            scope["headers"] = [
                (k, b"application/json" if k == b"content-type" else v)
                for k, v in scope.get("headers") or []
            ]
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await self._refuse(send, 400, "Content-Length must be an integer")
                return
            if length > self.max_bytes:
                await self._too_large(send)
                return
        # Read the body here, at most max_bytes of it, then replay it to the app: the
        # app never sees a body above the limit, and refusing needs no cooperation.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _too_large(self, send: Send) -> None:
        await self._refuse(
            send,
            413,
            f"the request body is larger than this server's limit of {self.max_bytes} bytes",
        )

    @staticmethod
    async def _refuse(send: Send, status: int, message: str) -> None:
        body = json.dumps(error_body(status, message, [("(body)", message)])).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[dict[str, Any]], receive: Receive) -> Receive:
    """A receive that gives ``messages`` first, then what the client sends next."""
    pending = list(messages)

    async def replay() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
