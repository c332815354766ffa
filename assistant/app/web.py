"""The web server: one FastAPI app carrying the REST / OpenAI routes and the Gradio UI at "/".

Nothing is built at import time; ``assistant serve`` calls :func:`serve`, tests call
:func:`create_app` with their own :class:`~assistant.engine.Assistant`.

Every error leaves the API in one JSON shape, ``{"error": {"type": ..., "message": ...}}``:
400 for a bad question or document, 403 for a missing admin token, 413 for an oversized body,
422 for a malformed request, 503 while another ingest holds the index, 500 for anything else
(without a stack trace; the trace goes to the server log).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import AccessDenied, AssistantError, DocumentError, IndexBusyError, QuestionError

if TYPE_CHECKING:
    from ..pipeline import Assistant
    from ..settings import Settings

logger = logging.getLogger(__name__)

STATUS = {QuestionError: 400, DocumentError: 400, AccessDenied: 403, IndexBusyError: 503}


def error_response(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, whether or not they declare a length
    (a chunked upload is counted as it streams in)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit_kb = self.max_bytes // 1024
        response = error_response(413, "RequestTooLarge",
                                  f"request body is over the {limit_kb} KB limit (ASSISTANT_MAX_REQUEST_KB)")
        await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    async def assistant_error(_: Request, exc: Exception) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 500)
        return error_response(status, type(exc).__name__, str(exc))

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        errors: list[Any] = exc.errors() if isinstance(exc, RequestValidationError) else []
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5]]
        return error_response(422, "ValidationError", "; ".join(parts) or "invalid request")

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(exc.status_code, "HTTPError", str(exc.detail))

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "InternalError", "internal server error; the details are in the server log")

    app.add_exception_handler(AssistantError, assistant_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def create_app(assistant: "Assistant") -> FastAPI:
    """The whole server for one assistant: API routes first, then the Gradio UI mounted at "/"
    (a mount at "/" matches everything, so it must come last)."""
    import gradio as gr

    from .. import __version__
    from .api import PolicyService, openai_router, rest_router
    from .ui import CSS, build_ui, theme

    service = PolicyService(assistant)
    app = FastAPI(title="Seller Policy Assistant", version=__version__,
                  description="Bilingual (zh/en) policy answers with citations. "
                              "Errors share one shape: {\"error\": {\"type\", \"message\"}}.")
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=assistant.settings.max_request_kb * 1024)
    app.include_router(rest_router(service))
    app.include_router(openai_router(service))
    blocks = build_ui(service)
    return gr.mount_gradio_app(app, blocks, path="/", footer_links=["api"], run_history=False, theme=theme(),
                               css=CSS, max_file_size=int(assistant.settings.max_file_mb * 1e6))


def serve(settings: "Settings", host: str | None = None, port: int | None = None, ingest_first: bool = False) -> None:
    """Run the server in the foreground (``assistant serve``); binds 127.0.0.1 unless told otherwise."""
    import uvicorn

    from ..pipeline import Assistant

    assistant = Assistant(settings)
    if ingest_first:
        report = assistant.ingest()
        for err in report.errors:
            print(f"error: {err}", file=sys.stderr)
        print(f"ingest: {report.summary()}")
    assistant.warm_up()
    host = host or settings.host
    port = port or settings.port
    app = create_app(assistant)
    print(f"Seller Policy Assistant on http://{host}:{port}/  (API docs: /docs, OpenAI base URL: /v1)")
    uvicorn.run(app, host=host, port=port, log_level="info")
