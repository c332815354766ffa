"""`assistant eval`: runs the regression questions in one process and reports retrieval, answer
accuracy, refusals, citation validity and latency, by question type and language; compares with
a baseline and exits non-zero on regressions."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .compose import TEXT
from .settings import Settings
from .text import detect_lang

RATE_METRICS = ("answer_accuracy", "refusal_recall", "refusal_precision", "citation_validity", "citation_support",
                "language_match", "hit@5")
COUNT_METRICS = ("must_not_violations", "fabricated_figures")
DIGITS = re.compile(r"\d+(?:\.\d+)?")


def load_questions(paths: list[Path]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in paths:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            for key in ("id", "question", "lang", "type", "answerable"):
                if key not in item:
                    raise SystemExit(f"{path}:{lineno}: missing '{key}'")
            items.append(item)
    return items


def body_of(answer_text: str, lang: str) -> str:
    return answer_text.split(f"\n\n**{TEXT[lang if lang in TEXT else 'en']['sources']}**")[0]


def includes(text: str, group: str) -> bool:
    low = text.lower()
    return any(alt.strip().lower() in low for alt in group.split("|") if alt.strip())


def _numbers(text: str) -> set[str]:
    out = set()
    for n in DIGITS.findall(text):
        out.add(n.lstrip("0") or "0")
    return out


@dataclass
class Row:
    qid: str
    qtype: str
    lang: str
    answerable: bool
    question: str
    answer: str = ""
    refused: bool = False
    correct: bool = False
    facts_ok: bool = False
    must_not: list[str] = field(default_factory=list)
    citations_valid: bool = True
    supported: bool = False
    fabricated: list[str] = field(default_factory=list)
    lang_ok: bool = True
    retrieved: list[str] = field(default_factory=list)
    rank: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    error: str = ""


class DocTexts:
    """Full text of cited documents, loaded from their files, to verify quotes independently."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.cache: dict[tuple[str, str], str] = {}

    def get(self, doc_id: str, lang: str) -> str:
        key = (doc_id, lang)
        if key not in self.cache:
            from .load import load_path

            rec = self.assistant.index.records.get(f"{doc_id}.{lang}")
            text = ""
            if rec is not None:
                try:
                    docs = load_path(Path(rec.meta["path"]))
                    text = "\n".join(d.text for d in docs if d.lang == lang and d.doc_id == doc_id)
                except Exception:  # a file removed since indexing: fall back to the indexed sentences
                    text = "\n".join(rec.sentences)
            self.cache[key] = text
        return self.cache[key]


def grade(item: dict[str, Any], answer, docs: DocTexts) -> Row:
    row = Row(item["id"], item["type"], item["lang"], bool(item["answerable"]), item["question"])
    row.answer = answer.answer
    row.refused = answer.refused
    row.timings = dict(answer.timings_ms)
    body = body_of(answer.answer, answer.lang)
    row.facts_ok = all(includes(body, g) for g in item.get("must_include") or [])
    row.must_not = [s for s in item.get("must_not_include") or [] if s and s.lower() in body.lower()]
    quotes = " ".join(c.quote for c in answer.citations)
    if row.answerable:
        row.correct = (not answer.refused) and row.facts_ok and not row.must_not
        row.supported = row.correct and all(includes(quotes, g) for g in item.get("must_include") or [])
    else:
        row.correct = answer.refused and not row.must_not
    row.citations_valid = all(c.quote and c.quote in docs.get(c.doc_id, c.lang) for c in answer.citations)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    if any(m > len(answer.citations) for m in markers):
        row.citations_valid = False
    records = [docs.assistant.index.records.get(f"{c.doc_id}.{c.lang}") for c in answer.citations]
    dates = " ".join(f"{r.meta.get('published', '')} {r.meta.get('effective_from', '')}" for r in records if r)
    allowed = _numbers(quotes) | _numbers(item["question"]) | _numbers(dates)
    # part headers ("**2. question**") and list numbering are layout, not stated figures
    prose_only = re.sub(r"(?m)^\*\*\d+\. .*\*\*$|^\d+\. ", "", body)
    stated = _numbers(re.sub(r"\[\d+\]", "", prose_only))
    row.fabricated = sorted(stated - allowed)
    prose = re.sub(r"\[\d+\]|\|", " ", body)
    row.lang_ok = answer.lang == item["lang"] and detect_lang(prose) == item["lang"]
    return row


def retrieval_rank(assistant, item: dict[str, Any], mode: str | None) -> tuple[list[str], int | None]:
    expected = set(item.get("sources") or [])
    result = assistant.retriever.search(item["question"], k=12, mode=mode)
    docs: list[str] = []
    for p in result.passages:
        if p.doc_id not in docs:
            docs.append(p.doc_id)
    rank = next((i + 1 for i, d in enumerate(docs[:5]) if d in expected), None)
    return docs[:5], rank


def _rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarise(rows: list[Row]) -> dict[str, Any]:
    ans = [r for r in rows if r.answerable]
    unans = [r for r in rows if not r.answerable]
    refused = [r for r in rows if r.refused]
    ranked = [r for r in ans if r.retrieved]
    out: dict[str, Any] = {
        "questions": len(rows),
        "answer_accuracy": _rate([r.correct for r in ans]),
        "refusal_recall": _rate([r.refused for r in unans]),
        "refusal_precision": _rate([not r.answerable for r in refused]) if refused else None,
        "false_refusals": sum(1 for r in ans if r.refused),
        "citation_validity": _rate([r.citations_valid for r in rows]),
        "citation_support": _rate([r.supported for r in ans if r.correct]),
        "language_match": _rate([r.lang_ok for r in rows]),
        "must_not_violations": sum(1 for r in rows if r.must_not),
        "fabricated_figures": sum(1 for r in rows if r.fabricated),
        "hit@1": _rate([r.rank is not None and r.rank <= 1 for r in ranked]),
        "hit@3": _rate([r.rank is not None and r.rank <= 3 for r in ranked]),
        "hit@5": _rate([r.rank is not None for r in ranked]),
        "mrr": round(float(np.mean([1 / r.rank if r.rank else 0 for r in ranked])), 4) if ranked else None,
        "errors": sum(1 for r in rows if r.error),
    }
    stages = defaultdict(list)
    for r in rows:
        for k, v in r.timings.items():
            stages[k].append(v)
    out["latency_ms"] = {k: {"p50": round(float(np.percentile(v, 50)), 2), "p95": round(float(np.percentile(v, 95)), 2)}
                         for k, v in sorted(stages.items())}
    return out


def breakdown(rows: list[Row]) -> dict[str, Any]:
    by: dict[str, Any] = {"type": {}, "lang": {}}
    for key, attr in (("type", "qtype"), ("lang", "lang")):
        groups = defaultdict(list)
        for r in rows:
            groups[getattr(r, attr)].append(r)
        for name, group in sorted(groups.items()):
            s = summarise(group)
            by[key][name] = {k: s[k] for k in ("questions", "answer_accuracy", "refusal_recall", "citation_validity",
                                             "language_match", "hit@5", "must_not_violations", "fabricated_figures")}
            by[key][name]["correct"] = _rate([r.correct for r in group])
    return by


def tutorial_rows(items: list[dict[str, Any]], settings: Settings, embedder, docs_by_path) -> list[Row]:
    """The RAG a user builds from LangChain's tutorial: 1000/200 splitter, Chroma, same embedder,
    answer = the top 3 chunks, never refuses."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document as LCDocument
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    lc_docs = []
    for doc in docs_by_path:
        lc_docs.append(LCDocument(page_content=doc.text, metadata={"doc_id": doc.doc_id, "lang": doc.lang}))
    chunks = splitter.split_documents(lc_docs)
    client = chromadb.EphemeralClient()
    store = Chroma.from_documents(chunks, embedding=embedder, client=client, collection_name="tutorial-baseline")
    rows = []
    for item in items:
        t = time.perf_counter()
        hits = store.similarity_search(item["question"], k=3)
        ms = (time.perf_counter() - t) * 1000
        answer = "\n\n".join(h.page_content for h in hits)
        row = Row(item["id"], item["type"], item["lang"], bool(item["answerable"]), item["question"], answer=answer)
        row.facts_ok = all(includes(answer, g) for g in item.get("must_include") or [])
        row.must_not = [s for s in item.get("must_not_include") or [] if s and s.lower() in answer.lower()]
        row.correct = row.facts_ok and not row.must_not if row.answerable else False
        row.lang_ok = detect_lang(answer) == item["lang"]
        order: list[str] = []
        for h in store.similarity_search(item["question"], k=12):
            if h.metadata["doc_id"] not in order:
                order.append(h.metadata["doc_id"])
        expected = set(item.get("sources") or [])
        row.retrieved = order[:5]
        row.rank = next((i + 1 for i, d in enumerate(order[:5]) if d in expected), None)
        row.citations_valid = False  # the tutorial answer has no citations to verify
        row.timings = {"total": round(ms, 3)}
        rows.append(row)
    client.delete_collection("tutorial-baseline")
    return rows


def compare(current: dict[str, Any], baseline: dict[str, Any], tolerance: float) -> tuple[list[str], list[str], bool]:
    lines_better, lines_worse = [], []
    failed = False
    cur, base = current["overall"], baseline["overall"]
    for m in RATE_METRICS:
        if cur.get(m) is None or base.get(m) is None:
            continue
        delta = cur[m] - base[m]
        if delta < -tolerance:
            failed = True
            lines_worse.append(f"{m}: {base[m]:.3f} -> {cur[m]:.3f}")
        elif delta > tolerance:
            lines_better.append(f"{m}: {base[m]:.3f} -> {cur[m]:.3f}")
    for m in COUNT_METRICS:
        if cur.get(m, 0) > base.get(m, 0):
            failed = True
            lines_worse.append(f"{m}: {base.get(m, 0)} -> {cur[m]}")
    base_q = baseline.get("per_question", {})
    for qid, ok in current.get("per_question", {}).items():
        if qid in base_q and base_q[qid] != ok:
            (lines_better if ok else lines_worse).append(f"{qid}: {'now passes' if ok else 'now fails'}")
    return lines_better, lines_worse, failed


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "import-feedback":
        from .feedback import import_feedback

        return import_feedback(args.feedback or settings.data_dir / "feedback.jsonl", args.out or Path("evals/questions/feedback-drafts.jsonl"))
    from tqdm import tqdm

    from .engine import Assistant

    paths = args.questions or sorted(Path("evals/questions").glob("*.jsonl"))
    paths = [p for p in paths if "drafts" not in p.name]
    if not paths:
        print("error: no question files (evals/questions/*.jsonl)", file=sys.stderr)
        return 1
    items = load_questions(paths)
    overrides = {"use_glossary": False} if args.no_glossary else {}
    if args.retriever:
        overrides["retriever"] = args.retriever
    settings = settings.model_copy(update=overrides)
    assistant = Assistant(settings)
    report = assistant.ingest([settings.corpus_dir])
    if report.errors:
        print("\n".join(f"error: {e}" for e in report.errors), file=sys.stderr)
    assistant.warm_up()
    start = time.perf_counter()
    if args.retrieval_only:
        table = {}
        for mode in ("dense", "keyword", "hybrid"):
            rows = []
            for item in tqdm(items, desc=f"retrieval {mode}", file=sys.stderr):
                if not item["answerable"] or not item.get("sources"):
                    continue
                row = Row(item["id"], item["type"], item["lang"], True, item["question"])
                row.retrieved, row.rank = retrieval_rank(assistant, item, mode)
                rows.append(row)
            s = summarise(rows)
            table[mode] = {k: s[k] for k in ("hit@1", "hit@3", "hit@5", "mrr")}
            table[mode]["by_lang"] = {lang: summarise([r for r in rows if r.lang == lang])["hit@5"] for lang in ("zh", "en")}
        print(json.dumps(table, indent=1))
        return 0
    docs = DocTexts(assistant)
    rows = []
    for item in tqdm(items, desc="eval", unit="q", file=sys.stderr):
        try:
            answer = assistant.ask(item["question"], history=item.get("history") or [])
            row = grade(item, answer, docs)
        except Exception as exc:  # a crash on one question is a failure to report, not to hide
            row = Row(item["id"], item["type"], item["lang"], bool(item["answerable"]), item["question"],
                      error=f"{type(exc).__name__}: {exc}")
        if item["answerable"] and item.get("sources") and not row.error:
            row.retrieved, row.rank = retrieval_rank(assistant, item, None)
        rows.append(row)
    elapsed = time.perf_counter() - start
    result: dict[str, Any] = {
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "settings": {"retriever": settings.retriever, "glossary": settings.use_glossary, "embedder": settings.embedder},
        "seconds": round(elapsed, 1),
        "overall": summarise(rows),
        "by": breakdown(rows),
        "per_question": {r.qid: r.correct for r in rows},
        "rows": [r.__dict__ for r in rows],
    }
    if args.tutorial_baseline:
        from .load import load_path
        from .ingest import discover

        files, _ = discover([settings.corpus_dir])
        loaded = [d for f in files for d in load_path(f)]
        trows = tutorial_rows(items, settings, assistant.embedder, loaded)
        result["tutorial_baseline"] = {"overall": summarise(trows), "by": breakdown(trows)}
    out_dir = args.report or settings.data_dir / "reports" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    from .report import write_reports

    write_reports(result, Path(out_dir))
    latest = settings.data_dir / "reports" / "latest"
    if Path(out_dir).resolve() != latest.resolve():
        write_reports(result, latest)
    o = result["overall"]
    print(f"eval: {o['questions']} questions in {elapsed:.0f}s; accuracy {o['answer_accuracy']}, "
          f"refusal recall {o['refusal_recall']}, citations valid {o['citation_validity']}, "
          f"language {o['language_match']}, hit@5 {o['hit@5']}, fabricated {o['fabricated_figures']}; "
          f"reports in {out_dir}")
    if args.write_baseline:
        Path(args.write_baseline).write_text(json.dumps({k: result[k] for k in ("created", "settings", "overall", "by", "per_question")},
                                                       ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"baseline written to {args.write_baseline}")
    if args.baseline:
        baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
        better, worse, failed = compare(result, baseline, args.tolerance)
        print("improved:\n  " + ("\n  ".join(better) or "nothing"))
        print("regressed:\n  " + ("\n  ".join(worse) or "nothing"))
        if failed:
            print(f"eval gate: FAILED (a metric dropped by more than {args.tolerance} or a count rose)", file=sys.stderr)
            return 1
        print("eval gate: passed")
    return 0
