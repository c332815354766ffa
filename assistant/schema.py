"""Typed values passed between stages: every stage reads and writes these, and none defines its
own, so the stages stand side by side.

A document: load -> chunk -> index. A question: understand (:class:`Question`) -> retrieve
(:class:`Retrieval`) -> read (:class:`Evidence`) -> judge (:class:`Verdict`) -> write (:class:`Answer`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from .index.docstore import DocRecord

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
    effective_until: str = ""  # a temporary rule's last day
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
    effective_from: str = ""  # when the rule it states takes (or took) effect
    effective_until: str = ""  # a temporary rule's last day
    status: Literal["in_force", "upcoming", "expired", "superseded", ""] = ""


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


# ---- the question path ------------------------------------------------------------------------

@dataclass(frozen=True)


class Topic:
    """One thing a question is about: how it is written there, and every form that counts as it
    in the evidence (glossary forms in both languages, or the word itself)."""

    label: str
    forms: tuple[str, ...]
    kind: str  # "term" (a glossary term) | "word" (a content word the knowledge base knows) | "unknown"
    weight: float = 1.0
    everyday: bool = False  # a word of everyday language ("影响", "few"): it says little of the topic


@dataclass


class Question:
    raw: str
    text: str  # cleaned, simplified, injection lines removed, follow-up resolved
    lang: str  # zh | en | other
    kinds: set[str] = field(default_factory=set)
    parts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)  # other platforms it names
    names_scope: bool = False  # it names the platform the knowledge base is about
    future: bool = False
    topics: list[Topic] = field(default_factory=list)
    figure: re.Pattern[str] | None = None  # how a sentence giving the asked figure looks
    asks: str = ""  # its question word (see asking_word)
    chooses: str = ""  # what a which-to-use question chooses among, when the domain advises on no such thing
    attribute: Topic | None = None  # the word its question word asks about ("what score", "运费谁出")
    predicate: list[str] = field(default_factory=list)  # what a yes/no question asks to be true

    @property
    def asking_about(self) -> tuple[str, tuple[str, ...]] | None:
        """Its question word and the forms of the word it asks about, for retrieval."""
        return (self.asks, self.attribute.forms) if self.attribute is not None else None

    @property
    def other_platform(self) -> bool:
        return bool(self.platforms)

    @property
    def core(self) -> list[Topic]:
        """The topics evidence must speak of: the glossary terms it names."""
        return [t for t in self.topics if t.kind == "term"]

    @property
    def unknown(self) -> list[Topic]:
        return [t for t in self.topics if t.kind == "unknown"]


@dataclass


class Retrieval:
    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)
    expansion: list[str] = field(default_factory=list)
    query_vector: np.ndarray | None = None


@dataclass(eq=False)


class Evidence:
    """One quotable unit and what the reader found out about it (compared by identity)."""

    rec: DocRecord
    lines: list[int]  # layout positions quoted, in order
    kind: str  # sentence | list | item | answer | table | row
    context: str  # section path, FAQ question, list intro or table header: what the unit is about
    rank: int  # rank of the passage it came from
    replaced_by: str = ""  # the document that supersedes this one, from either side of the link
    replaced_from: str = ""  # the day (ISO) the superseding rule took effect, when its document says
    upcoming: bool = False  # its rule takes effect after the day asked about (announced, not yet in force)
    first: bool = False  # opens its block (an FAQ answer's first sentence, a paragraph's opening)
    intro: bool = False  # a list whose first line is the sentence introducing it
    score: float = 0.0  # the rank model's probability (for ordering and relative cut-offs)
    logit: float = 0.0
    sim: float = 0.0
    qsim: float = 0.0  # similarity of its FAQ question / list intro to the user's question
    lex: float = 0.0
    coverage: float = 0.0
    ctx_lex: float = 0.0  # the share of the question its heading / FAQ question / intro speaks of
    covered: dict[str, float] = field(default_factory=dict)  # topic label -> how fully it is named (0.5 or 1)
    named: set[str] = field(default_factory=set)  # topic labels it, its context or its page's title names as written
    figure: bool = False
    date: str = ""
    vec: np.ndarray | None = None
    features: dict[str, float] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return self.rec.doc_id

    @property
    def lang(self) -> str:
        return self.rec.lang

    @property
    def meta(self) -> dict[str, Any]:
        return self.rec.meta

    @property
    def quotes(self) -> list[str]:
        return [self.rec.sentences[i] for i in self.lines]

    @property
    def text(self) -> str:
        sep = " " if self.lang == "en" else ""
        return sep.join(self.quotes)

    @property
    def superseded(self) -> bool:
        return bool(self.replaced_by)  # set by the reader once the newer rule is in force

    @property
    def is_glossary(self) -> bool:
        return self.meta.get("type") == "glossary"

    @cached_property
    def faq_question(self) -> str:
        """The FAQ question this unit answers ("" outside an FAQ pair)."""
        rec = self.rec
        return next((rec.sentences[i] for i in rec.block_lines(rec.block_of[self.lines[0]])
                     if rec.roles[i] == "question"), "") if self.kind == "answer" else ""

    @property
    def section(self) -> str:
        return self.rec.blocks[self.rec.block_of[self.lines[0]]]["section"] if self.lines else ""


@dataclass


class Verdict:
    """What the judge decided for one question (or one part of a multi-part question)."""

    question: Question
    kind: Literal["answer", "partial", "not_covered"]
    reason: str = ""  # for not_covered/partial: future | other_platform | too_broad | unknown_topic | no_evidence |
    # not_specific | no_figure | not_public | not_advised
    lead: Evidence | None = None
    support: list[Evidence] = field(default_factory=list)
    related: list[Evidence] = field(default_factory=list)  # for not_covered: units truly about the topic
    pool: list[Evidence] = field(default_factory=list)  # on-topic units (tables, timelines, contrasts)
    missing: list[str] = field(default_factory=list)  # what the knowledge base does not cover, as asked
    yes_no: str = ""  # "yes" | "no" | ""
    layout: str = "points"  # points | list | timeline | table | contrast | suitability
    conflict: bool = False
    confidence: float = 0.0
    features: dict[str, float] = field(default_factory=dict)

    @property
    def evidence(self) -> list[Evidence]:
        """Every unit the answer rests on, lead first."""
        units = ([self.lead] if self.lead else []) + self.support + self.related
        return list(dict.fromkeys(units))


RuleStatus = Literal["in_force", "upcoming", "expired", "superseded"]


def rule_status(meta: dict[str, Any], today: str, replaced_on: str | None = None) -> RuleStatus:
    """Where a document's rule stands on ``today`` (ISO): upcoming before its ``effective_from``,
    expired after its ``effective_until``, superseded once a newer rule replacing it has taken
    effect (``replaced_on``: that rule's effective date, "" when it has none), else in force."""
    start, end = str(meta.get("effective_from") or ""), str(meta.get("effective_until") or "")
    if start and start > today:
        return "upcoming"
    if replaced_on is not None and replaced_on <= today:
        return "superseded"  # (an expired rule that a newer one replaced is told as replaced)
    if end and end < today:
        return "expired"
    return "in_force"


ROW_CELL = re.compile(r"\s*([^：:]+?)\s*[：:]\s*(.*)$")


def row_cells(text: str) -> dict[str, str]:
    """A table row as the reader keeps it ("方面：物流；甲：商家；…", "aspect: logistics; A: seller; …")
    as column -> cell, in order."""
    cells: dict[str, str] = {}
    for i, part in enumerate(re.split(r"[；;]\s*", text.strip().rstrip("。."))):
        m = ROW_CELL.match(part)
        if m:
            cells[m.group(1)] = m.group(2).strip()
        elif i == 0 and part.strip():
            cells[""] = part.strip()  # the row's label under an empty header cell ("| | A | B |")
    return cells
