"""The HTTP surface: REST routes, the OpenAI-compatible chat endpoint, and the one service object
that both these routes and the web UI call, so an upload or a question behaves the same through
either door.

Routes::

    POST   /api/ask              {"question", "history"?, "lang"?}      -> Answer JSON
    POST   /api/reply            {"message", "lang"?, "tone"?}          -> ReplyDraft JSON
    GET    /api/documents        (Bearer admin token: with file paths) -> [DocumentInfo]
    POST   /api/documents        multipart file, replace? + admin token -> UploadResult
                                 (with preview=true: NoticePreview, nothing kept)
    DELETE /api/documents/{id}   ?lang=zh|en + Bearer admin token       -> DeleteResult
    GET    /healthz                                                     -> {"status", "documents"}
    POST   /v1/chat/completions  OpenAI chat shape (+ "citations", "refused"), optionally streamed
    GET    /v1/models                                                   -> one model

Any other path under /api/ or /v1/ is a 404, and a method a path does not take a 405 (see web.py).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, File, Form, Header, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AccessDenied, DocumentError, QuestionError
from .documents import (DocumentInfo, delete_documents, ingest_files, kept_files, list_documents, require_documents,
                        uploads_dir)
from .preview import NoticePreview, preview as preview_notice
from .reply import ReplyDraft, draft_reply
from ..schema import Answer, Citation

if TYPE_CHECKING:
    from ..pipeline import Assistant

MODEL_ID = "seller-policy-assistant"
UPLOAD_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
UNSAFE_NAME_CHARS = re.compile(r"[^\w .\-()\u4e00-\u9fff]+")
STREAM_TOKEN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]|\s*[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+|\s+")


class ChatTurn(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str


class AskRequest(BaseModel):
    question: str = Field(description="The seller's question, in Chinese or English.")
    history: list[ChatTurn] = Field(default_factory=list, description="Earlier turns, oldest first.")
    lang: Literal["zh", "en", "auto"] | None = Field(None, description="Answer language; default: the question's.")


class ReplyRequest(BaseModel):
    message: str = Field(description="The seller's message as pasted by support staff.")
    lang: Literal["zh", "en", "auto"] | None = None
    tone: Literal["friendly", "formal"] = "friendly"


class UploadResult(BaseModel):
    filename: str
    added: list[str]
    updated: list[str]
    removed: list[str]
    summary: str


class DeleteResult(BaseModel):
    doc_id: str
    removed: list[str] = Field(description="The document in each language taken out of the index.")
    summary: str


class Health(BaseModel):
    status: str
    documents: int


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's request that matters here; sampling options are accepted and ignored
    because the default composer is extractive."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[OpenAIMessage] = Field(min_length=1)
    stream: bool = False


def _lang(value: str | None) -> str | None:
    return None if value in (None, "", "auto") else value


def require_text(value: str, what: str) -> str:
    """``value`` if it can be written as UTF-8, else QuestionError: JSON may carry a lone
    surrogate ("\\ud800") that no encoder downstream accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QuestionError(f"the {what} is not valid Unicode (it holds a lone surrogate, "
                            f"{value[exc.start]!a}); send it as UTF-8 text / 内容含无效的 Unicode 字符") from None
    return value


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    return authorization[7:] if authorization and authorization[:7].lower() == "bearer " else None


def message_text(content: Any) -> str:
    """Flatten chat content (a string, or OpenAI/Gradio lists of text parts) into plain text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, (list, tuple)):
        return "\n".join(t for t in (message_text(part) for part in content) if t)
    return str(content)


def stream_pieces(text: str, size: int = 4) -> Iterator[str]:
    """Pieces of ``size`` words (or Chinese characters) that join back to exactly ``text``."""
    tokens = STREAM_TOKEN.findall(text)
    for i in range(0, len(tokens), size):
        yield "".join(tokens[i : i + size])


def safe_upload_name(name: str | None) -> str:
    """A file name that is safe to join under the uploads folder, or DocumentError.

    Names with directory parts are refused outright rather than trimmed: a client sending
    ``../../x.md`` is not uploading what it claims to be."""
    raw = (name or "").strip()
    if not raw:
        raise DocumentError("upload", "the file has no name")
    if "/" in raw or "\\" in raw or "\x00" in raw or raw.startswith(".") or ".." in raw.split("."):
        raise DocumentError(raw, "refused: the file name must be a plain name without folders or '..'")
    cleaned = UNSAFE_NAME_CHARS.sub("_", raw)[:150]
    if Path(cleaned).suffix.lower() not in UPLOAD_SUFFIXES:
        raise DocumentError(raw, f"unsupported file type (allowed: {', '.join(UPLOAD_SUFFIXES)})")
    return cleaned


class PolicyService:
    """The assistant as the web layer uses it: one lock around the engine (the index swaps its
    tables on refresh and an upload rewrites them), admin checks, uploads and feedback.

    Example:
        >>> service = PolicyService(Assistant(settings))  # doctest: +SKIP
        >>> service.ask("什么是灯笼计划？").citations[0].quote
    """

    def __init__(self, assistant: "Assistant") -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self._lock = threading.RLock()
        self._feedback_lock = threading.Lock()

    def ask(self, question: str, history: list[dict[str, Any]] | None = None, lang: str | None = None) -> Answer:
        require_text(question, "question")
        for turn in history or []:
            require_text(str(turn.get("content") or ""), "chat history")
        with self._lock:
            require_documents(self.assistant)
            return self.assistant.ask(question, history=history or [], lang=_lang(lang))

    def reply(self, message: str, lang: str | None = None, tone: str = "friendly") -> ReplyDraft:
        require_text(message, "message")
        with self._lock:
            require_documents(self.assistant)
            return draft_reply(self.assistant, message, lang=_lang(lang), tone=tone)

    def documents(self, with_paths: bool = False) -> list[DocumentInfo]:
        """The indexed documents; the files they came from only for an admin (``with_paths``)."""
        with self._lock:
            return list_documents(self.assistant, with_paths)

    def document_count(self) -> int:
        with self._lock:
            self.assistant.index.refresh()
            return len(self.assistant.index.records)

    def check_admin(self, token: str | None, action: str = "upload documents") -> None:
        """AccessDenied unless ``token`` is the server's admin token; ``action`` names what needs it."""
        expected = self.settings.admin_token
        if not expected:
            raise AccessDenied(f"admin actions are disabled on this server, so you cannot {action}: set "
                               "ASSISTANT_ADMIN_TOKEN to enable them / 服务器未设置管理员令牌，上传、删除等管理功能已关闭")
        if not token or not hmac.compare_digest(token.strip().encode("utf-8", "replace"), expected.encode()):
            raise AccessDenied(f"a valid admin token is required to {action} "
                               "(Authorization: Bearer <token>) / 此操作需要正确的管理员令牌")

    def upload(self, filename: str | None, data: bytes, token: str | None, replace: bool = False) -> UploadResult:
        """Save an admin's file under ``<data_dir>/uploads`` and index it at once; a file that fails
        to index is not left behind (a replaced file gets its previous content back). With
        ``replace`` the file's documents take their ids over from whichever files held them."""
        self.check_admin(token)
        name = safe_upload_name(filename)
        if not data:
            raise DocumentError(name, "file is empty")
        folder = uploads_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        with self._lock:
            previous = target.read_bytes() if target.exists() else None
            tmp = target.with_name(f".{name}.{uuid.uuid4().hex}.part")
            tmp.write_bytes(data)
            tmp.replace(target)
            try:
                report = ingest_files(self.assistant, [target], replace=replace)
            except Exception:
                self._restore(target, previous)
                raise
            if report.errors:
                self._restore(target, previous)
                raise DocumentError(name, "; ".join(e.split(": ", 1)[-1] for e in report.errors))
        return UploadResult(filename=name, added=report.added, updated=report.updated, removed=report.removed,
                            summary=report.summary())

    def preview_upload(self, filename: str | None, data: bytes, token: str | None,
                       replace: bool = False) -> NoticePreview:
        """What :meth:`upload` of this file would change, computed on a copy of the index: the live
        index and the uploads folder are left as they are. A file that would fail to index is a
        DocumentError, as its upload would be."""
        self.check_admin(token)
        name = safe_upload_name(filename)
        if not data:
            raise DocumentError(name, "file is empty")
        with tempfile.TemporaryDirectory(prefix="assistant-upload-") as tmp:
            staged = Path(tmp) / name
            staged.write_bytes(data)
            with self._lock:
                report = preview_notice(self.assistant, [staged], replace=replace,
                                        targets={staged: uploads_dir(self.settings) / name})
        if report.errors:
            raise DocumentError(name, "; ".join(e.split(": ", 1)[-1] for e in report.errors))
        return report.model_copy(update={"files": [name]})

    def delete(self, doc_id: str, lang: str | None, token: str | None) -> DeleteResult:
        """Take a document (both languages, or ``lang``) out of the index, and its file if it was
        uploaded; a corpus file stays, so the result says its next ingest brings the document back."""
        self.check_admin(token, "delete documents")
        with self._lock:
            report = delete_documents(self.assistant, doc_id, _lang(lang))
        summary = f"{len(report.removed)} removed ({', '.join(report.removed)})"
        kept = kept_files(self.settings, report)
        if kept:
            summary += (f"; {len(kept)} file(s) outside the uploads folder stay, and the next ingest of their "
                        "folder adds them back: remove them there to delete them for good")
        return DeleteResult(doc_id=doc_id, removed=report.removed, summary=summary)

    @staticmethod
    def _restore(target: Path, previous: bytes | None) -> None:
        if previous is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(previous)

    def record_feedback(self, question: str, answer: str, rating: Literal["up", "down"], comment: str = "",
                        lang: str = "", refused: bool = False, answer_id: str = "") -> bool:
        """Write one JSON line to ``<data_dir>/feedback.jsonl``, which evaluators mine for new cases.
        One vote per answer: a vote on an ``answer_id`` already rated replaces that line (True)."""
        path = self.settings.data_dir / "feedback.jsonl"
        entry = {"ts": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "question": question,
                 "answer": answer, "rating": rating, "comment": comment.strip(), "lang": lang, "refused": refused,
                 "answer_id": answer_id}
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._feedback_lock:
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
            kept = [x for x in lines if not answer_id or _answer_id(x) != answer_id]
            if len(kept) == len(lines):
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(line)
                return False
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
            tmp.write_text("".join(kept) + line, encoding="utf-8")
            tmp.replace(path)
            return True


def _answer_id(line: str) -> str:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return ""
    return str(entry.get("answer_id") or "") if isinstance(entry, dict) else ""


def rest_router(service: PolicyService) -> APIRouter:
    """Routes are plain ``def``: FastAPI runs them in its thread pool, so a slow ingest never
    blocks the event loop that serves the UI."""
    router = APIRouter()

    @router.post("/api/ask", response_model=Answer, tags=["answers"])
    def ask(body: AskRequest) -> Answer:
        """Answer one question with citations; ``refused`` is true when the knowledge base lacks it."""
        return service.ask(body.question, [t.model_dump() for t in body.history], body.lang)

    @router.post("/api/reply", response_model=ReplyDraft, tags=["answers"])
    def reply(body: ReplyRequest) -> ReplyDraft:
        """Draft a support reply in the seller's language, with an internal note for the agent."""
        return service.reply(body.message, body.lang, body.tone)

    @router.get("/api/documents", response_model=list[DocumentInfo], response_model_exclude_none=True,
                tags=["documents"])
    def documents(authorization: str | None = Header(None)) -> list[DocumentInfo]:
        """The indexed documents; with the admin token each also names the file it came from."""
        if authorization is not None:
            service.check_admin(bearer(authorization), "see the documents' file paths")
        return service.documents(with_paths=authorization is not None)

    @router.post("/api/documents", response_model=UploadResult | NoticePreview, tags=["documents"])
    def upload(file: UploadFile = File(...), replace: bool = Form(False), preview: bool = Form(False),
               authorization: str | None = Header(None)) -> UploadResult | NoticePreview:
        """Add a policy notice (.md/.txt/.html/.pdf/.docx), or a new version of one: the same file
        name, or with ``replace`` true any file carrying the document's id. With ``preview`` true
        nothing is kept: the answer says which rules it would supersede or contradict, with their
        dates, and which eval questions' leads would change. Needs the admin token."""
        token = bearer(authorization)
        service.check_admin(token)
        if preview:
            return service.preview_upload(file.filename, file.file.read(), token, replace=replace)
        return service.upload(file.filename, file.file.read(), token, replace=replace)

    @router.delete("/api/documents/{doc_id}", response_model=DeleteResult, tags=["documents"])
    def delete(doc_id: str, lang: Literal["zh", "en"] | None = None,
               authorization: str | None = Header(None)) -> DeleteResult:
        """Take a document out of the knowledge base (both languages, or ``lang``), with its file if it
        was uploaded. Needs the admin token."""
        return service.delete(doc_id, lang, bearer(authorization))

    @router.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> Health:
        return Health(status="ok", documents=service.document_count())

    return router


def _completion_base(kind: str) -> dict[str, Any]:
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": kind, "created": int(time.time()), "model": MODEL_ID}


def _question_and_history(messages: list[OpenAIMessage]) -> tuple[str, list[dict[str, Any]]]:
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last_user is None:
        raise QuestionError("no user message found: send at least one message with role 'user'")
    history = [{"role": m.role, "content": message_text(m.content)} for m in messages[:last_user]
               if m.role in ("user", "assistant")]
    return message_text(messages[last_user].content), history


def _citation_dicts(citations: list[Citation]) -> list[dict[str, Any]]:
    return [c.model_dump() for c in citations]


def openai_router(service: PolicyService) -> APIRouter:
    """An OpenAI-compatible face, so chat front-ends and SDKs work unchanged; the citations travel
    as an extra top-level field because the OpenAI shape has no place for them."""
    router = APIRouter(prefix="/v1", tags=["openai"])

    @router.get("/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "assistant"}]}

    @router.post("/chat/completions", response_model=None)
    def chat_completions(body: ChatCompletionRequest) -> dict[str, Any] | StreamingResponse:
        question, history = _question_and_history(body.messages)
        answer = service.ask(question, history)
        extra = {"citations": _citation_dicts(answer.citations), "refused": answer.refused}
        if not body.stream:
            return {**_completion_base("chat.completion"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.answer},
                                 "finish_reason": "stop"}], **extra}
        return StreamingResponse(_sse(answer.answer, extra), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    return router


def _sse(text: str, extra: dict[str, Any]) -> Iterator[str]:
    base = _completion_base("chat.completion.chunk")

    def event(delta: dict[str, Any], finish: str | None = None, **more: Any) -> str:
        chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **more}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    for piece in stream_pieces(text):
        yield event({"content": piece})
    yield event({}, "stop", **extra)
    yield "data: [DONE]\n\n"
