"""Chunking by structure: a document's blocks become its sentence layout and its chunks.

Every line of every block is one entry of the layout (a sentence of a paragraph or answer, a
list item, a table row, or a context line: a list's intro, an FAQ question, a table header), with
its block and role, so the answer side can quote a whole list or pair. Chunks pack whole blocks
of one section up to a size; only a block larger than that is split, and each piece is indexed
with its section and its context line so it is still found by what it is about.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..schema import Chunk, Document
from .structure import parse_blocks

MAX_CHARS = {"zh": 300, "en": 750}
CONTEXT_ROLES = frozenset({"intro", "question", "header"})


@dataclass
class Layout:
    """A document's lines in reading order, each with its block and role, and each block's kind
    and section."""

    sentences: list[str]
    roles: list[str]
    block_of: list[int]
    blocks: list[dict[str, str]]


def content_version(doc: Document) -> str:
    """A short hash of everything that changes a document's chunks or their metadata."""
    h = hashlib.sha256()
    for part in (doc.doc_id, doc.lang, doc.title, doc.type, doc.published, doc.effective_from,
                 doc.superseded_by, doc.confidence, repr(doc.sources), repr(doc.topics), doc.voice,
                 doc.approx_date, repr(sorted(doc.extra.items(), key=lambda kv: kv[0])), doc.text,
                 repr([(b.kind, b.section) for b in doc.blocks])):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:12]


def layout(doc: Document) -> Layout:
    out = Layout([], [], [], [])
    blocks = doc.blocks or parse_blocks(doc.text)
    for i, block in enumerate(blocks):
        out.blocks.append({"kind": block.kind, "section": block.section})
        for role, text in block.lines:
            out.sentences.append(text)
            out.roles.append(role)
            out.block_of.append(i)
    return out


def chunk_document(doc: Document, version: str | None = None, max_chars: int | None = None) -> list[Chunk]:
    """Chunks as sentence ranges of :func:`layout`; ids are ``<doc_id>.<lang>:<version>:<ordinal>``,
    so re-chunking an unchanged document gives the same ids and re-ingesting it is a no-op."""
    version = version or content_version(doc)
    limit = max_chars or MAX_CHARS.get(doc.lang, 750)
    lay = layout(doc)
    sep = " " if doc.lang == "en" else ""
    chunks: list[Chunk] = []

    def emit(start: int, end: int, context: str) -> None:
        section = lay.blocks[lay.block_of[start]]["section"]
        body = sep.join(lay.sentences[start:end])
        text = sep.join(x for x in (context, body) if x)
        chunks.append(Chunk(chunk_id=f"{doc.uid}:{version}:{len(chunks)}", doc_uid=doc.uid, ordinal=len(chunks),
                            text=text, lang=doc.lang, sentences=lay.sentences[start:end], section=section,
                            start=start, end=end))

    start = 0
    n = len(lay.sentences)
    while start < n:
        end, size = start, 0
        section = lay.blocks[lay.block_of[start]]["section"]
        # whole blocks of one section while they fit
        while end < n and lay.blocks[lay.block_of[end]]["section"] == section:
            block_end = end
            while block_end < n and lay.block_of[block_end] == lay.block_of[end]:
                block_end += 1
            block_size = sum(len(s) for s in lay.sentences[end:block_end])
            if end > start and size + block_size > limit:
                break
            if end == start and block_size > limit:
                # one block larger than a chunk: split it, each piece carrying its context line
                end = _split_block(lay, start, block_end, limit, emit)
                size = -1
                break
            size += block_size
            end = block_end
        if size >= 0:
            emit(start, end, "")
        start = end
    return chunks


def _split_block(lay: Layout, start: int, end: int, limit: int, emit) -> int:
    context = next((lay.sentences[i] for i in range(start, end) if lay.roles[i] in CONTEXT_ROLES), "")
    piece, size = start, 0
    for i in range(start, end):
        if i > piece and size + len(lay.sentences[i]) > limit:
            emit(piece, i, context if piece > start else "")
            piece, size = i, 0
        size += len(lay.sentences[i])
    emit(piece, end, context if piece > start else "")
    return end
