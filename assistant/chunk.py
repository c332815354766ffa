"""Sentence-aware chunking for Chinese and English, with overlap and stable ids."""

from __future__ import annotations

import hashlib

from .schema import Chunk, Document
from .text import detect_lang, split_sentences

MAX_CHARS = {"zh": 260, "en": 650}
OVERLAP_SENTENCES = 1


def content_version(doc: Document) -> str:
    """A short hash of everything that changes a document's chunks or their metadata."""
    h = hashlib.sha256()
    for part in (doc.doc_id, doc.lang, doc.title, doc.type, doc.published, doc.effective_from,
                 doc.superseded_by, doc.confidence, repr(doc.sources), repr(doc.topics), doc.text):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:12]


def sections(text: str) -> list[tuple[str, list[str]]]:
    """Split clean text at '# heading' lines into (heading, sentences) sections."""
    out: list[tuple[str, list[str]]] = []
    heading = ""
    buf: list[str] = []
    for line in text.splitlines():
        if line.startswith("# "):
            if buf:
                out.append((heading, split_sentences("\n".join(buf))))
            heading, buf = line[2:].strip(), []
        else:
            buf.append(line)
    if buf:
        out.append((heading, split_sentences("\n".join(buf))))
    return [(h, s) for h, s in out if s]


def chunk_document(doc: Document, version: str | None = None, max_chars: int | None = None) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_chars``; consecutive chunks of a section
    share ``OVERLAP_SENTENCES`` sentences so a fact split across a boundary is still found.

    Chunk ids are ``<doc_id>.<lang>:<version>:<ordinal>``: re-chunking an unchanged document gives
    the same ids, so re-ingesting it is a no-op.
    """
    version = version or content_version(doc)
    limit = max_chars or MAX_CHARS.get(doc.lang, 650)
    chunks: list[Chunk] = []
    for heading, sents in sections(doc.text):
        start = 0
        while start < len(sents):
            end = start
            size = 0
            while end < len(sents) and (end == start or size + len(sents[end]) <= limit):
                size += len(sents[end])
                end += 1
            body = sents[start:end]
            ordinal = len(chunks)
            text = " ".join(body) if doc.lang == "en" else "".join(body)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.uid}:{version}:{ordinal}",
                    doc_uid=doc.uid,
                    ordinal=ordinal,
                    text=text,
                    lang=detect_lang(text, default=doc.lang) if doc.lang not in ("zh", "en") else doc.lang,
                    sentences=body,
                    section=heading,
                )
            )
            if end >= len(sents):
                break
            start = max(start + 1, end - OVERLAP_SENTENCES)
    return chunks
