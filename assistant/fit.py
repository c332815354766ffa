"""Fit the relevance model and the judge's thresholds on the eval sets.

Every question is run through understand -> retrieve -> read; each evidence unit becomes a
sample labelled by whether it states the question's first key fact (no unit is a hit for a
question the knowledge base cannot answer). The logistic weights come from those samples; the
answer threshold is then the one that gets the most questions right when the judge leads with
the likeliest unit or refuses, counting an answer to an unanswerable question twice as bad as a
refusal of an answerable one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from .relevance import Relevance, fit
from .score import includes

logger = logging.getLogger(__name__)


def question_units(assistant, item: dict[str, Any]):
    """The evidence units the reader produces for one eval question (the first part of a
    multi-part question only, whose first key fact is the one labelled)."""
    q = assistant.understander.understand(item["question"], item.get("history") or [],
                                          assistant.settings.max_question_chars)
    if q.lang not in ("zh", "en") or not q.topics or q.future:
        return q, []
    part = q if len(q.parts) == 1 else assistant.understander.part(q.parts[0], [], q.lang)
    result = assistant.retriever.search(part.text, lang=part.lang, k=12 if {"comparison", "temporal"} & part.kinds else None)
    units = assistant.reader.read(part, result, whole_docs="comparison" in part.kinds or "temporal" in part.kinds)
    return part, assistant.judge._usable(part, units)


def samples_for(assistant, items: Iterable[dict[str, Any]]) -> list[tuple[list[tuple[dict, bool]], bool]]:
    """Per question: (unit feature dicts with hit labels, answerable)."""
    out = []
    for item in items:
        key = (item.get("must_include") or [""])[0]
        _q, units = question_units(assistant, item)
        rows = [(u.features, bool(item["answerable"]) and bool(key) and includes(u.text, key)) for u in units[:40]]
        out.append((rows, bool(item["answerable"])))
    return out


def choose_threshold(relevance: Relevance, questions) -> tuple[float, dict[str, float]]:
    best = (0.0, -1.0, {})
    for at in [x / 100 for x in range(10, 80, 2)]:
        right = wrong_answers = 0.0
        n_ans = n_un = 0
        for rows, answerable in questions:
            top = max(rows, key=lambda r: relevance.probability(r[0]), default=None)
            p = relevance.probability(top[0]) if top else 0.0
            if answerable:
                n_ans += 1
                right += bool(top and top[1] and p >= at)
            else:
                n_un += 1
                right += p < at
                wrong_answers += p >= at
        score = right - wrong_answers  # an irrelevant answer counts twice
        if score > best[1]:
            best = (at, score, {"accuracy": right / max(1, n_ans + n_un), "irrelevant": wrong_answers / max(1, n_un)})
    return best[0], best[2]


def fit_relevance(assistant, items: list[dict[str, Any]]) -> tuple[Relevance, dict[str, Any]]:
    questions = samples_for(assistant, items)
    flat = [s for rows, _ in questions for s in rows]
    weights = fit(flat)
    relevance = Relevance(weights)
    relevance.answer_at, figures = choose_threshold(relevance, questions)
    relevance.support_at = round(max(0.1, relevance.answer_at * 0.7), 3)
    stats = {"questions": len(questions), "units": len(flat), "hits": sum(1 for _, h in flat if h), **figures}
    logger.info("fitted relevance on %d questions / %d units: %s", len(questions), len(flat), stats)
    return relevance, stats
