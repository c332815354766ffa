"""Typed values passed between stages: load -> chunk -> index -> retrieve -> compose."""

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
    chunk_id: str
    doc_uid: str
    ordinal: int
    text: str
    lang: str
    sentences: list[str]
    section: str = ""


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


class Citation(BaseModel):
    n: int
    doc_id: str
    title: str
    url: str = ""
    published: str = ""
    quote: str
    lang: str = ""
    publisher: str = ""
    superseded: bool = False


class Answer(BaseModel):
    """The answer JSON of the design notes; also the REST shape."""

    question: str
    lang: Literal["zh", "en"]
    answer: str
    refused: bool = False
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    citations: list[Citation] = Field(default_factory=list)
    mode: Literal["extractive", "llm"] = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
