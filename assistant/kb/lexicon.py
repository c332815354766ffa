"""The knowledge base's own words with their meaning vectors, to find the word the passages use
for one a question says otherwise ("罚钱" -> "罚款", "quit" -> "leave").

The vectors are a cache beside the index (``lexicon.npz``): ingest embeds the words that are new,
the answer path only reads it.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..lang.text import CJK

logger = logging.getLogger(__name__)

LATIN_WORD = re.compile(r"^[a-z][a-z\-]{2,}$")


def lexicon_words(words: Iterable[str]) -> list[str]:
    """The words worth a vector: Chinese dictionary words of two or more characters and Latin
    words of three or more letters."""
    return sorted({w for w in words if (CJK.search(w) and len(w) >= 2) or LATIN_WORD.match(w)})


class Lexicon:
    """Words and their unit vectors from the sentence embedder called ``model``."""

    def __init__(self, words: list[str], vectors: np.ndarray, model: str = "") -> None:
        self.words = words
        self.vectors = vectors.astype(np.float32, copy=False)
        self.model = model
        self._cjk = np.array([bool(CJK.search(w)) for w in words], dtype=bool)

    @classmethod
    def load(cls, path: Path) -> "Lexicon | None":
        """The cached lexicon, or None when there is none or it cannot be read."""
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls([str(w) for w in data["words"]], data["vectors"], str(data["model"]))
        except (OSError, ValueError, KeyError):
            return None

    @classmethod
    def update(cls, path: Path | None, words: Iterable[str], embedder: Any) -> "Lexicon":
        """The lexicon of ``words``, embedding only those the cache at ``path`` lacks (all of them
        when it was made by another model), saved back to ``path`` (none: built in memory)."""
        model = model_name(embedder)
        keep = lexicon_words(words)
        old = cls.load(path) if path is not None else None
        known = {w: v for w, v in zip(old.words, old.vectors)} if old is not None and old.model == model else {}
        new = [w for w in keep if w not in known]
        if new:
            known.update(zip(new, _unit(np.asarray(embedder.embed_documents(new), dtype=np.float32))))
        vectors = np.vstack([known[w] for w in keep]) if keep else np.zeros((0, 1), dtype=np.float32)
        lexicon = cls(keep, vectors, model)
        if path is not None and (new or old is None or len(keep) != len(old.words)):
            lexicon.save(path)
        return lexicon

    def save(self, path: Path) -> None:
        buf = io.BytesIO()
        np.savez(buf, words=np.array(self.words, dtype=str), vectors=self.vectors.astype(np.float16),
                 model=np.array(self.model))
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(buf.getvalue())
        tmp.replace(path)

    def alike(self, word: str, vector: np.ndarray, floor: float, limit: int = 2) -> tuple[str, ...]:
        """The words in the script of ``word`` closest to it in meaning (``vector``), at least
        ``floor`` in cosine, best first."""
        if not self.words:
            return ()
        sims = self.vectors @ vector
        sims = np.where(self._cjk == bool(CJK.search(word)), sims, -1.0)
        best = np.argsort(-sims)[:limit]
        return tuple(self.words[i] for i in best if sims[i] >= floor and self.words[i] != word.lower())


def model_name(embedder: Any) -> str:
    """The name vectors are kept under: vectors of two models are never mixed."""
    return str(getattr(embedder, "name", type(embedder).__name__))


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)
