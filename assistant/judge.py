"""Judge whether the evidence answers *this* question.

Retrieval always returns something; the judge is what keeps an answer-shaped list of unrelated
quotes from reaching a user. Its rules, in order:

1. A question about the future, or about another platform only, is not covered.
2. The topic must be in the evidence: every glossary term the question names (in any of its
   forms, either language) must be in the unit or its context (section, FAQ question, list
   intro, title). A word the knowledge base has never seen ("直通车") makes the question not
   covered unless a unit matches the question very closely anyway (then: partial).
3. A question asking for a figure needs a unit that gives one of the asked kind (hours, days,
   money, a share); if the evidence only says the figure is not public, that is what the
   answer says, as a refusal.
4. A yes/no question is settled by a unit that speaks of what it asks ("强制") and says it or
   denies it.
5. The best remaining unit must be close enough to the question (score threshold).

``confidence`` comes from a small logistic model over the same features, fitted on the eval
sets (``assistant eval --fit-judge``), so it can be read as a probability of being right.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .domain import Domain
from .read import Evidence
from .understand import Question

NEGATION = re.compile(r"(不|没有|无需|无须|不用|不必|并非|非|未|无|禁止|\bnot\b|\bno\b|n't|\bnever\b|\bwithout\b|\bnone\b)", re.I)
NOT_PUBLIC = re.compile(r"(未公开|没有公开|未披露|没有披露|不公开|没有给出|未给出|没有说明|未说明|没有找到|未找到|查不到|没有收录|"
                        r"not public|not been published|not published|not disclosed|undisclosed|not stated|do(es)? not (state|give|say)|"
                        r"no (reliable |public )?(source|figure|table|rate))", re.I)
CONFLICT = re.compile(r"(说法不一|说法不同|不同来源|另一来源|有来源称|有的来源|存在分歧|相互矛盾|sources (differ|disagree)|"
                      r"conflict|other sources|another source|some sources)", re.I)
DEFAULT_WEIGHTS = {"bias": -3.0, "score": 6.0, "coverage": 1.5, "sim": 1.0, "margin": 2.0, "qsim": 0.5,
                   "figure_ok": 0.5, "not_covered": 2.5, "unknown": 0.8}
MIN_SCORE = 0.3
CLOSE_MATCH = 0.72  # a unit this similar answers despite an unknown word in the question
MAX_POINTS = 3


@dataclass
class Verdict:
    """What the judge decided for one question (or one part of a multi-part question)."""

    question: Question
    kind: Literal["answer", "partial", "not_covered"]
    reason: str = ""  # for not_covered/partial: future | other_platform | too_broad | unknown_topic | no_evidence | no_figure | not_public
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


class Calibration:
    """Logistic weights over the judge's features; the probability is the answer's confidence."""

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        self.weights = dict(weights or DEFAULT_WEIGHTS)

    @classmethod
    def load(cls, path: Path) -> "Calibration":
        if path.exists():
            return cls(json.loads(path.read_text(encoding="utf-8")).get("weights"))
        return cls()

    def probability(self, features: dict[str, float]) -> float:
        z = self.weights.get("bias", 0.0) + sum(w * features.get(k, 0.0) for k, w in self.weights.items() if k != "bias")
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class Judge:
    """Decides answer / partial / not covered and picks the lead and supporting units.

    Args:
        domain: entities (for comparison tables) and the knowledge base's own voice cues.
        calibration: turns features into a calibrated confidence.
        has_lang: whether a document exists in a language (other-language units then yield).
    """

    def __init__(self, domain: Domain, calibration: Calibration | None = None, has_lang=lambda _d, _l: True) -> None:
        self.domain = domain
        self.calibration = calibration or Calibration()
        self.has_lang = has_lang
        cues = [c for lang in ("zh", "en") for c in domain.kb_voice.get(lang, ())]
        self._kb_voice = re.compile("|".join(re.escape(c).replace("…", ".{0,12}") for c in cues), re.I) if cues else None

    def judge(self, q: Question, units: list[Evidence]) -> Verdict:
        v = self._decide(q, units)
        v.features = self._features(q, v, units)
        v.confidence = round(self.calibration.probability(v.features), 3)
        return v

    # ---- decision -----------------------------------------------------------------------------
    def _decide(self, q: Question, units: list[Evidence]) -> Verdict:
        if q.future:
            return Verdict(q, "not_covered", "future")
        if q.platforms and not q.names_scope and "comparison" not in q.kinds:
            return Verdict(q, "not_covered", "other_platform", missing=q.platforms)
        if not q.topics:
            return Verdict(q, "not_covered", "too_broad", missing=[q.text])
        units = self._usable(q, units)
        terms = [t for t in q.topics if t.kind == "term"]
        words = [t for t in q.topics if t.kind == "word"]
        on_topic = [u for u in units if all(t.label in u.covered for t in terms)
                    and (terms or not words or _word_cover(u, words) >= 0.5)]
        unknown = [t.label for t in q.unknown]
        if unknown:
            close = [u for u in on_topic if u.sim >= CLOSE_MATCH]
            if not close:
                return Verdict(q, "not_covered", "unknown_topic", missing=unknown,
                               related=self._related(q, units, terms))
            on_topic = close
        if not on_topic or on_topic[0].score < MIN_SCORE:
            missing = [t.label for t in terms if not any(t.label in u.covered for u in units)] or \
                [t.label for t in (terms or words)[:2]]
            return Verdict(q, "not_covered", "no_evidence", missing=missing, related=self._related(q, units, terms))
        lead = on_topic[0]
        if q.figure is not None and "comparison" not in q.kinds:
            giving = [u for u in on_topic if u.figure]
            if not giving:
                said = [u for u in on_topic if self._says_not_public(u)]
                reason = "not_public" if said else "no_figure"
                return Verdict(q, "not_covered", reason, missing=[_figure_label(q)],
                               related=(said[:1] + [u for u in on_topic[:3] if u not in said])[:2])
            lead = max(giving, key=lambda u: u.score)
        v = Verdict(q, "partial" if unknown else "answer", "unknown_topic" if unknown else "",
                    missing=unknown, pool=on_topic)
        if "list" in q.kinds:
            listing = [u for u in on_topic[:6] if u.kind in ("list", "table") and u.score >= 0.8 * lead.score]
            lead = listing[0] if listing else lead
        if "when" in q.kinds:
            dated = [u for u in on_topic[:8] if u.date and u.score >= 0.75 * lead.score]
            lead = dated[0] if dated else lead
        if "yes_no" in q.kinds and q.predicate:
            lead, v.yes_no = self._settle(q, on_topic, lead)
        if lead.superseded and "temporal" not in q.kinds:
            current = [u for u in on_topic[:8] if not u.superseded and u.score >= 0.8 * lead.score]
            lead = current[0] if current else lead
        v.lead = lead
        v.layout = self._layout(q, lead)
        v.support = self._support(q, lead, on_topic)
        v.conflict = any(CONFLICT.search(u.text) for u in [lead, *v.support])
        return v

    def _usable(self, q: Question, units: list[Evidence]) -> list[Evidence]:
        """Units in the question's language, or from documents that only exist in the other one;
        glossary definitions only for what-is questions."""
        out = [u for u in units if (u.lang == q.lang or not self.has_lang(u.doc_id, q.lang))
               and (not u.is_glossary or "definition" in q.kinds)]
        return out or [u for u in units if not u.is_glossary]

    def _related(self, q: Question, units: list[Evidence], terms) -> list[Evidence]:
        """For a refusal: at most two units that are truly about what the question names."""
        if not terms:
            return []
        main = max(terms, key=lambda t: t.weight)
        return [u for u in units if main.label in u.covered and u.sim >= 0.45][:2]

    def _says_not_public(self, u: Evidence) -> bool:
        return bool(NOT_PUBLIC.search(u.text) or (self._kb_voice and self._kb_voice.search(u.text)))

    def _settle(self, q: Question, on_topic: list[Evidence], lead: Evidence) -> tuple[Evidence, str]:
        """The unit that speaks of what a yes/no question asks, and whether it says yes or no."""
        forms = [p.lower() for p in q.predicate]
        for u in on_topic[:6]:
            if u.score < 0.75 * lead.score:
                break
            low = u.text.lower()
            hit = next((low.find(f) for f in forms if f in low), -1)
            if hit < 0:
                continue
            window = low[max(0, hit - 12):hit + len(forms[0]) + 4]
            if NEGATION.search(q.text):
                return u, ""  # "不是…吗" questions: let the quote speak
            return u, "no" if NEGATION.search(window) else "yes"
        return lead, ""

    def _layout(self, q: Question, lead: Evidence) -> str:
        if "comparison" in q.kinds:
            named = [e for e in self.domain.entities if any(_names(q.text, f) for f in e.forms)]
            return "table" if len(named) >= 2 and not q.platforms else "contrast"
        if "temporal" in q.kinds:
            return "timeline"
        if "suitability" in q.kinds:
            return "suitability"
        if lead.kind in ("list", "table"):
            return "list"
        return "points"

    def _support(self, q: Question, lead: Evidence, on_topic: list[Evidence]) -> list[Evidence]:
        chosen: list[Evidence] = []
        limit = MAX_POINTS + (1 if "list" in q.kinds and lead.kind not in ("list", "table") else 0)
        for u in on_topic:
            if len(chosen) >= limit or u.score < 0.72 * lead.score:
                break
            if u is lead or set(u.lines) & set(lead.lines) or any(set(u.lines) & set(c.lines) for c in chosen):
                continue
            if lead.kind in ("list", "table") and u.rec is lead.rec and u.kind in ("item", "row"):
                continue
            if redundant(u, lead) or any(redundant(u, c) for c in chosen):
                continue
            chosen.append(u)
        return chosen

    # ---- confidence ---------------------------------------------------------------------------
    def _features(self, q: Question, v: Verdict, units: list[Evidence]) -> dict[str, float]:
        lead = v.lead
        best = units[0] if units else None
        second = units[1].score if len(units) > 1 else 0.0
        top = lead or best
        return {
            "score": top.score if top else 0.0,
            "coverage": top.coverage if top else 0.0,
            "sim": top.sim if top else 0.0,
            "qsim": top.qsim if top else 0.0,
            "margin": (top.score - second) if top else 0.0,
            "figure_ok": float(bool(q.figure is None or (lead is not None and lead.figure))),
            "not_covered": float(v.kind == "not_covered"),
            "unknown": float(bool(q.unknown)),
        }


def redundant(a: Evidence, b: Evidence) -> bool:
    """Two units that say the same thing: near-identical meaning, or most of one's characters
    repeated in the other (the same fact restated by two documents)."""
    if a.text == b.text:
        return True
    if a.vec is not None and b.vec is not None and a.lang == b.lang and float(a.vec @ b.vec) > 0.86:
        return True
    return overlap(a.text, b.text) >= 0.6


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's character trigrams found in the longer one."""
    def grams(s: str) -> set[str]:
        s = re.sub(r"\s+", " ", s.lower())
        return {s[i:i + 3] for i in range(max(1, len(s) - 2))}
    ga, gb = grams(a), grams(b)
    small, large = (ga, gb) if len(ga) <= len(gb) else (gb, ga)
    return len(small & large) / len(small) if small else 0.0


def _word_cover(u: Evidence, words) -> float:
    total = sum(t.weight for t in words)
    return sum(t.weight for t in words if t.label in u.covered) / total if total else 1.0


def _names(text: str, form: str) -> bool:
    low, f = text.lower(), form.lower()
    if f.isascii():
        return bool(re.search(rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])", low))
    return f in low


def _figure_label(q: Question) -> str:
    topic = max(q.core or q.topics, key=lambda t: t.weight, default=None)
    return topic.label if topic else q.text


def fit(samples: list[tuple[dict[str, float], bool]], l2: float = 1.0, steps: int = 3000) -> dict[str, float]:
    """Fit the calibration's logistic weights (plain gradient descent, L2) to (features, was
    the answer right) pairs from the eval sets."""
    keys = list(DEFAULT_WEIGHTS)
    x = np.array([[1.0] + [f.get(k, 0.0) for k in keys if k != "bias"] for f, _ in samples])
    y = np.array([1.0 if ok else 0.0 for _, ok in samples])
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]] / len(y)
        w -= 0.5 * grad
    return {"bias": float(w[0]), **{k: float(v) for k, v in zip([k for k in keys if k != "bias"], w[1:])}}
