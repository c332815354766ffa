"""How likely an evidence unit is to hold the answer to a question: a small logistic model over
features the reader measures (meaning, words in common, what the unit is, what the question
asks for).

The weights are fitted on the eval sets (``assistant eval --fit-judge``): a unit counts as a
hit when it states the question's first key fact, and no unit is a hit for a question the
knowledge base cannot answer. The judge then reads the probability directly: the best unit
leads when it is likely enough, and the same number is the answer's ``confidence``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FEATURES = (
    "sim",  # cosine between the question and the unit's closest line
    "qsim",  # cosine between the question and the unit's FAQ question / list intro
    "lex",  # share of the question's content words (weighted by rarity) the unit or its context names
    "words",  # the same over the words that are not glossary terms
    "terms",  # 1 when every glossary term of the question is named
    "ctx",  # share of the question its heading / FAQ question / intro names
    "passage",  # retrieval score of the passage, relative to the best
    "rank",  # 1 / (1 + rank of the passage)
    "answer",  # an FAQ answer
    "list",  # a whole list or table
    "item",  # one list item or table row
    "figure_ok",  # the question asks for a figure and the unit gives one of that kind
    "figure_missing",  # the question asks for a figure and the unit gives none
    "date_ok",  # a when-question and the unit states a date
    "other_lang",  # quoted from the other language although the document exists in the question's
    "superseded",  # a rule since replaced, for a question not about change
    "glossary",  # a glossary definition, for a question that is not a what-is
    "unknown",  # share of the question's words the knowledge base has never seen
    "not_public",  # the unit says the answer is not public / not in the sources
)

DEFAULT = {
    "bias": -4.0, "sim": 3.0, "qsim": 1.5, "lex": 3.0, "words": 2.0, "terms": 1.0, "ctx": 0.5, "passage": 1.0,
    "rank": 0.5, "answer": 0.2, "list": -0.3, "item": -0.3, "figure_ok": 1.0, "figure_missing": -1.0,
    "date_ok": 0.5, "other_lang": -1.5, "superseded": -1.0, "glossary": -1.5, "unknown": -1.5, "not_public": 0.0,
}


@dataclass
class Relevance:
    """Logistic weights over :data:`FEATURES`, and the judge's thresholds on its probability."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT))
    answer_at: float = 0.35  # the best unit must be this likely to lead an answer
    support_at: float = 0.25  # a supporting point must be this likely too

    @classmethod
    def load(cls, path: Path) -> "Relevance":
        if not Path(path).exists():
            return cls()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls({**DEFAULT, **data.get("weights", {})}, float(data.get("answer_at", 0.35)),
                   float(data.get("support_at", 0.25)))

    def save(self, path: Path, note: dict | None = None) -> None:
        body = {"weights": {k: round(v, 4) for k, v in self.weights.items()}, "answer_at": self.answer_at,
                "support_at": self.support_at, **(note or {})}
        Path(path).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")

    def logit(self, features: dict[str, float]) -> float:
        return self.weights.get("bias", 0.0) + sum(self.weights.get(k, 0.0) * features.get(k, 0.0) for k in FEATURES)

    def probability(self, features: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.logit(features)))))


def fit(samples: list[tuple[dict[str, float], bool]], l2: float = 2.0, steps: int = 4000) -> dict[str, float]:
    """Logistic regression by gradient descent with an L2 penalty (numpy only)."""
    x = np.array([[1.0] + [f.get(k, 0.0) for k in FEATURES] for f, _ in samples], dtype=np.float64)
    y = np.array([1.0 if hit else 0.0 for _, hit in samples])
    w = np.zeros(x.shape[1])
    lr = 1.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]] / len(y)
        w -= lr * grad
    return {"bias": float(w[0]), **{k: float(v) for k, v in zip(FEATURES, w[1:])}}
