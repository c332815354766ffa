"""`assistant eval`: answers every question set in one process, grades each answer strictly
(:mod:`assistant.score`), reports the figures per set and per language, and gates them against a
baseline.

Three sets: ``curated`` (evals/questions/*.jsonl), ``real-style`` (questions the way sellers type
them, many outside the knowledge base) and ``documents`` (pages as found, answered from an index
that holds only evals/documents). Models load once and are shared by the two indexes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AssistantError
from .score import Response, Row, auroc, body_of, calibration, grade, grade_reply, median, new_row, percentile
from ..settings import Settings
from ..lang.text import detect_lang

__all__ = ["body_of", "compare", "load_questions", "run_cli", "summarise"]  # body_of: re-exported for tests

SET_NAMES = ("curated", "real-style", "documents", "replies", "train", "dev", "sealed")
POOL_SETS = ("train", "dev", "sealed")
SEALED = "sealed"
RESULT_VERSION = 2
# the gate: these rates must not drop, these must not rise, these counts must not grow
DROP_METRICS = ("strict_accuracy", "acceptable", "answer_first", "refusal_recall", "citation_validity", "language_match")
RISE_METRICS = ("irrelevant_answer_rate", "redundancy", "bad_refusal_rate")
COUNT_METRICS = ("fabricated_figures", "must_not_violations", "errors", "ordinary_word_refusals", "fragment_leads")
STALE_BASELINE = "baseline predates eval v2; re-record with --write-baseline"


# ---- question sets ----------------------------------------------------------------------------

def load_questions(paths: Iterable[Path]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in paths:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise AssistantError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            for key in ("id", "question", "lang", "type", "answerable"):
                if key not in item:
                    raise AssistantError(f"{path}:{lineno}: missing '{key}'")
            items.append(item)
    return items


@dataclass
class EvalSet:
    """A named question set and the documents it is answered from (None = the corpus index)."""

    name: str
    files: list[Path]
    documents: Path | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    pool: bool = False  # a split of the question pool: labels are turned into key facts on loading

    @property
    def sealed(self) -> bool:
        """Reported in aggregate only: no question, answer or per-item outcome leaves the run."""
        return self.name == SEALED

    def load(self) -> list[str]:
        """Read the items; returns notes (unlabelled pool items are left out and counted)."""
        if not self.pool:
            self.items = load_questions(self.files)
            return []
        from .pool import eval_item, load_split

        records = [r for f in self.files for r in load_split(f.stem, f.parent)]
        self.items = [item for item in map(eval_item, records) if item is not None]
        left = len(records) - len(self.items)
        return [f"set '{self.name}': {left} unlabelled item(s) left out"] if left else []


def curated_files(questions_dir: Path) -> list[Path]:
    return [p for p in sorted(questions_dir.glob("*.jsonl")) if p.name != "real-style.jsonl" and "drafts" not in p.name]


def select_sets(names: Sequence[str] | None, questions: Sequence[Path] | None, evals_dir: Path,
                documents_dir: Path | None = None) -> tuple[list[EvalSet], list[str]]:
    """The sets to run and notes about skipped ones. ``--questions`` makes one ad-hoc set
    answered from the corpus. A set asked for by name must exist; with the default (all),
    a set whose files are missing is skipped with a note."""
    if questions:
        return [EvalSet("ad-hoc", list(questions))], []
    explicit = bool(names)
    documents_dir = documents_dir or evals_dir / "documents"
    candidates = {
        "curated": EvalSet("curated", curated_files(evals_dir / "questions")),
        "real-style": EvalSet("real-style", [evals_dir / "questions" / "real-style.jsonl"]),
        "documents": EvalSet("documents", [documents_dir / "questions.jsonl"], documents=documents_dir),
        "replies": EvalSet("replies", [evals_dir / "replies" / "messages.jsonl"]),
        **{split: EvalSet(split, [evals_dir / "pool" / f"{split}.jsonl"], pool=True) for split in POOL_SETS},
    }
    sets, notes = [], []
    for name in names or SET_NAMES:
        s = candidates[name]
        missing = [p for p in s.files if not p.exists()] or ([] if s.files else [evals_dir / "questions" / "*.jsonl"])
        if missing:
            if explicit:
                raise AssistantError(f"set '{name}': {missing[0]} not found")
            notes.append(f"set '{name}' skipped: {missing[0]} not found")
            continue
        sets.append(s)
    if not sets:
        raise AssistantError("no question sets found (evals/questions/*.jsonl)")
    return sets, notes


def ask_on_day(assistant, item: dict[str, Any]):
    """Ask an eval item, on the day it names (``today``: questions about what is in force when)."""
    if not item.get("today"):
        return assistant.ask(item["question"], history=item.get("history") or [])
    settings = assistant.settings
    assistant.settings = settings.model_copy(update={"today": dt.date.fromisoformat(item["today"])})
    try:
        return assistant.ask(item["question"], history=item.get("history") or [])
    finally:
        assistant.settings = settings


class KnownNames:
    """What the knowledge base names, for telling a refusal that names a real gap from one that
    names an ordinary word: glossary terms in any form, other platforms, the scope's own names
    and the domain's named things (places, companies, categories)."""

    def __init__(self, glossary, domain) -> None:
        self.glossary, self.domain = glossary, domain

    def names(self, text: str) -> bool:
        return bool(self.glossary.matches(text) or self.domain.other_platforms_in(text)
                    or self.domain.names_scope(text) or self.domain.named_in(text))


# ---- documents behind citations ----------------------------------------------------------------

class DocTexts:
    """Full text of cited documents, loaded again from their files, so a quote is checked
    against the document rather than against the index it came from."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.cache: dict[tuple[str, str], str] = {}

    def _record(self, doc_id: str, lang: str):
        records = self.assistant.index.records
        return records.get(f"{doc_id}.{lang}") or next(
            (records[f"{doc_id}.{other}"] for other in ("zh", "en") if f"{doc_id}.{other}" in records), None)

    def text(self, doc_id: str, lang: str) -> str:
        key = (doc_id, lang)
        if key not in self.cache:
            from ..ingest.load import load_path

            rec = self._record(doc_id, lang)
            text = ""
            if rec is not None:
                try:
                    docs = load_path(Path(rec.meta["path"]))
                    text = "\n".join(d.text for d in docs if d.doc_id == doc_id and d.lang == rec.meta.get("lang", lang))
                except Exception:  # a file removed since indexing: fall back to the indexed sentences
                    text = "\n".join(rec.sentences)
            self.cache[key] = text
        return self.cache[key]

    def dates(self, doc_id: str, lang: str) -> str:
        rec = self._record(doc_id, lang)
        return " ".join(str(rec.meta.get(k) or "") for k in ("published", "effective_from", "effective_until")) \
            if rec else ""


# ---- figures ----------------------------------------------------------------------------------

def _rate(values: Sequence[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _chars(value: float | None) -> int | None:
    return None if value is None else round(value)


def summarise(rows: Sequence[Row]) -> dict[str, Any]:
    """Every figure of one group of graded rows (a set, a language, a type)."""
    ans = [r for r in rows if r.answerable]
    unans = [r for r in rows if not r.answerable]
    ok = [r for r in rows if not r.error]
    refusals = [r for r in ok if r.refusal_leads]
    ranked = [r for r in ans if r.retrieved]
    lengths = [r.body_chars for r in ok]
    stages: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        for k, v in r.timings.items():
            stages[k].append(v)
    return {
        "questions": len(rows),
        "answerable": len(ans),
        "unanswerable": len(unans),
        "strict_accuracy": _rate([r.correct for r in rows]),
        "acceptable": _rate([r.acceptable for r in rows]),
        "answer_accuracy": _rate([r.correct for r in ans]),
        "answer_first": _rate([bool(r.answer_first) for r in ans if r.answer_first is not None]),
        "irrelevant_answer_rate": _rate([r.answered for r in unans]),
        "refusal_recall": _rate([r.refusal_leads for r in unans]),
        "refusal_precision": _rate([not r.answerable for r in refusals]),
        "false_refusals": sum(1 for r in ans if r.refusal_leads),
        "bad_refusal_rate": _rate([r.refusal_leads for r in ans]),
        "ordinary_word_refusals": sum(1 for r in ok if r.ordinary_refusal),
        "fragment_leads": sum(1 for r in ok if r.fragment),
        "confidence_auroc": auroc([(r.confidence, r.correct) for r in ok if r.confidence is not None]),
        "redundancy": _rate([r.redundant is not None for r in ok if r.redundancy_scored]),
        "concision": {"median_chars": _chars(median(lengths)), "p90_chars": _chars(percentile(lengths, 90))},
        "calibration": calibration([(r.confidence, r.correct) for r in ok if r.answered and r.confidence is not None]),
        "citation_validity": _rate([r.citations_valid for r in ok if r.citations_valid is not None]),
        "language_match": _rate([r.lang_ok for r in ok]),
        "must_not_violations": sum(1 for r in rows if r.must_not),
        "fabricated_figures": sum(1 for r in rows if r.fabricated),
        "errors": sum(1 for r in rows if r.error),
        # what kind of error (the sealed split reports no more than the kind, never the question)
        "error_kinds": dict(Counter(r.error.split(":")[0] for r in rows if r.error)),
        "hit@1": _rate([r.rank is not None and r.rank <= 1 for r in ranked]),
        "hit@3": _rate([r.rank is not None and r.rank <= 3 for r in ranked]),
        "hit@5": _rate([r.rank is not None for r in ranked]),
        "mrr": round(sum(1 / r.rank if r.rank else 0 for r in ranked) / len(ranked), 4) if ranked else None,
        "latency_ms": {k: {"p50": _round(percentile(v, 50)), "p95": _round(percentile(v, 95))}
                       for k, v in sorted(stages.items())},
    }


def grouped(rows: Sequence[Row], attr: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[getattr(r, attr)].append(r)
    return {name: summarise(group) for name, group in sorted(groups.items())}


def set_result(rows: Sequence[Row], seconds: float, sealed: bool = False) -> dict[str, Any]:
    """The figures of one set: overall, per language, per question type (per label for the
    pool), and the rows; a sealed set keeps the figures only."""
    result = {
        "questions": len(rows),
        "seconds": round(seconds, 1),
        "overall": summarise(rows),
        "by_lang": grouped(rows, "lang"),
        "by_type": grouped(rows, "label" if any(r.label for r in rows) else "qtype"),
        "per_question": {r.qid: r.correct for r in rows},
        "rows": [asdict(r) | {"answered": r.answered, "acceptable": r.acceptable} for r in rows],
    }
    if sealed:
        result.update(sealed=True, per_question={}, rows=[])
    return result


# ---- the gate ---------------------------------------------------------------------------------

@dataclass
class Gate:
    better: list[str] = field(default_factory=list)
    worse: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: bool = False


def check_baseline(baseline: dict[str, Any]) -> None:
    if not isinstance(baseline, dict) or baseline.get("version", 1) < RESULT_VERSION or "sets" not in baseline:
        raise AssistantError(STALE_BASELINE)


def read_baseline(path: Path) -> dict[str, Any]:
    try:
        baseline = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssistantError(f"{path}: no such baseline; record one with --write-baseline") from None
    except json.JSONDecodeError as exc:
        raise AssistantError(f"{path}: not valid JSON ({exc.msg})") from None
    check_baseline(baseline)
    return baseline


def compare(current: dict[str, Any], baseline: dict[str, Any], tolerance: float) -> Gate:
    """Per set: fail when a gated rate drops (or a rate that should stay low rises) by more
    than ``tolerance``, or when a count grows; list the questions that now fail."""
    check_baseline(baseline)
    gate = Gate()
    for name, cur_set in current["sets"].items():
        base_set = baseline["sets"].get(name)
        if base_set is None:
            gate.notes.append(f"{name}: no baseline for this set")
            continue
        _compare_figures(name, cur_set["overall"], base_set["overall"], tolerance, gate)
        _compare_questions(name, cur_set, base_set, gate)
    gate.notes += [f"{name}: in the baseline but not run" for name in baseline["sets"] if name not in current["sets"]]
    return gate


def _compare_figures(name: str, cur: dict[str, Any], base: dict[str, Any], tolerance: float, gate: Gate) -> None:
    for metric, sign in [(m, 1) for m in DROP_METRICS] + [(m, -1) for m in RISE_METRICS]:
        if cur.get(metric) is None or base.get(metric) is None:
            continue
        gain = (cur[metric] - base[metric]) * sign
        line = f"{name} {metric}: {base[metric]:.3f} -> {cur[metric]:.3f}"
        if gain < -tolerance - 1e-9:
            gate.failed = True
            gate.worse.append(line)
        elif gain > tolerance:
            gate.better.append(line)
    for metric in COUNT_METRICS:
        before, now = base.get(metric) or 0, cur.get(metric) or 0
        if now > before:
            gate.failed = True
            gate.worse.append(f"{name} {metric}: {before} -> {now}")
        elif now < before:
            gate.better.append(f"{name} {metric}: {before} -> {now}")


def _compare_questions(name: str, cur_set: dict[str, Any], base_set: dict[str, Any], gate: Gate) -> None:
    """Questions whose outcome changed; a changed set size is noted (rates then compare
    different questions)."""
    base_q, cur_q = base_set.get("per_question", {}), cur_set.get("per_question", {})
    if len(base_q) != len(cur_q):
        gate.notes.append(f"{name}: the baseline has {len(base_q)} questions, this run {len(cur_q)}")
    reasons = {r["qid"]: r.get("reason", "") for r in cur_set.get("rows", [])}
    for qid, ok in cur_q.items():
        if qid in base_q and base_q[qid] != ok:
            if ok:
                gate.better.append(f"{name}/{qid}: now passes")
            else:
                gate.worse.append(f"{name}/{qid}: now fails ({reasons.get(qid) or 'wrong'})")


def baseline_of(result: dict[str, Any]) -> dict[str, Any]:
    """What --write-baseline records: figures and per-question outcomes, no answers."""
    return {"version": RESULT_VERSION, "created": result["created"], "settings": result["settings"],
            "sets": {name: {k: s[k] for k in ("questions", "overall", "by_lang", "per_question")}
                     for name, s in result["sets"].items()}}


# ---- running ----------------------------------------------------------------------------------

def retrieval_rank(assistant, item: dict[str, Any], mode: str | None) -> tuple[list[str], int | None]:
    """The first five distinct documents retrieved, and the rank of the first expected one."""
    expected = set(item.get("sources") or [])
    result = assistant.retriever.search(item["question"], k=12, mode=mode)
    docs: list[str] = []
    for p in result.passages:
        if p.doc_id not in docs:
            docs.append(p.doc_id)
    rank = next((i + 1 for i, d in enumerate(docs[:5]) if d in expected), None)
    return docs[:5], rank


def ask_and_grade(assistant, items: Sequence[dict[str, Any]], set_name: str, quiet: bool = False) -> list[Row]:
    """Answer and grade every item. ``quiet`` (the sealed split): an error is reported by its kind
    only, never with the question."""
    from tqdm import tqdm

    docs = DocTexts(assistant)
    vocabulary = KnownNames(assistant.glossary, assistant.domain)
    rows = []
    for item in tqdm(items, desc=f"eval {set_name}", unit="q", file=sys.stderr):
        try:
            answer = ask_on_day(assistant, item)
            row = grade(item, Response.from_answer(answer), docs, set_name, vocabulary)
        except Exception as exc:  # a crash on one question is a failure to report, not to hide
            row = new_row(item, set_name, error=type(exc).__name__ if quiet else f"{type(exc).__name__}: {exc}")
            row.reason = "error: " + row.error
        if item["answerable"] and item.get("sources") and not row.error:
            row.retrieved, row.rank = retrieval_rank(assistant, item, None)
        rows.append(row)
    return rows


class Indexes:
    """One Assistant per document collection (the corpus; each documents-as-found directory),
    built on first use. They share the embedder, tokenizer and glossary, so models load once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.built: dict[Path | None, Any] = {}
        self.errors: list[str] = []

    def get(self, documents: Path | None):
        if documents not in self.built:
            self.built[documents] = self._build(documents)
        return self.built[documents]

    def _build(self, documents: Path | None):
        from ..pipeline import Assistant

        if documents is None:
            assistant = Assistant(self.settings)
            paths = [self.settings.corpus_dir]
        else:
            # a fresh index holding only these documents; the same settings otherwise, so the
            # corpus glossary stays the tokenizer dictionary
            data_dir = self.settings.data_dir / "documents-set"
            shutil.rmtree(data_dir, ignore_errors=True)
            assistant = Assistant(self.settings.model_copy(
                update={"data_dir": data_dir, "collection": f"{self.settings.collection}-documents-set"}))
            paths = [documents]
        loaded = next(iter(self.built.values()), None)
        if loaded is not None:  # the same settings, so the same models: reuse them
            for name in ("embedder", "tokenizer", "glossary"):
                setattr(assistant, name, getattr(loaded, name))
        report = assistant.ingest(paths)
        self.errors += report.errors
        assistant.warm_up()
        return assistant


def draft_and_grade(draft: Callable[..., Any], assistant, items: Sequence[dict[str, Any]], set_name: str) -> list[Row]:
    """Reply drafts for seller messages, graded as the agent who sends them reads them."""
    rows = []
    for item in items:
        try:
            d = draft(assistant, item["question"], lang=item["lang"])
            row = grade_reply(item, d.reply, [*d.unanswered, *d.partly], set_name)
        except Exception as exc:  # a crash on one message is a failure to report
            row = new_row(item, set_name, error=f"{type(exc).__name__}: {exc}")
            row.reason = "error: " + row.error
        rows.append(row)
    return rows


def run_sets(sets: Sequence[EvalSet], indexes: Indexes, tutorial: bool,
             draft: Callable[..., Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tutorials: dict[Path | None, Any] = {}
    for s in sets:
        assistant = indexes.get(s.documents)
        start = time.perf_counter()
        if s.name == "replies":
            if draft is not None:
                out[s.name] = set_result(draft_and_grade(draft, assistant, s.items, s.name), time.perf_counter() - start)
            continue
        rows = ask_and_grade(assistant, s.items, s.name, quiet=s.sealed)
        out[s.name] = set_result(rows, time.perf_counter() - start, sealed=s.sealed)
        if tutorial:
            if s.documents not in tutorials:
                root = s.documents or indexes.settings.corpus_dir
                tutorials[s.documents] = TutorialRAG.build(root, assistant.embedder)
            trows = tutorials[s.documents].rows(s.items, s.name)
            out[s.name]["tutorial_baseline"] = {"overall": summarise(trows), "by_lang": grouped(trows, "lang")}
    for t in tutorials.values():
        t.close()
    return out


class TutorialRAG:
    """The RAG a user builds from LangChain's tutorial: 1000/200 splitter, Chroma, the same
    embedder; the answer is the top 3 chunks and it never refuses. Graded by the same rules."""

    def __init__(self, client, store, name: str) -> None:
        self.client, self.store, self.name = client, store, name

    @classmethod
    def build(cls, root: Path, embedder) -> "TutorialRAG":
        import chromadb
        from langchain_chroma import Chroma
        from langchain_core.documents import Document as LCDocument
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ..ingest.ingest import discover
        from ..ingest.load import load_path

        files, _ = discover([root])
        loaded = []
        for f in files:
            try:
                loaded += load_path(f)
            except AssistantError:
                continue  # the assistant's ingest reports unreadable files
        docs = [LCDocument(page_content=d.text, metadata={"doc_id": d.doc_id, "lang": d.lang}) for d in loaded]
        chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        # in-memory clients share one store per process: a collection of its own per document root
        name = f"tutorial-baseline-{uuid.uuid4().hex[:8]}"
        client = chromadb.EphemeralClient()
        store = Chroma.from_documents(chunks, embedding=embedder, client=client, collection_name=name)
        return cls(client, store, name)

    def rows(self, items: Sequence[dict[str, Any]], set_name: str) -> list[Row]:
        rows = []
        for item in items:
            t = time.perf_counter()
            hits = self.store.similarity_search(item["question"], k=12)
            text = "\n\n".join(h.page_content for h in hits[:3])
            ms = (time.perf_counter() - t) * 1000
            response = Response(text=text, lang=detect_lang(text), timings={"total": round(ms, 3)})
            row = grade(item, response, None, set_name)
            row.redundancy_scored = False  # raw chunks have no points to compare
            expected = set(item.get("sources") or [])
            if item["answerable"] and expected:
                order: list[str] = []
                for h in hits:
                    if h.metadata["doc_id"] not in order:
                        order.append(h.metadata["doc_id"])
                row.retrieved = order[:5]
                row.rank = next((i + 1 for i, d in enumerate(order[:5]) if d in expected), None)
            rows.append(row)
        return rows

    def close(self) -> None:
        self.client.delete_collection(self.name)


def retrieval_table(sets: Sequence[EvalSet], indexes: Indexes) -> dict[str, Any]:
    """hit@k and MRR of the three retrieval modes, per set (no answers composed)."""
    from tqdm import tqdm

    table: dict[str, Any] = {}
    for s in sets:
        assistant = indexes.get(s.documents)
        table[s.name] = {}
        for mode in ("dense", "keyword", "hybrid"):
            rows = []
            for item in tqdm(s.items, desc=f"retrieval {s.name} {mode}", file=sys.stderr):
                if not item["answerable"] or not item.get("sources"):
                    continue
                row = new_row(item, s.name)
                row.retrieved, row.rank = retrieval_rank(assistant, item, mode)
                rows.append(row)
            figures = summarise(rows)
            table[s.name][mode] = {k: figures[k] for k in ("hit@1", "hit@3", "hit@5", "mrr")}
            table[s.name][mode]["by_lang"] = {lang: summarise([r for r in rows if r.lang == lang])["hit@5"]
                                              for lang in ("zh", "en")}
    return table


def _headline(name: str, s: dict[str, Any]) -> str:
    o = s["overall"]

    def per_lang(metric: str) -> str:
        langs = sorted(s["by_lang"], key=lambda lang: (lang != "zh", lang))
        parts = [f"{lang} {_fmt(s['by_lang'][lang].get(metric))}" for lang in langs]
        return f"{_fmt(o.get(metric))} ({', '.join(parts)})"

    return (f"eval {name}: {o['questions']} questions in {s['seconds']:.0f}s; strict accuracy {per_lang('strict_accuracy')}, "
            f"acceptable {per_lang('acceptable')}, bad refusals {_fmt(o['bad_refusal_rate'])}, "
            f"ordinary-word refusals {o['ordinary_word_refusals']}, fragment leads {o['fragment_leads']}, "
            f"confidence AUROC {_fmt(o['confidence_auroc'])}, "
            f"answer-first {_fmt(o['answer_first'])}, irrelevant answers {_fmt(o['irrelevant_answer_rate'])}, "
            f"redundancy {_fmt(o['redundancy'])}, citations valid {_fmt(o['citation_validity'])}, "
            f"language {_fmt(o['language_match'])}, fabricated {o['fabricated_figures']}")


def _fit_confidence(args: argparse.Namespace, sets: Sequence[EvalSet], indexes: Indexes) -> int:
    """Fit the confidence curve on the selected sets with the engine's raw probabilities, report
    it on dev (a split it was not fitted on), and write the relevance file with it."""
    from ..pipeline import RELEVANCE
    from .fit import confidence_figures, fit_calibration

    if any(s.sealed for s in sets):
        raise AssistantError("confidence is never fitted on the sealed split; choose sets with --set (e.g. train)")
    fitted = [s for s in sets if s.name != "replies"]
    tune = [] if any(s.name == "dev" for s in fitted) else select_sets(["dev"], None, args.evals_dir)[0]
    for s in tune:
        s.load()
    used = {s.documents: indexes.get(s.documents).relevance for s in [*fitted, *tune]}
    for each in used.values():
        each.calibration = None  # graded with the raw probabilities
    rows = {s.name: ask_and_grade(indexes.get(s.documents), s.items, s.name) for s in [*fitted, *tune]}
    curves = fit_calibration([r for s in fitted for r in rows[s.name]])
    for each in used.values():
        each.calibration = curves
    relevance = next(iter(used.values()))
    stats = {"fitted_on": [s.name for s in fitted],
             **{name: confidence_figures(relevance, got) for name, got in rows.items()}}
    kept = json.loads(RELEVANCE.read_text(encoding="utf-8")) if RELEVANCE.exists() else {}
    # the models' own fitting note stays with them
    relevance.save(args.fit_confidence, {"fitted_on": kept.get("fitted_on"), "confidence_fit": stats})
    print(json.dumps({"calibration": relevance.calibration, **stats}, indent=1))
    print(f"relevance with its confidence curve written to {args.fit_confidence}")
    return 0


def _fmt(v: Any) -> str:
    return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def run_cli(args: argparse.Namespace, settings: Settings, draft: Callable[..., Any] | None = None) -> int:
    """``draft``: the reply-draft function (the app's), for the replies set."""
    if args.action == "import-feedback":
        from .feedback import import_feedback

        return import_feedback(args.feedback or settings.data_dir / "feedback.jsonl",
                               args.out or Path("evals/questions/feedback-drafts.jsonl"))
    # read first: a missing or stale baseline should fail before the work, not after it
    baseline = read_baseline(Path(args.baseline)) if args.baseline else None
    # the judge is fitted on the train split unless told otherwise, never on sealed
    names = args.set or (["train"] if (args.fit_judge or args.fit_confidence) and not args.questions else None)
    sets, notes = select_sets(names, args.questions, args.evals_dir, args.documents_dir)
    for s in sets:
        notes += s.load()
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    overrides: dict[str, Any] = {"use_glossary": False} if args.no_glossary else {}
    if args.retriever:
        overrides["retriever"] = args.retriever
    settings = settings.model_copy(update=overrides)
    indexes = Indexes(settings)
    start = time.perf_counter()
    if args.fit_judge:
        from .fit import fit_relevance

        if any(s.sealed for s in sets):
            raise AssistantError("the judge is never fitted on the sealed split; choose sets with --set (e.g. train)")
        tune_set = next((s for s in select_sets(["dev"], None, args.evals_dir)[0]), None) \
            if "dev" not in {s.name for s in sets} and (args.evals_dir / "pool" / "dev.jsonl").exists() else None
        if tune_set is not None:
            notes += tune_set.load()
        groups = [(s.name, indexes.get(s.documents), s.items) for s in sets]
        tune = (tune_set.name, indexes.get(tune_set.documents), tune_set.items) if tune_set else None
        relevance, stats = fit_relevance(groups, tune)
        relevance.save(args.fit_judge, {"fit": stats})
        print(json.dumps(stats, indent=1))
        print(f"judge weights written to {args.fit_judge}")
        return 0
    if args.fit_confidence:
        return _fit_confidence(args, sets, indexes)
    if args.retrieval_only:
        print(json.dumps(retrieval_table(sets, indexes), indent=1))
        return 0
    result: dict[str, Any] = {
        "version": RESULT_VERSION,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "settings": {"retriever": settings.retriever, "glossary": settings.use_glossary, "embedder": settings.embedder},
        "notes": notes,
        "sets": run_sets(sets, indexes, args.tutorial_baseline, draft),
    }
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["ingest_errors"] = indexes.errors
    for err in indexes.errors:
        print(f"error: {err}", file=sys.stderr)
    from .report import write_reports

    out_dir = Path(args.report or settings.data_dir / "reports" / dt.datetime.now().strftime("%Y%m%d-%H%M%S"))
    write_reports(result, out_dir)
    latest = settings.data_dir / "reports" / "latest"
    if out_dir.resolve() != latest.resolve():
        write_reports(result, latest)
    for name, s in result["sets"].items():
        print(_headline(name, s))
    print(f"eval: {sum(s['questions'] for s in result['sets'].values())} questions in {result['seconds']:.0f}s; "
          f"reports in {out_dir}")
    if args.write_baseline:
        Path(args.write_baseline).write_text(json.dumps(baseline_of(result), ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")
        print(f"baseline written to {args.write_baseline}")
    if baseline is not None:
        gate = compare(result, baseline, args.tolerance)
        print("improved:\n  " + ("\n  ".join(gate.better) or "nothing"))
        print("regressed:\n  " + ("\n  ".join(gate.worse) or "nothing"))
        for note in gate.notes:
            print(f"note: {note}")
        if gate.failed:
            print(f"eval gate: FAILED (a gated figure moved the wrong way by more than {args.tolerance}, "
                  "or a count rose)", file=sys.stderr)
            return 1
        print("eval gate: passed")
    return 0
