"""What intake's clients of the other services' HTTP APIs share: one JSON request at a time over
httpx (an injected client in tests), answers turned into typed errors with the Vietnamese message
the page shows. Each client names its own errors and the words staff read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

DEFAULT_TIMEOUT_S = 5.0


class ServiceUnavailable(Exception):
    """The service did not answer: down, too slow, or it failed with a server error."""

    MESSAGE: ClassVar[str] = "Dịch vụ đang không trả lời; thông tin tạm thời chưa hiển thị."

    def __init__(self, cause: str = "") -> None:
        super().__init__(cause or self.MESSAGE)
        self.message = self.MESSAGE


class ServiceRefused(Exception):
    """The service refused a request (4xx): its Vietnamese message, the field at fault, and for
    schema validation the raw error list (`loc`, `type`, `msg`) for the page to word per field."""

    #: What staff read when the service refused input without saying why in words (should not happen).
    FALLBACK: ClassVar[str] = "Dịch vụ không chấp nhận thông tin đã nhập."

    def __init__(self, status: int, message: str, field: str | None = None,
                 problems: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.problems = status, message, field, problems or []


class ServiceClient:
    """A client of one service's JSON API.

    With an injected `client` (tests: an `httpx.ASGITransport` on the real app) every call goes
    through it and the caller closes it; otherwise each call opens a short-lived client.
    Subclasses set `unavailable` and `refused` to their own exception types.
    """

    unavailable: ClassVar[type[ServiceUnavailable]] = ServiceUnavailable
    refused: ClassVar[type[ServiceRefused]] = ServiceRefused

    def __init__(self, base_url: str, *, client: httpx.AsyncClient | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client
        self._timeout = timeout

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._client is not None:
            yield self._client
            return
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout) as client:
            yield client

    async def _call(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                    missing_is_none: bool = False) -> Any:
        """One request; its JSON body, None for a 404 when asked, or a typed error."""
        try:
            async with self._connection() as client:
                response = await client.request(method, f"{self.base_url}{path}", json=json, params=params,
                                                timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise self.unavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 404 and missing_is_none:
            return None
        if response.status_code >= 500:
            raise self.unavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise self.unavailable(f"HTTP {response.status_code}: not JSON") from exc
        if response.status_code >= 400:
            raise self._refusal(response.status_code, body)
        return body

    def _refusal(self, status: int, body: Any) -> ServiceRefused:
        detail = body.get("detail") if isinstance(body, dict) else None
        if isinstance(detail, str):
            return self.refused(status, detail, body.get("field"))
        if isinstance(detail, list):
            return self.refused(status, self.refused.FALLBACK, None, [p for p in detail if isinstance(p, dict)])
        return self.refused(status, self.refused.FALLBACK)


def path_segment(value: str) -> str:
    """An id as one path segment ("/", "?" and the like escaped)."""
    return quote(value, safe="")
