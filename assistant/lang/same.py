"""When two points say the same thing: the one measure the writer (never repeat a point) and the
eval's redundancy score share."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence, Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Protocol

from .cues import cue, words
from .text import EN_STOP


class Quoted(Protocol):
    """A quotable unit as the writer and the judge hold it (``schema.Evidence``)."""

    @property
    def text(self) -> str: ...

    @property
    def quotes(self) -> Sequence[str]: ...

    @property
    def lang(self) -> str: ...

    vec: Any

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# What a point says token by token, whose report it cites, the words that hedge a figure and the
# month names: rows of lang/tables (point_token, attribution_en / _zh, hedge, en_months).

REDUNDANT_CONTAINMENT = 0.8


@dataclass(frozen=True)


class Point:
    """One thing an answer asserts. ``column`` is the table column a cell sits in ("" outside
    tables): cells of different columns speak of different subjects, so they are never compared.
    ``group`` joins the items of one quoted list (bullets without a [n] of their own under a cited
    intro): one quote, one point, so its items are not compared with each other."""

    text: str
    column: str = ""
    group: str = ""


@functools.lru_cache(maxsize=65536)
def content_tokens(text: str) -> frozenset[str]:
    """What a point says, as a set: English content words, whole numbers, and character
    bigrams of Chinese runs (Chinese has no spaces, and bigrams approximate its words). The
    attribution ("according to X", "据X报道") is dropped: two different facts from the same
    report share it, and the same fact from two reports differs in it."""
    text = cue("attribution_zh").sub("", cue("attribution_en").sub("", text)).lower()
    hedges = words("hedge")
    out: set[str] = set()
    for tok in cue("point_token").findall(text):
        if CJK_RUN.match(tok):
            out |= {tok[i: i + 2] for i in range(len(tok) - 1)} if len(tok) > 1 else {tok}
        elif tok not in EN_STOP and tok not in hedges:
            out.add(tok)
    return frozenset(out)


def figures(tokens: AbstractSet[str]) -> set[str]:
    """Numbers and month names: a point that states another figure states another fact."""
    months = _months()
    return {t for t in tokens if t[0].isdigit() or t in months}


@functools.lru_cache(maxsize=1)
def _months() -> frozenset[str]:
    return frozenset(m.lower() for m in words("en_months"))


def same_thing(a: Point, b: Point, threshold: float = REDUNDANT_CONTAINMENT) -> float | None:
    """The containment score when two points say the same thing, else None.

    Redundant when the shorter point's content tokens are at least ``threshold`` covered by
    the other point, unless the shorter one states a figure the other does not (14 January vs
    14 February are two facts) or they are cells of different table columns."""
    if a.column and b.column and a.column != b.column:
        return None
    if a.group and a.group == b.group:
        return None
    ta, tb = content_tokens(a.text), content_tokens(b.text)
    if not ta or not tb:
        return None
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    score = len(short & long_) / len(short)
    if score < threshold or figures(short) - long_:
        return None
    return score


def redundant(a: Quoted, b: Quoted) -> bool:
    """Two units that say the same thing: near-identical meaning, or one of them (or one line of
    a quoted list) restated by the other (the measure the eval's redundancy uses)."""
    return overlap(a.text, b.text) >= 0.6 or same_meaning(a, b)


def same_meaning(a: Quoted, b: Quoted) -> bool:
    """The same text, near-identical meaning, or one restating the other in the eval's measure."""
    if a.text == b.text:
        return True
    if a.vec is not None and b.vec is not None and a.lang == b.lang and float(a.vec @ b.vec) > 0.86:
        return True
    return any(same_thing(Point(x), Point(y)) is not None for x in a.quotes for y in b.quotes) or \
        any(same_thing(Point(x), Point(b.text)) is not None for x in a.quotes) or \
        any(same_thing(Point(a.text), Point(y)) is not None for y in b.quotes)


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's character trigrams found in the longer one."""
    ga, gb = _trigrams(a), _trigrams(b)
    small, large = (ga, gb) if len(ga) <= len(gb) else (gb, ga)
    return len(small & large) / len(small) if small else 0.0


@functools.lru_cache(maxsize=65536)
def _trigrams(text: str) -> frozenset[str]:
    s = re.sub(r"\s+", " ", text.lower())
    return frozenset(s[i:i + 3] for i in range(max(1, len(s) - 2)))
