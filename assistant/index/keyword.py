"""BM25 keyword index over pre-tokenised chunks, held as posting arrays so a query touches only
the postings of its own terms (no rescan of the collection)."""

from __future__ import annotations

import math
import pickle
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np


class BM25Index:
    """Okapi BM25 (k1=1.2, b=0.75).

    Example:
        >>> idx = BM25Index.build([("a", ["灯笼计划", "定价"]), ("b", ["彗星计划", "作坊"])])
        >>> idx.search(["灯笼计划"], k=1)[0][0]
        'a'
    """

    def __init__(self, ids: list[str], postings: dict[str, tuple[np.ndarray, np.ndarray]],
                 doc_len: np.ndarray, k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = ids
        self.postings = postings
        self.doc_len = doc_len
        self.k1 = k1
        self.b = b
        n = len(ids)
        self.avg_len = float(doc_len.mean()) if n else 0.0
        self.idf = {t: math.log(1 + (n - len(p[0]) + 0.5) / (len(p[0]) + 0.5)) for t, p in postings.items()}
        self._norm = k1 * (1 - b + b * doc_len / self.avg_len) if n else doc_len

    @classmethod
    def build(cls, chunks: Iterable[tuple[str, list[str]]]) -> "BM25Index":
        """Index ``(chunk id, tokens)`` pairs; a generator is fine, so a large index never holds
        every token list at once."""
        lists: dict[str, tuple[list[int], list[int]]] = {}
        lengths: list[int] = []
        ids: list[str] = []
        for i, (chunk_id, toks) in enumerate(chunks):
            ids.append(chunk_id)
            lengths.append(len(toks))
            for term, tf in Counter(toks).items():
                rows, tfs = lists.setdefault(term, ([], []))
                rows.append(i)
                tfs.append(tf)
        postings = {t: (np.asarray(r, dtype=np.int32), np.asarray(f, dtype=np.float32)) for t, (r, f) in lists.items()}
        return cls(ids, postings, np.asarray(lengths, dtype=np.float32))

    def updated(self, add: Iterable[tuple[str, list[str]]], remove: set[str]) -> "BM25Index":
        """A new index with ``remove`` dropped and ``add`` appended, without re-reading the
        chunks that stay (an ingest touches few documents; a rebuild would touch all of them)."""
        if remove:
            keep = np.fromiter((cid not in remove for cid in self.ids), dtype=bool, count=len(self.ids))
            new_row = np.cumsum(keep) - 1
            postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            for term, (rows, tfs) in self.postings.items():
                mask = keep[rows]
                if mask.any():
                    postings[term] = (new_row[rows[mask]].astype(np.int32), tfs[mask])
            ids = [cid for cid, k in zip(self.ids, keep) if k]
            doc_len = self.doc_len[keep]
        else:
            postings, ids, doc_len = dict(self.postings), list(self.ids), self.doc_len
        extra = BM25Index.build(add)
        offset = len(ids)
        for term, (rows, tfs) in extra.postings.items():
            old = postings.get(term)
            if old is None:
                postings[term] = (rows + offset, tfs)
            else:
                postings[term] = (np.concatenate([old[0], rows + offset]), np.concatenate([old[1], tfs]))
        return BM25Index(ids + extra.ids, postings, np.concatenate([doc_len, extra.doc_len]).astype(np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query_tokens: list[str], k: int = 10, weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, score); ``weights`` lowers the weight of expansion terms."""
        if not self.ids:
            return []
        acc = np.zeros(len(self.ids), dtype=np.float32)
        touched: list[np.ndarray] = []
        for term, qtf in Counter(query_tokens).items():
            posting = self.postings.get(term)
            if posting is None:
                continue
            rows, tfs = posting
            w = self.idf[term] * (weights.get(term, 1.0) if weights else 1.0) * (1 + 0.2 * (qtf - 1))
            # a term's posting rows are distinct, so plain fancy-index addition is exact (and far
            # faster than np.add.at on long postings)
            acc[rows] += w * tfs * (self.k1 + 1) / (tfs + self._norm[rows])
            touched.append(rows)
        if not touched:
            return []
        k = min(k, len(acc))
        top = np.argpartition(-acc, k - 1)[:k]
        top = top[np.argsort(-acc[top])]
        return [(self.ids[i], float(acc[i])) for i in top if acc[i] > 0]

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"ids": self.ids, "postings": self.postings, "doc_len": self.doc_len}, fh, protocol=5)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "BM25Index":
        with path.open("rb") as fh:
            data = pickle.load(fh)  # noqa: S301 - our own file in the data dir
        return cls(data["ids"], data["postings"], data["doc_len"])
