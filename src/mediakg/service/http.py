"""Small pieces every route shares: who sent a request, and an error as a plain-text answer."""

from __future__ import annotations

from typing import Any

from fastapi.responses import PlainTextResponse

from mediakg.errors import retry_headers


def client_address(request: Any) -> str | None:
    """Who sent a web request, for the per-client limits: its address (uvicorn puts a trusted proxy's
    ``X-Forwarded-For`` there)."""
    return request.client.host if request.client else None


def error_text(exc: BaseException, status: int | None = None) -> PlainTextResponse:
    """``exc`` as a plain-text answer with its status (or ``status``) and ``Retry-After`` when it has one."""
    code = status if status is not None else getattr(exc, "status", 500)
    return PlainTextResponse(str(exc).rstrip() + "\n", status_code=code, headers=retry_headers(exc))
