"""Document admin, shared by the CLI, the HTTP API and the web UI: what is indexed, adding or
replacing files, deleting documents, and the check that there is anything to answer from.

Uploaded files live in ``<data dir>/uploads``, and the index owns them: a document deleted or
replaced there loses its file too. Any other file (the corpus) belongs to whoever keeps it, so it
stays where it is; the index mirrors files, so a corpus document that was deleted comes back at the
next ingest of its folder unless its file is removed there.

Example:
    >>> delete_documents(assistant, "notice-2026-12-quokka-lamp", lang="en").removed  # doctest: +SKIP
    ['notice-2026-12-quokka-lamp.en']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..errors import DocumentNotFound, IndexEmptyError
from ..schema import rule_status

if TYPE_CHECKING:
    from ..ingest.ingest import IngestReport, Ingestor
    from ..pipeline import Assistant
    from ..settings import Settings


class DocumentInfo(BaseModel):
    doc_id: str
    lang: str
    title: str
    type: str
    published: str = ""
    effective_from: str = ""
    effective_until: str = ""
    superseded_by: str = ""
    status: str = "in_force"  # upcoming | in_force | expired | superseded, on the engine's today
    path: str | None = None  # the file it was read from: for admins only


def uploads_dir(settings: "Settings") -> Path:
    return settings.data_dir / "uploads"


def list_documents(assistant: "Assistant", with_paths: bool = False) -> list[DocumentInfo]:
    """Every indexed document (one per language), notices and articles alike, sorted by type and id."""
    index = assistant.index
    index.refresh()
    superseded = dict(index.superseded_by)
    today = assistant.settings.today_date().isoformat()
    files = {uid: entry.get("path", "") for uid, entry in index.manifest.docs.items()}
    docs = []
    for uid, rec in index.records.items():
        m = rec.meta
        doc_id = str(m.get("doc_id", ""))
        docs.append(DocumentInfo(doc_id=doc_id, lang=str(m.get("lang", "")), title=str(m.get("title", "")),
                                 type=str(m.get("type", "")), published=str(m.get("published") or ""),
                                 effective_from=str(m.get("effective_from") or ""),
                                 effective_until=str(m.get("effective_until") or ""),
                                 superseded_by=superseded.get(doc_id, ""),
                                 status=rule_status(m, today, index.effective.get(superseded[doc_id], ("", ""))[0]
                                                    if doc_id in superseded else None),
                                 path=(files.get(uid) or str(m.get("path", ""))) if with_paths else None))
    return sorted(docs, key=lambda d: (d.type, d.doc_id, d.lang))


def require_documents(assistant: "Assistant", show_dir: bool = False) -> None:
    """Raise IndexEmptyError when nothing has been ingested: answering "not in the knowledge base"
    from an empty index would blame the knowledge base for a missing step."""
    assistant.index.refresh()
    if assistant.index.records:
        return
    where = f" in {assistant.settings.data_dir}" if show_dir else ""
    raise IndexEmptyError(f"the knowledge base{where} is empty: nothing has been ingested yet. Fill it with "
                          "`assistant ingest [PATH ...]` (default: the corpus folder), `assistant serve --ingest`, "
                          "or an upload with the admin token (POST /api/documents) "
                          "/ 知识库为空：请先运行 assistant ingest 导入文档")


def ingestor(assistant: "Assistant") -> "Ingestor":
    from ..ingest.ingest import Ingestor

    return Ingestor(assistant.index, assistant.embedder, assistant.tokenizer,
                    int(assistant.settings.max_file_mb * 1e6))


def ingest_files(assistant: "Assistant", paths: Iterable[Path], replace: bool = False,
                 progress: Callable[[int, int, str], None] | None = None, wait_s: float = 0.0) -> "IngestReport":
    """Ingest ``paths``; with ``replace`` a file's documents take their ids over from the files that
    held them, and an uploaded file left holding nothing is deleted."""
    report = ingestor(assistant).ingest(list(paths), progress=progress, wait_s=wait_s, replace=replace)
    _delete_released_uploads(assistant.settings, report)
    return report


def document_uids(assistant: "Assistant", doc_id: str, lang: str | None = None) -> list[str]:
    """The indexed ids (``doc.lang``) of a document: both languages, or the one asked for."""
    index = assistant.index
    index.refresh()
    uids = sorted(uid for uid, rec in index.records.items()
                  if rec.doc_id == doc_id and (lang is None or rec.lang == lang))
    if not uids:
        which = f"'{doc_id}' in {lang}" if lang else f"'{doc_id}'"
        raise DocumentNotFound(f"no document {which} in the knowledge base; "
                               "GET /api/documents or `assistant documents list` lists them")
    return uids


def delete_documents(assistant: "Assistant", doc_id: str, lang: str | None = None,
                     wait_s: float = 0.0) -> "IngestReport":
    """Take a document (both languages, or one) out of the index, and its file too if it was an
    upload; ``released`` lists the files that no longer hold any indexed document."""
    report = ingestor(assistant).remove(document_uids(assistant, doc_id, lang), wait_s=wait_s)
    _delete_released_uploads(assistant.settings, report)
    return report


def kept_files(settings: "Settings", report: "IngestReport") -> list[str]:
    """Released files that stay on disk (not uploads): their documents return at their next ingest."""
    uploads = uploads_dir(settings).resolve()
    return [key for key in report.released if Path(key).exists() and not Path(key).is_relative_to(uploads)]


def _delete_released_uploads(settings: "Settings", report: "IngestReport") -> None:
    uploads = uploads_dir(settings).resolve()
    for key in report.released:
        if Path(key).is_relative_to(uploads):
            Path(key).unlink(missing_ok=True)
