"""Read retrieved chunks as evidence: the units an answer can quote, each with what it is about.

A unit is what a person would quote: a sentence (with the one before it when it leans on it:
"It only applies to new listings."), a list with the line that introduces it, an item of that
list, an FAQ answer (its question is context), a table or one of its rows with the header. A
heading, an FAQ question or a list's intro is context that tells what a unit is about; it is
never quoted as the answer itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .docstore import DocRecord
from .embed import encode
from .index import PolicyIndex
from .retrieve import Retrieval
from .text import CJK, Tokenizer
from .understand import INJECTION, Question, Topic

CONTEXT_ROLES = frozenset({"intro", "question", "header"})
# A sentence that cannot stand alone: it points back to the one before it.
LEANS = re.compile(
    r"^(它|它们|其|该|这|此|这些|这个|这种|这项|这一|这条|上述|前述|但|但是|不过|而且|并且|同时|因此|所以|也|还|此外|另外|届时|"
    r"(It|Its|This|These|That|Those|They|Their|Them|Such|However|But|Also|So|Therefore|Thus|Then|In addition|"
    r"Moreover|Otherwise|Instead|Here|There)\b)")
NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万]+(天|小时|个|%|成|倍|年|月|日)")
SENT_DATE = re.compile(r"(20\d\d)(?:年?(?:[-/.]|年)(\d{1,2})月?)?(?:(?:[-/.]|月)?(\d{1,2})日?)?")
EN_MONTHS = {m: i + 1 for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                              "september", "october", "november", "december"])}
EN_DATE = re.compile(r"(?:(\d{1,2}) )?(January|February|March|April|May|June|July|August|September|October|November|December)"
                     r"(?: (\d{1,2}))?,? (20\d\d)", re.I)


@dataclass
class Evidence:
    """One quotable unit and what the reader found out about it."""

    rec: DocRecord
    lines: list[int]  # layout positions quoted, in order
    kind: str  # sentence | list | item | answer | table | row
    context: str  # section path, FAQ question, list intro or table header: what the unit is about
    rank: int  # rank of the passage it came from
    score: float = 0.0
    sim: float = 0.0
    qsim: float = 0.0  # similarity of its FAQ question / list intro to the user's question
    lex: float = 0.0
    coverage: float = 0.0
    covered: frozenset[str] = frozenset()
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
        return bool(self.meta.get("superseded_by"))

    @property
    def is_glossary(self) -> bool:
        return self.meta.get("type") == "glossary"

    @property
    def section(self) -> str:
        return self.rec.blocks[self.rec.block_of[self.lines[0]]]["section"] if self.lines else ""


class Reader:
    """Turns a :class:`~assistant.retrieve.Retrieval` into scored evidence units.

    Args:
        index: the loaded index (document records with their layout and sentence vectors).
        embedder: embeds sentences whose vectors are not stored (a replica's first use).
        tokenizer: keyword tokens, to see which of the question's topics a unit speaks of.
    """

    def __init__(self, index: PolicyIndex, embedder, tokenizer: Tokenizer) -> None:
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer
        self._tok_cache: dict[str, frozenset[str]] = {}

    def read(self, q: Question, retrieval: Retrieval, whole_docs: bool = False) -> list[Evidence]:
        qvec = retrieval.query_vector
        if qvec is None:
            qvec = np.asarray(self.embedder.embed_query(q.text), dtype=np.float32)
        units: list[Evidence] = []
        seen: set[tuple[str, int]] = set()
        top = retrieval.passages[0].score if retrieval.passages else 1.0
        for rank, p in enumerate(retrieval.passages):
            rec, chunk = self.index.chunks[p.chunk_id]
            if rec.sentence_vectors() is None:
                rec.vectors = encode(self.embedder, rec.sentences).astype(np.float16)
            blocks = range(len(rec.blocks)) if whole_docs and rank < 6 else \
                dict.fromkeys(rec.block_of[chunk.start:chunk.end])
            sims = rec.vectors.astype(np.float32) @ qvec
            for b in blocks:
                if (rec.uid, b) in seen:
                    continue
                seen.add((rec.uid, b))
                for unit in self._units(rec, b, rank):
                    self._describe(unit, q, sims, p.score / top if top else 0.0)
                    units.append(unit)
        units.sort(key=lambda u: -u.score)
        return units

    # ---- units --------------------------------------------------------------------------------
    def _units(self, rec: DocRecord, block: int, rank: int) -> list[Evidence]:
        positions = list(rec.block_lines(block))
        kind = rec.blocks[block]["kind"]
        section = rec.blocks[block]["section"]
        context_lines = [i for i in positions if rec.roles[i] in CONTEXT_ROLES]
        content = [i for i in positions if rec.roles[i] not in CONTEXT_ROLES
                   and not INJECTION.search(rec.sentences[i]) and len(rec.sentences[i].strip()) >= 2]
        if not content:
            return []
        context = " ".join(x for x in (section, *(rec.sentences[i] for i in context_lines)) if x)
        out: list[Evidence] = []
        if kind in ("list", "table") and len(content) > 1:
            out.append(Evidence(rec, content, kind, context, rank))
        for n, i in enumerate(content):
            role = rec.roles[i]
            if role in ("item", "row"):
                out.append(Evidence(rec, [i], "item" if role == "item" else "row", context, rank))
                continue
            lines = [i]
            prev = self._leans_on(rec, i, positions, n, content)
            if prev is not None:
                lines = [prev, i]
            elif kind == "faq" and n == 0 and len(content) > 1 and len(rec.sentences[i]) < (14 if rec.lang == "zh" else 36):
                lines = [i, content[1]]  # "可以。" / "Yes." alone says too little
            out.append(Evidence(rec, lines, "answer" if kind == "faq" else "sentence", context, rank))
        return out

    @staticmethod
    def _leans_on(rec: DocRecord, i: int, positions: list[int], n: int, content: list[int]) -> int | None:
        if not LEANS.match(rec.sentences[i].strip()):
            return None
        if n > 0:
            return content[n - 1]
        j = i - 1
        if j >= 0 and rec.roles[j] not in CONTEXT_ROLES and j not in positions \
                and rec.blocks[rec.block_of[j]]["section"] == rec.blocks[rec.block_of[i]]["section"]:
            return j
        return None

    # ---- features -----------------------------------------------------------------------------
    def _describe(self, u: Evidence, q: Question, sims: np.ndarray, passage_weight: float) -> None:
        rec = u.rec
        u.sim = float(max(sims[i] for i in u.lines))
        ctx = [i for i in rec.block_lines(rec.block_of[u.lines[0]]) if rec.roles[i] in CONTEXT_ROLES]
        u.qsim = float(max((sims[i] for i in ctx), default=0.0))
        if u.kind in ("list", "table"):
            u.sim = max(u.sim, 0.95 * u.qsim)
        vecs = rec.vectors[u.lines].astype(np.float32)
        v = vecs.mean(axis=0)
        u.vec = v / (np.linalg.norm(v) or 1.0)
        scope = f"{u.text} {u.context} {rec.meta.get('title', '')}"
        u.covered = frozenset(t.label for t in q.topics if self.speaks_of(scope, t))
        core = q.core
        total = sum(t.weight for t in core)
        u.coverage = sum(t.weight for t in core if t.label in u.covered) / total if total else 1.0
        all_w = sum(t.weight for t in q.topics)
        u.lex = sum(t.weight for t in q.topics if t.label in u.covered) / all_w if all_w else 0.0
        u.figure = bool(q.figure and q.figure.search(_without_dates(u.text)))
        u.date = sentence_date(u.text)
        u.features = {"sim": u.sim, "qsim": u.qsim, "lex": u.lex, "coverage": u.coverage,
                      "passage": passage_weight, "figure": float(u.figure)}
        u.score = self.score(u, q, passage_weight)

    def score(self, u: Evidence, q: Question, passage_weight: float) -> float:
        s = 0.45 * u.sim + 0.2 * u.lex + 0.15 * u.coverage + 0.1 * passage_weight - 0.01 * u.rank
        if u.kind == "answer":
            s += 0.12 * max(0.0, u.qsim - 0.5)
        if "list" in q.kinds and u.kind in ("list", "table"):
            s += 0.08
        elif u.kind in ("list", "table"):
            s -= 0.04
        if q.figure is not None and u.figure:
            s += 0.08
        if ({"when", "temporal"} & q.kinds) and u.date:
            s += 0.05
        if u.is_glossary:
            s += 0.04 if "definition" in q.kinds else -0.12
        if u.lang != q.lang:
            s -= 0.2 if self.index.has_lang(u.doc_id, q.lang) else 0.05
        if u.superseded and "temporal" not in q.kinds:
            s -= 0.12
        return s

    def speaks_of(self, text: str, topic: Topic) -> bool:
        """Whether ``text`` names ``topic`` in any of its forms (Chinese forms as substrings,
        English forms by word stems, so 'ships' counts for 'ship')."""
        low = text.lower()
        toks = self._tokens(low)
        for form in topic.forms:
            f = form.lower()
            if CJK.search(f):
                if f in low:
                    return True
            else:
                ftoks = self._tokens(f)
                if ftoks and ftoks <= toks:
                    return True
        return False

    def _tokens(self, text: str) -> frozenset[str]:
        cached = self._tok_cache.get(text)
        if cached is None:
            cached = frozenset(self.tokenizer.tokenize(text))
            if len(self._tok_cache) > 100_000:
                self._tok_cache.clear()
            self._tok_cache[text] = cached
        return cached


def _without_dates(text: str) -> str:
    stripped = EN_DATE.sub(" ", text)
    return re.sub(r"20\d\d(年\d{1,2}月(\d{1,2}日)?|年|-\d{1,2}(-\d{1,2})?)?", " ", stripped)


def has_figure(text: str) -> bool:
    """A number other than a date: a count, duration, share or amount."""
    stripped = _without_dates(text)
    stripped = re.sub(r"(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}\b", " ", stripped)
    return bool(NUMBER.search(stripped))


def date_label(text: str) -> str:
    """The date as the sentence writes it ("2024年9月9日", "14 January 2022"), so a timeline label
    never states a figure the quote does not."""
    if not sentence_date(text):
        return ""
    m = EN_DATE.search(text) or SENT_DATE.search(text)
    return m.group(0).strip(" ,-") if m else ""


def sentence_date(text: str) -> str:
    """The first date a sentence states, as YYYY-MM-DD / YYYY-MM / YYYY (for ordering a timeline)."""
    m = EN_DATE.search(text)
    if m:
        day, month, day2, year = m.groups()
        d = day or day2
        mm = EN_MONTHS[month.lower()]
        return f"{year}-{mm:02d}-{int(d):02d}" if d else f"{year}-{mm:02d}"
    m = SENT_DATE.search(text)
    if not m:
        return ""
    year, month, day = m.groups()
    if month and not 1 <= int(month) <= 12:
        return year
    if month and day and 1 <= int(day) <= 31:
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if month:
        return f"{year}-{int(month):02d}"
    return year
