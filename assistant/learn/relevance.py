"""Two small logistic models the judge reads, fitted on the eval sets (``assistant eval
--fit-judge``):

- **rank**: which evidence unit holds the answer. Fitted on pairs of units of one answerable
  question (one stating its first key fact, one not), so it learns to order, not to accept.
- **accept**: whether the knowledge base answers the question at all. Fitted per question on
  whether the eval set labels it answerable, from what the best units name of it and how close
  they come. Its probability is the answer's ``confidence``, and the judge leads with the best
  unit only when it clears ``answer_at``.
- **calibration**: what a response's ``confidence`` means: the chance that a response of that raw
  probability (an answer's accept probability, a refusal's chance that nothing answers) is right,
  one increasing logistic curve, so it orders responses as the raw probability does. Fitted on
  the pool's train split and checked on dev (``assistant eval --fit-confidence``); without it the
  raw probability is the confidence.

Every feature is measured by the reader or the judge on the question and the unit; none names a
domain word, so the same models serve any knowledge base.
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
    "first",  # the first statement of its block (an FAQ answer's first sentence, a paragraph's opening)
    "answer",  # an FAQ answer
    "faq_match",  # an FAQ answer, times how close its question is to the user's
    "list",  # a whole list or table
    "item",  # one list item or table row
    "figure_ok",  # the question asks for a figure and the unit gives one of that kind
    "figure_missing",  # the question asks for a figure and the unit gives none
    "date_ok",  # a when-question and the unit states a date
    "defines",  # a what-is question and the unit opens by saying what the asked term is
    "other_lang",  # quoted from the other language although the document exists in the question's
    "superseded",  # a rule since replaced, for a question not about change
    "glossary",  # a glossary definition, for a question that is not a what-is
    "unknown",  # share of the question's words the knowledge base has never seen
    "not_public",  # the unit's point is that something is not known
)
ACCEPT = (
    "sim",  # the closest meaning among the three best units
    "sim_excess",  # how far that closeness goes past 0.5 (near-paraphrases need few shared words)
    "qsim",  # the closest FAQ question / list intro among them
    "lex", "words", "terms",  # what the best unit names of the question
    "figure_missing",  # a figure question and none of the three best units gives one
    "gap",  # how much better a "not known" statement matches the question than the best unit
)
RANK_DEFAULT = {"sim": 3.0, "qsim": 1.5, "lex": 3.0, "words": 2.0, "terms": 1.0, "ctx": 0.5, "passage": 1.0,
                "rank": 0.5, "first": 0.3, "answer": 0.2, "faq_match": 2.0, "list": -0.3, "item": -0.3, "figure_ok": 1.0,
                "figure_missing": -1.0, "date_ok": 0.5, "defines": 1.0, "other_lang": -1.5, "superseded": -1.0, "glossary": -1.5,
                "unknown": -1.0, "not_public": -1.0}
ACCEPT_DEFAULT = {"bias": -3.0, "sim": 2.0, "sim_excess": 4.0, "lex": 2.0, "words": 1.0, "terms": 0.5,
                  "figure_missing": -1.0, "gap": -0.5, "qsim": 0.5}


@dataclass
class Relevance:
    """The rank and accept weights and the judge's threshold on the accept probability."""

    rank: dict[str, float] = field(default_factory=lambda: dict(RANK_DEFAULT))
    accept: dict[str, float] = field(default_factory=lambda: dict(ACCEPT_DEFAULT))
    answer_at: float = 0.5
    calibration: tuple[float, float] | None = None  # (bias, slope) on the raw probability's log-odds

    @classmethod
    def load(cls, path: Path) -> "Relevance":
        if not Path(path).exists():
            return cls()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls({**RANK_DEFAULT, **data.get("rank", {})}, {**ACCEPT_DEFAULT, **data.get("accept", {})},
                   float(data.get("answer_at", 0.5)),
                   _curve(data.get("calibration")))

    def save(self, path: Path, note: dict | None = None) -> None:
        body = {"rank": {k: round(v, 4) for k, v in self.rank.items()},
                "accept": {k: round(v, 4) for k, v in self.accept.items()}, "answer_at": self.answer_at,
                **({"calibration": [round(x, 4) for x in self.calibration]} if self.calibration else {}), **(note or {})}
        Path(path).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")

    def logit(self, features: dict[str, float]) -> float:
        """How strongly a unit holds the answer, relative to the other units of its question."""
        return sum(self.rank.get(k, 0.0) * features.get(k, 0.0) for k in FEATURES)

    def accept_probability(self, features: dict[str, float]) -> float:
        z = self.accept.get("bias", 0.0) + sum(self.accept.get(k, 0.0) * features.get(k, 0.0) for k in ACCEPT)
        return _sigmoid(z)

    def calibrated(self, raw: float) -> float:
        """The chance a response of this raw probability is right (without a fitted curve: as it is)."""
        if self.calibration is None:
            return raw
        bias, slope = self.calibration
        return _sigmoid(bias + slope * log_odds(raw))


def accept_features(ranked: list[dict[str, float]], best_logit: float, gap_logit: float | None) -> dict[str, float]:
    """What the accept model reads: what the best unit names of the question, how close the
    three best units come in meaning, and whether a "not known" statement matches better."""
    best, top3 = ranked[0], ranked[:3]
    out = {k: best.get(k, 0.0) for k in ("lex", "words", "terms")}
    out["sim"] = max(f.get("sim", 0.0) for f in top3)
    out["sim_excess"] = max(0.0, out["sim"] - 0.5)
    out["qsim"] = max(f.get("qsim", 0.0) for f in top3)
    out["figure_missing"] = float(all(f.get("figure_missing", 0.0) for f in top3))
    out["gap"] = min(3.0, max(0.0, gap_logit - best_logit)) if gap_logit is not None else 0.0
    return out


def log_odds(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _curve(value) -> tuple[float, float] | None:
    return (float(value[0]), float(value[1])) if isinstance(value, list) and len(value) == 2 else None


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, bias: bool = True, steps: int = 2000) -> np.ndarray:
    """Logistic regression by gradient descent with an L2 penalty (numpy only). With ``bias`` the
    first column of ``x`` is the intercept (not penalised). Features are standardised for the
    descent and the weights mapped back, so features on different scales converge alike."""
    start = 1 if bias else 0
    mean = np.zeros(x.shape[1])
    scale = np.ones(x.shape[1])
    if bias:
        mean[start:] = x[:, start:].mean(axis=0)
    scale[start:] = x[:, start:].std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w = np.zeros(x.shape[1])
    mask = np.r_[np.zeros(start), np.ones(x.shape[1] - start)]
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * mask * w / len(y))
    out = w / scale
    if bias:
        out[0] = w[0] - float((w[start:] * mean[start:] / scale[start:]).sum())
    return out
