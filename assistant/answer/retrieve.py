"""Hybrid retrieval: dense (Chroma) + BM25 keyword, fused by reciprocal rank, with glossary
expansion across languages, a preference for the question's language and for current rules.

:meth:`HybridRetriever.as_langchain` gives the same retriever as a LangChain ``BaseRetriever``
for chains built on it; LangChain's retriever machinery is imported only then, so the answer
path and a cold start do without it."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

from ..index.index import PolicyIndex
from ..kb.domain import Domain, synonyms
from ..kb.glossary import Glossary
from ..lang.asking import asking_word, same_asking
from ..lang.text import Tokenizer, detect_lang, to_simplified
from ..schema import Passage, Retrieval

RRF_K = 60
CANDIDATES = 30
OTHER_LANG_FACTOR = 0.55  # the same document exists in the question's language
SUPERSEDED_FACTOR = 0.75
TITLE_FACTOR = 2.0  # the document's title names a term of the question
SECTION_FACTOR = 1.4  # the passage's heading does
ASKED_FACTOR = 2.0  # the passage holds an FAQ question asking about the word the question asks about


@dataclass
class HybridRetriever:
    """Dense + keyword retrieval over a :class:`PolicyIndex`.

    Example:
        >>> retriever.search("灯笼计划谁定价?").passages[0].text  # doctest: +SKIP
        '灯笼计划下，商家自己定价。'
        >>> retriever.as_langchain().invoke("灯笼计划谁定价?")  # doctest: +SKIP
        [Document(page_content='灯笼计划下，商家自己定价。', metadata={...}), ...]
    """

    index: PolicyIndex
    embedder: Embeddings
    tokenizer: Tokenizer
    glossary: Glossary
    domain: Domain = field(default_factory=Domain)
    mode: str = "hybrid"
    k: int = 8
    use_glossary: bool = True

    def __post_init__(self) -> None:
        if self.mode not in ("hybrid", "dense", "keyword"):
            raise ValueError(f"unknown retrieval mode '{self.mode}' (use hybrid, dense or keyword)")
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")

    def search(self, query: str, k: int | None = None, lang: str | None = None, mode: str | None = None,
               prefer_current: bool = True, asked: tuple[str, tuple[str, ...]] | None = None,
               as_of: str = "", announced_after: str = "") -> Retrieval:
        """Top-k passages for ``query``; ``None`` arguments fall back to the retriever's defaults.
        ``asked``: the question word and the forms of the word it asks about ("what", ("score",)):
        a passage holding an FAQ question that asks about it, alike, ranks higher. ``as_of`` (ISO,
        default today): rules replaced by then rank lower. ``announced_after`` (ISO): only rules that take
        effect after that day (a question about what comes later)."""
        today = as_of or dt.date.today().isoformat()
        k = k or self.k
        mode = mode or self.mode
        if mode not in ("hybrid", "dense", "keyword"):
            raise ValueError(f"unknown retrieval mode '{mode}' (use hybrid, dense or keyword)")
        timings: dict[str, float] = {}
        query = to_simplified(query)
        lang = lang or detect_lang(query)
        expansion = (self.glossary.expand(query) if self.use_glossary else []) + synonyms(query, self.domain)
        ranked: list[list[tuple[str, float]]] = []
        qvec = None
        dense_scores: dict[str, float] = {}
        kw_scores: dict[str, float] = {}
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            qvec = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
            timings["embed"] = _ms(t)
            t = time.perf_counter()
            dense = self.index.dense_search(qvec, CANDIDATES)
            timings["dense"] = _ms(t)
            dense_scores = dict(dense)
            ranked.append(dense)
        if mode in ("hybrid", "keyword"):
            t = time.perf_counter()
            tokens = self.tokenizer.tokenize(query)
            weights: dict[str, float] = {}
            for extra in expansion:
                for tok in self.tokenizer.tokenize(extra):
                    if tok not in tokens:
                        weights[tok] = 0.6
                        tokens.append(tok)
            kw = self.index.keyword_search(tokens, CANDIDATES, weights)
            timings["keyword"] = _ms(t)
            kw_scores = dict(kw)
            ranked.append(kw)
        t = time.perf_counter()
        fused: dict[str, float] = {}
        for hits in ranked:
            for rank, (cid, _score) in enumerate(hits):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        passages = []
        # a document whose title (or a section whose heading) names what the question names is
        # about it, however many other documents mention the word in passing
        named = [f.lower() for t in (self.glossary.matches(query) if self.use_glossary else [])
                 if not any(self.domain.in_scope_word(x) for x in t.forms) for f in t.forms if len(f) >= 2]
        for cid, score in fused.items():
            rec, chunk = self.index.chunks[cid]
            if announced_after and str(rec.meta.get("effective_from") or "") <= announced_after:
                continue
            if named:
                if any(f in rec.meta["title"].lower() for f in named):
                    score *= TITLE_FACTOR
                elif any(f in chunk.section.lower() for f in named):
                    score *= SECTION_FACTOR
            if asked and _asks_about(rec, chunk, *asked):
                score *= ASKED_FACTOR
            if rec.lang != lang and self.index.has_lang(rec.doc_id, lang):
                score *= OTHER_LANG_FACTOR
            superseded = self.index.replaced(rec.doc_id, today)
            if superseded and prefer_current:
                score *= SUPERSEDED_FACTOR
            passages.append(Passage(
                chunk_id=cid, doc_uid=rec.uid, doc_id=rec.doc_id, lang=rec.lang, title=rec.meta["title"],
                text=rec.chunk_text(chunk), score=score, dense_score=dense_scores.get(cid, 0.0),
                keyword_score=kw_scores.get(cid, 0.0),
                meta={**rec.meta, "superseded_by": superseded, "section": chunk.section},
            ))
        passages.sort(key=lambda p: -p.score)
        timings["fuse"] = _ms(t)
        return Retrieval(passages[:k], timings, expansion, qvec)

    def as_langchain(self):
        """This retriever as a LangChain ``BaseRetriever`` (``invoke``, chains, callbacks)."""
        return _langchain_class()(retriever=self)


@lru_cache(maxsize=1)
def _langchain_class():
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document as LCDocument
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict

    class LangChainRetriever(BaseRetriever):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        retriever: Any

        def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                    **kwargs: Any) -> list[LCDocument]:
            result = self.retriever.search(query)
            return [LCDocument(page_content=p.text, metadata={"chunk_id": p.chunk_id, "doc_id": p.doc_id,
                                                              "lang": p.lang, "title": p.title, "score": p.score})
                    for p in result.passages]

    return LangChainRetriever


def _asks_about(rec, chunk, asks: str, forms: tuple[str, ...]) -> bool:
    """Whether one of the chunk's FAQ questions asks about one of ``forms`` with a question word
    compatible with ``asks``."""
    for i in range(chunk.start, chunk.end):
        if i < len(rec.roles) and rec.roles[i] == "question":
            line = rec.sentences[i].lower()
            if any(f.lower() in line for f in forms) and same_asking(asks, asking_word(rec.sentences[i])):
                return True
    return False


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
