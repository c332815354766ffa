"""Typed values passed between stages.

A document: load -> chunk -> index. A question: understand -> retrieve -> read -> judge -> write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Source:
    title: str
    publisher: str
    url: str
    date: str


Role = Literal["body", "intro", "item", "question", "answer", "header", "row"]


@dataclass
class Block:
    """One unit of a document's structure: a paragraph, a list with the line that introduces it,
    a question/answer pair, or a table. ``lines`` are (role, text) pairs in reading order; a
    heading is never a line of its own, it is the block's ``section`` (the heading path)."""

    kind: Literal["paragraph", "list", "faq", "table"]
    section: str
    lines: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Document:
    """One document in one language, as loaded from a file."""

    doc_id: str
    lang: str
    title: str
    text: str
    path: str
    type: str = "article"
    published: str = ""
    effective_from: str = ""
    superseded_by: str = ""
    confidence: str = ""
    sources: list[Source] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    voice: Literal["source", "summary"] = "source"
    approx_date: str = ""  # an undated source's estimated date (YYYY, YYYY-MM or YYYY-MM-DD)
    removed: list[str] = field(default_factory=list)  # boilerplate lines dropped by the loader

    @property
    def uid(self) -> str:
        """Unique across languages: the same id exists once per language."""
        return f"{self.doc_id}.{self.lang}"

    @property
    def url(self) -> str:
        return self.sources[0].url if self.sources else ""

    @property
    def publisher(self) -> str:
        return self.sources[0].publisher if self.sources else ""


@dataclass
class Chunk:
    """A range ``[start, end)`` of a document's layout; ``text`` is what gets embedded and
    keyword-indexed (a split block's context line included)."""

    chunk_id: str
    doc_uid: str
    ordinal: int
    text: str
    lang: str
    sentences: list[str]
    section: str = ""
    start: int = 0
    end: int = 0


@dataclass
class Passage:
    """A retrieved chunk with its scores and the metadata the composer needs."""

    chunk_id: str
    doc_uid: str
    doc_id: str
    lang: str
    title: str
    text: str
    score: float
    dense_score: float = 0.0
    keyword_score: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


class SourceRef(BaseModel):
    """A source a knowledge-base summary rests on, with that source's own date."""

    title: str = ""
    publisher: str = ""
    url: str = ""
    date: str = ""  # YYYY-MM-DD, "≈YYYY-MM" when approximate, or "undated"


class Citation(BaseModel):
    n: int
    doc_id: str
    title: str
    url: str = ""
    published: str = ""  # the source's own date (YYYY-MM-DD), "undated", or "" for a summary
    quote: str
    lang: str = ""
    publisher: str = ""
    superseded: bool = False
    section: str = ""
    summary: bool = False  # a knowledge-base summary: ``sources`` says what it rests on
    date_note: str = ""  # e.g. "≈2024-03" for an undated source with an estimated date
    sources: list[SourceRef] = Field(default_factory=list)


class Answer(BaseModel):
    """The answer JSON of the design notes; also the REST shape."""

    question: str
    lang: Literal["zh", "en"]
    answer: str
    refused: bool = False
    verdict: Literal["answer", "partial", "not_covered"] = "answer"
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    citations: list[Citation] = Field(default_factory=list)
    mode: Literal["extractive", "llm"] = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
