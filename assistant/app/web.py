"""The web server: one FastAPI app carrying the REST / OpenAI routes and the Gradio UI at "/".

Nothing is built at import time; ``assistant serve`` calls :func:`serve`, tests call
:func:`create_app` with their own :class:`~assistant.engine.Assistant`.

Every error leaves the API in one JSON shape, ``{"error": {"type": ..., "message": ...}}``:
400 for a bad question or document (invalid Unicode included), 403 for a missing admin token, 404
for an unknown path or document, 405 for a method a path does not take, 413 for an oversized body,
422 for a malformed request, 503 while another ingest holds the index or nothing has been ingested,
500 for anything else (without a stack trace; the trace goes to the server log). Every one of them
is a response the app sends itself, so the connection stays open for the client's next request.

Paths under ``/api/`` and ``/v1/`` belong to the API even where no route matches, so a wrong path or
method there is answered as such instead of falling through to the UI mounted at "/". The
interactive ``/docs`` page is not served: it loads its scripts from a CDN and is blank offline;
``/openapi.json`` describes the API.
"""

from __future__ import annotations

import logging
import sys
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import (AccessDenied, AssistantError, ConfigError, DocumentError, DocumentNotFound, IndexBusyError,
                      IndexEmptyError, QuestionError)

if TYPE_CHECKING:
    from ..pipeline import Assistant
    from ..settings import Settings

logger = logging.getLogger(__name__)

STATUS = {QuestionError: 400, DocumentError: 400, AccessDenied: 403, DocumentNotFound: 404, IndexBusyError: 503,
          IndexEmptyError: 503}
HTTP_KINDS = {404: "NotFound", 405: "MethodNotAllowed"}
API_PATHS = ("/api/{rest:path}", "/v1/{rest:path}", "/healthz", "/openapi.json")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


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


class UnexpectedErrors:
    """Any exception a route lets through becomes the 500 of the error shape, sent here: one that
    reached the server would make it close the connection, failing the client's next request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:  # half a response is out: nothing to do but let the server close it
                raise
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            response = error_response(500, "InternalError", "internal server error; the details are in the server log")
            await response(scope, receive, send)


async def http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    response = error_response(exc.status_code, HTTP_KINDS.get(exc.status_code, "HTTPError"), str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def ui_http_error(request: Request, exc: Exception) -> Response:
    """The UI's router's own 404 and 405 (an unknown page, a wrong method) in the error shape; the
    UI's other errors keep the shape its client reads."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in HTTP_KINDS and exc.detail == HTTPStatus(exc.status_code).phrase:
        message = (f"no such page: {request.url.path}" if exc.status_code == 404
                   else f"{request.method} is not allowed on {request.url.path}")
        return await http_error(request, StarletteHTTPException(exc.status_code, message, exc.headers))
    return await http_exception_handler(request, exc)


def claim_api_paths(app: FastAPI, routers: list[APIRouter]) -> None:
    """Answer paths the API owns but no route of the app or ``routers`` matches: 405 (with
    ``Allow``) when another method would match, else 404."""
    routes = [r for r in [*app.routes, *(r for router in routers for r in router.routes)] if isinstance(r, Route)]

    def unmatched(request: Request) -> None:
        allowed = sorted({m for r in routes if r.matches(request.scope)[0] is Match.PARTIAL for m in r.methods or ()})
        if allowed:
            raise StarletteHTTPException(405, f"{request.method} is not allowed on {request.url.path} "
                                              f"(allowed: {', '.join(allowed)})", {"Allow": ", ".join(allowed)})
        raise StarletteHTTPException(404, f"no such endpoint: {request.method} {request.url.path}; "
                                          "/openapi.json lists the API")

    for path in API_PATHS:
        app.add_api_route(path, unmatched, methods=ALL_METHODS, include_in_schema=False)


def install_error_handlers(app: FastAPI) -> None:
    async def assistant_error(_: Request, exc: Exception) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 500)
        return error_response(status, type(exc).__name__, str(exc))

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        errors: list[Any] = exc.errors() if isinstance(exc, RequestValidationError) else []
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5]]
        return error_response(422, "ValidationError", "; ".join(parts) or "invalid request")

    app.add_exception_handler(AssistantError, assistant_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def create_app(assistant: "Assistant") -> FastAPI:
    """The whole server for one assistant: API routes first, then the Gradio UI mounted at "/"
    (a mount at "/" matches everything, so it must come last)."""
    import gradio as gr

    from .. import __version__
    from .api import PolicyService, openai_router, rest_router
    from .ui import CSS, PAGE_HEAD, build_ui, gradio_i18n, theme

    service = PolicyService(assistant)
    app = FastAPI(title="Seller Policy Assistant", version=__version__, docs_url=None, redoc_url=None,
                  description="Bilingual (zh/en) policy answers with citations. "
                              "Errors share one shape: {\"error\": {\"type\", \"message\"}}.")
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=assistant.settings.max_request_kb * 1024)
    app.add_middleware(UnexpectedErrors)  # outermost of ours: it also sees what BodySizeLimit lets through
    routers = [rest_router(service), openai_router(service)]
    for router in routers:
        app.include_router(router)
    claim_api_paths(app, routers)
    blocks = build_ui(service)
    return gr.mount_gradio_app(app, blocks, path="/", footer_links=["api"], run_history=False, theme=theme(),
                               css=CSS, head=PAGE_HEAD, i18n=gradio_i18n(), max_file_size=int(assistant.settings.max_file_mb * 1e6),
                               app_kwargs={"exception_handlers": {StarletteHTTPException: ui_http_error}})


def serve(settings: "Settings", host: str | None = None, port: int | None = None, ingest_first: bool = False) -> None:
    """Run the server in the foreground (``assistant serve``); binds 127.0.0.1 unless told otherwise."""
    import uvicorn

    from ..pipeline import Assistant

    if ingest_first and not settings.corpus_dir.is_dir():
        raise ConfigError(f"no corpus to ingest at {settings.corpus_dir.resolve()}: run from the repository, or "
                          "set ASSISTANT_CORPUS_DIR to the folder of documents to index")
    assistant = Assistant(settings)
    if ingest_first:
        report = assistant.ingest([settings.corpus_dir])
        for err in report.errors:
            print(f"error: {err}", file=sys.stderr)
        print(f"ingest: {settings.corpus_dir.resolve()}: {report.summary()}")
    assistant.warm_up()
    host = host or settings.host
    port = port or settings.port
    app = create_app(assistant)
    print(f"Seller Policy Assistant on http://{host}:{port}/  (API: /openapi.json, OpenAI base URL: /v1)")
    uvicorn.run(app, host=host, port=port, log_level="info")
