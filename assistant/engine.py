"""The Assistant: wires settings to the index, retriever and composer, loading each part once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import QuestionError
from .glossary import Glossary
from .schema import Answer
from .settings import Settings

logger = logging.getLogger(__name__)


class Assistant:
    """Everything a caller needs: ``ingest``, ``ask``, ``reply``. Models load lazily, once.

    Example:
        >>> a = Assistant(Settings(data_dir=Path("/tmp/x")))  # doctest: +SKIP
        >>> a.ingest([Path("corpus")]); a.ask("什么是半托管？").answer
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._lock = threading.RLock()

    @cached_property
    def glossary(self) -> Glossary:
        if not self.settings.use_glossary:
            return Glossary()
        return Glossary.from_file(self.settings.corpus_dir / "glossary.yaml")

    @cached_property
    def tokenizer(self):
        from .text import Tokenizer

        return Tokenizer(self.glossary.words() if self.settings.use_glossary else ())

    @cached_property
    def embedder(self):
        from .embed import make_embedder

        return make_embedder(self.settings.embedder, self.settings.threads)

    @cached_property
    def index(self):
        from .embed import ChromaEmbeddingFunction
        from .index import PolicyIndex
        from .store import ChromaStore

        s = self.settings
        store = ChromaStore.open(s.collection, path=None if s.chroma_url else s.chroma_path, url=s.chroma_url,
                                 embedding_function=ChromaEmbeddingFunction(self.embedder))
        index = PolicyIndex(s.data_dir, store)
        index.tokenize = self.tokenizer.tokenize
        index.sync_interval_s = s.sync_interval_s
        index.refresh()
        return index

    @cached_property
    def retriever(self):
        from .retrieve import HybridRetriever

        return HybridRetriever(index=self.index, embedder=self.embedder, tokenizer=self.tokenizer,
                               glossary=self.glossary, mode=self.settings.retriever, k=self.settings.top_k,
                               use_glossary=self.settings.use_glossary)

    @cached_property
    def composer(self):
        from .compose import ExtractiveComposer

        return ExtractiveComposer(self.index, self.embedder, self.tokenizer, self.glossary)

    @cached_property
    def llm(self):
        if not self.settings.llm_base_url:
            return None
        from .llm import LLMComposer

        return LLMComposer(self.settings)

    def ingest(self, paths: Iterable[Path] | None = None, progress: Callable[[int, int, str], None] | None = None,
               wait_s: float = 0.0):
        from .ingest import Ingestor

        paths = list(paths) if paths else [self.settings.corpus_dir]
        ingestor = Ingestor(self.index, self.embedder, self.tokenizer, int(self.settings.max_file_mb * 1e6))
        return ingestor.ingest(paths, progress=progress, wait_s=wait_s)

    def preload(self) -> None:
        """Load the embedder weights, jieba's dictionary and the index side by side: they are
        independent, and together they are most of a cold start."""
        embedder, tokenizer = self.embedder, self.tokenizer  # create the objects once, here
        jobs = [lambda: embedder.embed_query("预热"), lambda: tokenizer.tokenize("预热"), lambda: self.index]
        threads = [threading.Thread(target=job, daemon=True) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def warm_up(self) -> None:
        """Load models and the index now rather than on the first question."""
        self.preload()
        self.ask("什么是半托管？")
        self.ask("What is POP?")

    def ask(self, question: str, history: list[dict[str, Any]] | None = None, lang: str | None = None,
            mode: str | None = None, use_llm: bool = True) -> Answer:
        """Answer one question (with optional chat history) as the answer JSON of the design."""
        start = time.perf_counter()
        if not isinstance(question, str):
            raise QuestionError("the question must be text")
        self.index.refresh()
        composed = self.composer.answer(question, self.retriever, history=history or [], lang=lang, mode=mode,
                                        max_chars=self.settings.max_question_chars)
        answer = composed.answer
        if use_llm and self.llm is not None and not answer.refused:
            answer = self.llm.improve(answer, composed.evidence)
        answer.timings_ms["total"] = round((time.perf_counter() - start) * 1000, 3)
        return answer

    def reply(self, message: str, lang: str | None = None, tone: str = "friendly"):
        from .reply import draft_reply

        return draft_reply(self, message, lang=lang, tone=tone)
