"""Fit the judge's rank and accept models and its answer threshold on the eval sets, and the
curves that say what a response's confidence means.

Every question runs through understand -> retrieve -> read; a unit is a hit when it states the
question's first key fact. Questions whose first key fact is so common that most candidate units
state it ("商家") teach nothing about ranking and are left out of the rank fit. The threshold is
the one that gets most questions right when the judge leads with its best unit or refuses,
an answer to an unanswerable question counting twice as bad as refusing an answerable one.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..learn.relevance import ACCEPT, FEATURES, Relevance, accept_features, log_odds, logistic
from .score import Row, auroc, calibration, includes

logger = logging.getLogger(__name__)
MAX_UNITS = 40  # per question, for the second round: the units the first model ranks highest


@dataclass
class Case:
    units: list[dict[str, float]]  # features of the candidate units, best retrieval first
    hits: list[bool]
    answerable: bool


def question_units(assistant, item: dict[str, Any]):
    """The evidence units the reader produces for one eval question (the first part of a
    multi-part question only, whose first key fact is the one labelled)."""
    q = assistant.understander.understand(item["question"], item.get("history") or [],
                                          assistant.settings.max_question_chars)
    if q.lang not in ("zh", "en") or not q.topics or q.future:
        return q, []
    part = q if len(q.parts) == 1 else assistant.understander.part(q.parts[0], [], q.lang)
    return part, assistant.judge.usable(part, assistant.evidence(part))

def cases_for(assistant, items: list[dict[str, Any]]) -> list[Case]:
    out = []
    for item in items:
        key = (item.get("must_include") or [""])[0]
        _q, units = question_units(assistant, item)
        # in retrieval order, not by the running model's scores: fitting twice gives one model
        units = sorted(units, key=lambda u: (u.rank, u.doc_id, u.lines, u.kind, u.lang))
        hits = [bool(item["answerable"]) and bool(key) and includes(u.text, key) for u in units]
        out.append(Case([u.features for u in units], hits, bool(item["answerable"])))
    return out


def fit_rank(cases: list[Case], seed: int = 7) -> dict[str, float]:
    """Pairwise logistic: a hit unit should outrank a miss of the same question."""
    rng = random.Random(seed)
    rows, labels = [], []
    for c in cases:
        if not c.answerable or not any(c.hits) or sum(c.hits) > 0.3 * len(c.hits):
            continue
        pos = [f for f, h in zip(c.units, c.hits) if h]
        neg = [f for f, h in zip(c.units, c.hits) if not h]
        for p in pos[:3]:
            for n in rng.sample(neg, min(len(neg), 12)):
                d = np.array([p.get(k, 0.0) - n.get(k, 0.0) for k in FEATURES])
                rows += [d, -d]
                labels += [1.0, 0.0]
    w = logistic(np.array(rows), np.array(labels), l2=1.0, bias=False)
    return {k: float(v) for k, v in zip(FEATURES, w)}


def _best(relevance: Relevance, c: Case) -> tuple[dict[str, float], bool] | None:
    """The accept features of the question's best answering unit, and whether it is a hit."""
    scored = sorted(((relevance.logit(f), f, h) for f, h in zip(c.units, c.hits) if not f.get("not_public")),
                    key=lambda t: -t[0])
    if not scored:
        return None
    gaps = [relevance.logit({**f, "not_public": 0.0}) for f in c.units[:12] if f.get("not_public")]
    return accept_features([f for _, f, _ in scored[:3]], scored[0][0], max(gaps) if gaps else None), scored[0][2]


def fit_accept(relevance: Relevance, cases: list[Case]) -> dict[str, float]:
    rows, labels = [], []
    for c in cases:
        best = _best(relevance, c)
        if best is None:
            continue
        f, _hit = best
        rows.append([1.0] + [f.get(k, 0.0) for k in ACCEPT])
        labels.append(1.0 if c.answerable else 0.0)
    w = logistic(np.array(rows), np.array(labels), l2=5.0)
    return {"bias": float(w[0]), **{k: float(v) for k, v in zip(ACCEPT, w[1:])}}


def score_cases(relevance: Relevance, cases: list[Case], at: float) -> dict[str, float]:
    right = wrong = n_un = 0
    for c in cases:
        best = _best(relevance, c)
        p = relevance.accept_probability(best[0]) if best else 0.0
        if c.answerable:
            right += bool(best and best[1] and p >= at)
        else:
            n_un += 1
            right += p < at
            wrong += p >= at
    return {"accuracy": round(right / max(1, len(cases)), 3), "irrelevant": round(wrong / max(1, n_un), 3),
            "_score": right - wrong}


def choose_threshold(relevance: Relevance, sets: list[list[Case]]) -> float:
    """The threshold with the best mean, over the sets, of questions right minus irrelevant
    answers per question: each kind of set counts alike, however many questions it has."""
    grid = [x / 100 for x in range(20, 85, 2)]

    def mean_score(at: float) -> float:
        return sum(score_cases(relevance, cs, at)["_score"] / max(1, len(cs)) for cs in sets) / len(sets)
    scores = {at: mean_score(at) for at in grid}
    # the middle of a good stretch, not a lucky point: each threshold is judged with its neighbours
    window = 2

    def smoothed(i: int) -> float:
        near = grid[max(0, i - window):i + window + 1]
        return sum(scores[at] for at in near) / len(near)
    return grid[max(range(len(grid)), key=smoothed)]


def fit_cases(sets: list[list[Case]], tune: list[list[Case]] | None = None) -> Relevance:
    """Two rounds: a first model on every unit, then the final one on the units that first model
    ranks highest for each question (the hard negatives a ranking must get right). The threshold
    is chosen on ``tune`` when given (a split the models were not fitted on)."""
    first = _fit_round(sets, tune)
    return _fit_round([[_hardest(first, c) for c in cs] for cs in sets], tune)


def _hardest(relevance: Relevance, c: Case) -> Case:
    order = sorted(range(len(c.units)), key=lambda i: (-relevance.logit(c.units[i]), i))[:MAX_UNITS]
    return Case([c.units[i] for i in order], [c.hits[i] for i in order], c.answerable)


def _fit_round(sets: list[list[Case]], tune: list[list[Case]] | None = None) -> Relevance:
    cases = [c for cs in sets for c in cs]
    relevance = Relevance()
    relevance.rank = fit_rank(cases)
    relevance.accept = fit_accept(relevance, cases)
    relevance.answer_at = choose_threshold(relevance, tune or sets)
    return relevance


def fit_relevance(groups: list[tuple[str, Any, list[dict[str, Any]]]],
                  tune: tuple[str, Any, list[dict[str, Any]]] | None = None) -> tuple[Relevance, dict[str, Any]]:
    """Fit on every (set name, assistant, items) group together and choose the threshold on the
    ``tune`` group (a split left out of the fit; without one, on the fitted groups); report how
    the judge does on the fitted questions and on the tuning split."""
    by_set = {name: cases_for(assistant, items) for name, assistant, items in groups}
    everything = [c for cs in by_set.values() for c in cs]
    tuning = cases_for(tune[1], tune[2]) if tune else None
    relevance = fit_cases(list(by_set.values()), [tuning] if tuning else None)
    stats: dict[str, Any] = {"fitted_on": sorted(by_set), "threshold_on": tune[0] if tune else sorted(by_set),
                             "questions": len(everything),
                             "fitted": _public(score_cases(relevance, everything, relevance.answer_at))}
    if tuning:
        stats["tuned"] = _public(score_cases(relevance, tuning, relevance.answer_at))
    logger.info("fitted relevance: %s", stats)
    return relevance, stats


def _public(figures: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in figures.items() if not k.startswith("_")}


def fit_calibration(rows: list[Row]) -> tuple[float, float] | None:
    """One increasing logistic curve from a response's raw probability to whether it was right
    (None when every response was right, or none was)."""
    pairs = [(r.confidence, r.correct) for r in rows if r.confidence is not None and not r.error]
    if len({ok for _, ok in pairs}) < 2:
        return None
    x = np.array([[1.0, log_odds(c)] for c, _ in pairs])
    bias, slope = logistic(x, np.array([float(ok) for _, ok in pairs]), l2=1.0)
    return (float(bias), float(slope)) if slope > 0 else None  # never a curve that turns the order round


def confidence_figures(relevance: Relevance, rows: list[Row]) -> dict[str, Any]:
    """How well the confidence of these responses (raw, as graded) separates right from wrong and
    matches how often answers are right, before and after the relevance's calibration."""
    raw = [(r.confidence, r.correct, r.answered) for r in rows if r.confidence is not None and not r.error]
    out: dict[str, Any] = {"questions": len(raw)}
    for name, conf in (("raw", lambda c: c), ("calibrated", relevance.calibrated)):
        pairs = [(conf(c), ok, answered) for c, ok, answered in raw]
        out[name] = {"auroc": auroc([(c, ok) for c, ok, _ in pairs]),
                     "calibration_error": calibration([(c, ok) for c, ok, answered in pairs if answered])["ece"]}
    return out
