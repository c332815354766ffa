"""The Assistant: wires settings to the stages and runs a question through them.

understand -> retrieve -> read -> judge -> write; each stage is a plain object built once (models
load lazily) and handed what it needs, so no stage calls the one before it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from .kb.domain import Domain
from .errors import QuestionError
from .kb.glossary import Glossary
from .lang.numbers import sentence_date
from .schema import Answer, Verdict
from .settings import Settings

RELEVANCE = Path(__file__).parent / "learn" / "relevance.json"
WIDE_KINDS = {"comparison", "temporal", "suitability"}

logger = logging.getLogger(__name__)


class Assistant:
    """Everything a caller needs: ``ingest``, ``ask``, ``reply``. Models load lazily, once.

    Example:
        >>> a = Assistant(Settings(data_dir=Path("/tmp/x")))  # doctest: +SKIP
        >>> a.ingest([Path("corpus")]); a.ask("What is covered?").answer
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._lock = threading.RLock()
        self._lexicon_cache: tuple[int, Any] | None = None

    @cached_property
    def glossary(self) -> Glossary:
        if not self.settings.use_glossary:
            return Glossary()
        return Glossary.from_file(self.settings.corpus_dir / "glossary.yaml")

    @cached_property
    def domain(self) -> Domain:
        return Domain.from_file(self.settings.corpus_dir / "domain.yaml")

    @cached_property
    def tokenizer(self):
        from .lang.text import Tokenizer

        return Tokenizer(self.glossary.words() if self.settings.use_glossary else ())

    @cached_property
    def embedder(self):
        from .index.embed import make_embedder

        return make_embedder(self.settings.embedder, self.settings.threads, self.settings.data_dir / "cache")

    @cached_property
    def index(self):
        from .index.embed import ChromaEmbeddingFunction
        from .index.index import PolicyIndex
        from .index.store import ChromaStore

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
        from .answer.retrieve import HybridRetriever

        return HybridRetriever(index=self.index, embedder=self.embedder, tokenizer=self.tokenizer,
                               glossary=self.glossary, domain=self.domain, mode=self.settings.retriever,
                               k=self.settings.top_k, use_glossary=self.settings.use_glossary)

    @cached_property
    def understander(self):
        from .answer.understand import Understander

        index = self.index  # the index reloads in place, so look the postings up per call

        def doc_freq(token: str) -> int:
            posting = index.keyword.postings.get(token)
            return len(posting[0]) if posting is not None else 0

        return Understander(self.glossary, self.domain, self.tokenizer, doc_freq, index.latin_words, self.embedder,
                            self._lexicon, today=lambda: self.settings.today_date())

    def _lexicon(self):
        """The indexed words' vectors, read from the cache ingest writes (built in memory, once
        per index generation, when the cache is missing or from another embedder)."""
        from .kb.lexicon import Lexicon, model_name

        generation = self.index.keyword_generation
        if self._lexicon_cache is None or self._lexicon_cache[0] != generation:
            lexicon = Lexicon.load(self.index.lexicon_path)
            if lexicon is None or lexicon.model != model_name(self.embedder):
                logger.info("no word vectors cached for this index; building them (ingest caches them)")
                lexicon = Lexicon.update(None, self.index.words(), self.embedder)
            self._lexicon_cache = (generation, lexicon)
        return self._lexicon_cache[1]

    @cached_property
    def relevance(self):
        from .learn.relevance import Relevance

        return Relevance.load(RELEVANCE)

    @cached_property
    def reader(self):
        from .answer.read import Reader

        return Reader(self.index, self.embedder, self.tokenizer, self.relevance, self.domain)

    @cached_property
    def judge(self):
        from .answer.judge import Judge

        return Judge(self.domain, self.relevance, has_lang=self.index.has_lang)

    @cached_property
    def writer(self):
        from .answer.write import Writer

        return Writer(self.domain)

    @cached_property
    def llm(self):
        if not self.settings.llm_base_url:
            return None
        from .answer.llm import LLMComposer

        return LLMComposer(self.settings, scope=self.domain.name.get("en", "the knowledge base"))

    def ingest(self, paths: Iterable[Path] | None = None, progress: Callable[[int, int, str], None] | None = None,
               wait_s: float = 0.0):
        from .ingest.ingest import Ingestor

        paths = list(paths) if paths else [self.settings.corpus_dir]
        ingestor = Ingestor(self.index, self.embedder, self.tokenizer, int(self.settings.max_file_mb * 1e6))
        return ingestor.ingest(paths, progress=progress, wait_s=wait_s)

    def preload(self) -> None:
        """Load the embedder weights, jieba's dictionary, the index and the answer path's code
        side by side: they are independent, and together they are most of a cold start."""
        import importlib

        embedder, tokenizer = self.embedder, self.tokenizer  # create the objects once, here
        stages = (".answer.retrieve", ".answer.read", ".answer.judge", ".answer.write", ".answer.understand")
        jobs = [lambda: embedder.embed_query("预热"), lambda: tokenizer.tokenize("预热"), lambda: self.index,
                lambda: [importlib.import_module(m, __package__) for m in stages]]
        threads = [threading.Thread(target=job, daemon=True) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def warm_up(self) -> None:
        """Load models and the index now rather than on the first question."""
        self.preload()
        for question in self.domain.examples[:2] or ("什么是规则？", "What is the rule?"):
            self.ask(question)

    def ask(self, question: str, history: list[dict[str, Any]] | None = None, lang: str | None = None,
            mode: str | None = None, use_llm: bool = True) -> Answer:
        """Answer one question (with optional chat history) as the answer JSON of the design."""
        answer, verdicts = self.answer(question, history, lang, mode)
        if use_llm and self.llm is not None and not answer.refused:
            start = time.perf_counter()
            answer = self.llm.improve(answer, [u for v in verdicts for u in v.evidence])
            answer.timings_ms["total"] = round(answer.timings_ms["total"] + (time.perf_counter() - start) * 1000, 3)
        return answer

    def answer(self, question: str, history: list[dict[str, Any]] | None = None, lang: str | None = None,
               mode: str | None = None):
        """The extractive answer and the verdict behind each of its parts (reply drafts and the
        LLM composer start from the same verdicts)."""
        from .answer.write import Citations
        from .lang.phrases import TEXT

        start = time.perf_counter()
        if not isinstance(question, str):
            raise QuestionError("the question must be text")
        self.index.refresh()
        timings: dict[str, float] = {}
        t = time.perf_counter()
        # judged in the language it is written in: the chosen answer language changes the wording,
        # never whether the knowledge base answers
        q = self.understander.understand(question, history or [], self.settings.max_question_chars)
        _add(timings, "understand", t)
        if q.lang not in TEXT:
            return Answer(question=question, lang="en", answer=TEXT["en"]["unsupported"], refused=True,
                          verdict="not_covered", notes=q.notes + ["unsupported language"],
                          timings_ms={"total": _ms(start)}), []
        parts = [q] if len(q.parts) == 1 else \
            [self.understander.part(p, q.parts[:i], q.lang) for i, p in enumerate(q.parts)]
        verdicts = [self._verdict(part, mode, timings) for part in parts]
        if lang in TEXT and lang != q.lang:
            # told in the chosen language: its own phrases, the same evidence quoted as written
            verdicts = [replace(v, question=replace(v.question, lang=lang)) for v in verdicts]
            q = replace(q, lang=lang)
        if len(verdicts) > 1 and _one_refusal(verdicts):
            verdicts = verdicts[:1]  # one refusal, not a repeat
        verdicts = self.judge.said_once(verdicts)
        t = time.perf_counter()
        cites = Citations(today=self.settings.today_date().isoformat(), as_of=self.as_of(verdicts[0].question))
        bodies = [self.writer.body(v, cites) for v in verdicts]
        if len(verdicts) > 1:
            bodies = [f"**{i}. {v.question.text}**\n\n{b}" for i, (v, b) in enumerate(zip(verdicts, bodies), 1)]
        text = "\n\n".join(bodies) + self.writer.sources(cites, q.lang)
        _add(timings, "write", t)
        kinds = [v.kind for v in verdicts]
        verdict = "not_covered" if all(k == "not_covered" for k in kinds) else \
            "answer" if all(k == "answer" for k in kinds) else "partial"
        missing = [m for v in verdicts if v.kind != "answer" for m in v.missing]
        if verdict == "partial" and missing:
            q.notes.append("not covered: " + ", ".join(dict.fromkeys(missing)))
        timings["compose"] = round(timings.get("read", 0) + timings.get("judge", 0) + timings.get("write", 0), 3)
        timings["total"] = _ms(start)
        # how often a response like this one is right (the raw probability, calibrated)
        confidence = self.relevance.calibrated(sum(v.confidence for v in verdicts) / len(verdicts))
        answer = Answer(question=question, lang=q.lang, answer=text, refused=verdict == "not_covered",
                        verdict=verdict, confidence=round(confidence, 3), citations=cites.items,
                        mode="extractive", timings_ms=timings, notes=q.notes)
        return answer, verdicts

    def _verdict(self, q, mode: str | None, timings: dict[str, float]):
        # a question about what comes later is read only from what has been announced for later
        # (retrieval keeps rules not yet in effect); with nothing announced it is a prediction
        units = self.evidence(q, mode, timings) if q.topics else []
        t = time.perf_counter()
        v: Verdict = self.judge.judge(q, units)
        _add(timings, "judge", t)
        return v

    def as_of(self, q) -> str:
        """The day a question asks about (ISO): a date or a month it names ("2021年10月",
        "from 15 January 2027"), else today (a year alone says too little: "the rule launched in
        2019, is it still …"). What is in force is judged on that day."""
        said = sentence_date(q.text)
        if len(said) == 10:
            return said
        if len(said) == 7:
            return f"{said}-15"
        return self.settings.today_date().isoformat()

    def evidence(self, q, mode: str | None = None, timings: dict[str, float] | None = None) -> list:
        """Retrieve and read for one question (or one part of it): the evidence units the judge
        weighs. Judge fitting reads through here too, so it sees what answering sees."""
        timings = {} if timings is None else timings
        t = time.perf_counter()
        wide = bool(WIDE_KINDS & q.kinds)
        today = self.as_of(q)
        result = self.retriever.search(q.text, k=12 if wide else None, lang=q.lang, mode=mode,
                                       prefer_current="temporal" not in q.kinds,
                                       asked=q.asking_about, as_of=today,
                                       announced_after=self.settings.today_date().isoformat() if q.future else "")
        for name, ms in result.timings_ms.items():
            timings[name] = round(timings.get(name, 0.0) + ms, 3)
        _add(timings, "retrieve", t)
        t = time.perf_counter()
        units = self.reader.read(q, result, whole_docs="comparison" in q.kinds or "temporal" in q.kinds, as_of=today)
        _add(timings, "read", t)
        return units

def _one_refusal(verdicts) -> bool:
    """Every part refused for one reason, naming one thing or resting on one statement."""
    if not all(v.kind == "not_covered" for v in verdicts):
        return False
    if len({(v.reason, tuple(v.missing)) for v in verdicts}) == 1:
        return True
    return all(v.related for v in verdicts) and len({(v.reason, v.related[0].text) for v in verdicts}) == 1


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _add(timings: dict[str, float], name: str, start: float) -> None:
    timings[name] = round(timings.get(name, 0.0) + (time.perf_counter() - start) * 1000, 3)
