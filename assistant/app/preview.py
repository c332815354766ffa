"""Notice impact preview: what a notice would change, shown before it goes live.

The files are ingested into a throwaway copy of the index that shares the live assistant's models;
the live index is never written, and the copy is removed afterwards. The report compares the two:

- the documents the files add or change, with their dates and where each rule stands on the
  engine's today (``Settings.today_date``);
- the documents they supersede (their ``supersedes:`` links, or an existing document's
  ``superseded_by`` naming them), with those documents' dates and where they stand now and after;
- the existing statements they contradict: a sentence of a new document that states a figure whose
  closest existing sentence stating one (same language, cosine >= :data:`CONTRADICTION_COSINE`)
  states other figures;
- the eval questions whose lead (the answer's first paragraph) changes: the question sets in
  ``evals/questions`` beside the corpus (curated and real-style; the pool's splits, the sealed one
  included, live elsewhere and are never read), asked on both indexes when the new answer cites a
  new or superseded document.

Confirming is the ordinary ingest (``assistant ingest FILE``, an upload); discarding is doing nothing.

Example:
    >>> report = preview(assistant, [Path("notice-2027-pickup.zh.md")])  # doctest: +SKIP
    >>> [(c.question, c.before, c.after) for c in report.leads]
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from ..errors import AssistantError
from ..lang.fragments import MARKER
from .documents import DocumentInfo, list_documents

if TYPE_CHECKING:
    from ..pipeline import Assistant
    from ..schema import Answer

logger = logging.getLogger(__name__)

# Measured with USE on the planted notice of tests/test_preview.py against the bundled corpus: the
# restated rule and the rule it changes are 0.80-0.93 apart (zh and en), a figure sentence on
# another subject at most 0.70; unrelated sentences sharing a number stay below 0.6.
CONTRADICTION_COSINE = 0.75
# what a copy of the index needs; the embedder cache, Chroma, uploads, reports and feedback stay
INDEX_FILES = ("manifest.json", "keyword.pkl", "dense.npz", "lexicon.npz")
INDEX_DIRS = ("docs",)
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


class Superseded(BaseModel):
    document: DocumentInfo = Field(description="The existing document as it stands today.")
    by: str = Field(description="The new document that replaces it.")
    link: Literal["supersedes", "superseded_by"] = Field(
        description="Which side names the link: the new document's supersedes, or the old one's superseded_by.")
    from_date: str = Field("", description="The day the new rule takes effect ('' = at once).")
    status_after: str = Field(description="Where the old rule stands today once the notice is live.")


class Contradiction(BaseModel):
    doc_id: str
    lang: str
    sentence: str = Field(description="The new document's sentence.")
    figures: list[str]
    existing: DocumentInfo = Field(description="The document holding the closest existing sentence, with its dates.")
    existing_sentence: str
    existing_figures: list[str]
    similarity: float


class LeadChange(BaseModel):
    id: str
    question: str
    lang: str
    before: str = Field(description="The answer's lead on the live index.")
    after: str = Field(description="The lead once the notice is live.")


class NoticePreview(BaseModel):
    """What ingesting the files would change; nothing has been changed."""

    files: list[str]
    today: str = Field(description="The engine's today, against which each status is worked out.")
    documents: list[DocumentInfo] = Field(description="The documents added or changed, as they would stand.")
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    supersedes: list[Superseded] = Field(default_factory=list)
    contradicts: list[Contradiction] = Field(default_factory=list)
    leads: list[LeadChange] = Field(default_factory=list, description="Eval questions whose lead changes.")
    questions: int = Field(0, description="Eval questions checked.")
    citing: int = Field(0, description="Of them, answered from a new or superseded document.")
    notes: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="Files that would fail to ingest.")
    summary: str = ""


def preview(assistant: "Assistant", paths: Iterable[Path], replace: bool = False,
            targets: dict[Path, Path] | None = None, questions_dir: Path | None = None,
            wait_s: float = 0.0) -> NoticePreview:
    """What ``assistant ingest paths`` (with ``replace``) would change, without changing anything.

    Args:
        paths: the files (or folders) to preview.
        replace: as for ingest: the files may take document ids over from other files.
        targets: where a staged file will live once confirmed (an upload's place in the uploads
            folder), so a new version of an uploaded file is previewed as that file's update.
        questions_dir: the eval questions (default: ``evals/questions`` beside the corpus).
        wait_s: how long to wait for an ingest that holds the live index.
    """
    from ..ingest.ingest import Ingestor

    paths = [Path(p) for p in paths]
    workdir = Path(tempfile.mkdtemp(prefix="assistant-preview-"))
    try:
        snapshot(assistant.settings.data_dir, workdir, wait_s)
        if targets:
            _stand_in(workdir, targets)
        shadow = shadow_assistant(assistant, workdir)
        before = {_uid(d): d for d in list_documents(assistant)}
        ingest = Ingestor(shadow.index, shadow.embedder, shadow.tokenizer,
                          int(assistant.settings.max_file_mb * 1e6)).ingest(paths, replace=replace)
        after = {_uid(d): d for d in list_documents(shadow)}
        changed = [*ingest.added, *ingest.updated]
        result = NoticePreview(files=[str(p) for p in paths], today=assistant.settings.today_date().isoformat(),
                               documents=[after[u] for u in changed if u in after], added=ingest.added,
                               updated=ingest.updated, removed=ingest.removed, errors=ingest.errors,
                               summary=ingest.summary())
        new_ids = {after[u].doc_id for u in changed if u in after}
        result.supersedes, unknown = superseded(shadow, changed, before, after, new_ids)
        result.notes += [f"{doc_id} names '{old}' in supersedes, but no such document is in the knowledge base"
                         for doc_id, old in unknown]
        result.contradicts = contradictions(assistant, shadow, changed, before)
        watched = new_ids | {s.document.doc_id for s in result.supersedes}
        if watched:
            items, notes = eval_questions(questions_dir or assistant.settings.corpus_dir.parent / "evals" / "questions")
            result.notes += notes
            result.leads, result.questions, result.citing = changed_leads(assistant, shadow, items, watched)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def snapshot(data_dir: Path, workdir: Path, wait_s: float = 0.0) -> None:
    """Copy what the index is made of from ``data_dir`` to ``workdir``, holding the ingest lock so
    no ingest commits halfway through the copy."""
    from ..ingest.ingest import ingest_lock

    if not (data_dir / "manifest.json").exists():
        return  # nothing ingested yet: the preview starts from an empty index
    with ingest_lock(data_dir, wait_s):
        for name in INDEX_FILES:
            if (data_dir / name).exists():
                shutil.copy2(data_dir / name, workdir / name)
        for name in INDEX_DIRS:
            if (data_dir / name).is_dir():
                shutil.copytree(data_dir / name, workdir / name)


def _stand_in(workdir: Path, targets: dict[Path, Path]) -> None:
    """In the copy, the staged files hold what their targets hold, so ingesting one is that file's update."""
    from ..index.index import Manifest

    path = workdir / "manifest.json"
    manifest = Manifest.load(path)
    for staged, target in targets.items():
        entry = manifest.files.pop(str(Path(target).resolve()), None)
        if entry is None:
            continue
        key = str(Path(staged).resolve())
        manifest.files[key] = entry
        for uid in entry["uids"]:
            if uid in manifest.docs:
                manifest.docs[uid] = {**manifest.docs[uid], "path": key}
    manifest.save(path)


def shadow_assistant(live: "Assistant", workdir: Path) -> "Assistant":
    """An Assistant over the copy in ``workdir`` that shares the live one's models (as the eval's
    indexes do) and keeps its vectors in memory: no Chroma is opened, so a preview of a replica
    never writes to the shared server."""
    from ..index.index import PolicyIndex
    from ..pipeline import Assistant

    shadow = Assistant(live.settings.model_copy(update={"data_dir": workdir, "chroma_url": None}))
    for name in ("embedder", "tokenizer", "glossary", "domain", "relevance"):
        setattr(shadow, name, getattr(live, name))
    store = MemoryStore()
    index = PolicyIndex(workdir, store)
    index.tokenize = live.tokenizer.tokenize
    index.refresh()
    if index.dense is not None:
        store.add(index.dense[0], index.dense[1])
    elif index.chunks:  # no exact-search file (a large index, a replica): the live store has them
        vectors = live.index.store.vectors(list(index.chunks))
        store.add(list(vectors), np.array(list(vectors.values())))
    shadow.index = index  # type: ignore[misc]  # cached_property: set before first use
    return shadow


class MemoryStore:
    """The dense store's interface over vectors held in memory (an exact search)."""

    remote = False

    def __init__(self) -> None:
        self._vectors: dict[str, np.ndarray] = {}
        self._matrix: tuple[list[str], np.ndarray] | None = None
        self._generation = 0

    def add(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str] = (),
            metas: Sequence[dict[str, Any]] = ()) -> None:
        self._vectors.update(zip(ids, np.asarray(vectors, dtype=np.float32)))
        self._matrix = None

    def delete(self, ids: Sequence[str]) -> None:
        for cid in ids:
            self._vectors.pop(cid, None)
        self._matrix = None

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return {cid: self._vectors[cid] for cid in ids if cid in self._vectors}

    def all_ids(self) -> list[str]:
        return list(self._vectors)

    def count(self) -> int:
        return len(self._vectors)

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if not self._vectors:
            return []
        if self._matrix is None:
            self._matrix = (list(self._vectors), np.vstack(list(self._vectors.values())))
        ids, matrix = self._matrix
        sims = matrix @ np.asarray(vector, dtype=np.float32)
        return [(ids[i], float(sims[i])) for i in np.argsort(-sims)[:k]]

    def generation(self) -> int:
        return self._generation

    def set_generation(self, generation: int) -> None:
        self._generation = generation

    def fetch_all(self, batch: int = 5000):
        return iter(())


def _uid(d: DocumentInfo) -> str:
    return f"{d.doc_id}.{d.lang}"


def superseded(shadow: "Assistant", changed: Sequence[str], before: dict[str, DocumentInfo],
               after: dict[str, DocumentInfo], new_ids: set[str]) -> tuple[list[Superseded], list[tuple[str, str]]]:
    """The existing documents the new ones replace (either side naming the link), both languages;
    and the (new id, named id) pairs whose named document does not exist."""
    links: dict[str, tuple[str, str]] = {}  # old doc id -> (new doc id, link)
    unknown: list[tuple[str, str]] = []
    existing = {d.doc_id for d in before.values()}
    for uid in changed:
        rec = shadow.index.records.get(uid)
        named = rec.meta.get("supersedes") or [] if rec is not None else []
        for old in [named] if isinstance(named, str) else named:
            if str(old) in existing:
                links.setdefault(str(old), (rec.doc_id, "supersedes"))
            elif (rec.doc_id, str(old)) not in unknown:
                unknown.append((rec.doc_id, str(old)))
    for d in before.values():
        raw = shadow.index.records.get(_uid(d))
        named_by = str(raw.meta.get("superseded_by") or "") if raw is not None else ""
        if named_by in new_ids:
            links.setdefault(d.doc_id, (named_by, "superseded_by"))
    out = []
    for uid, d in sorted(before.items()):
        if d.doc_id in links and d.doc_id not in new_ids:
            by, link = links[d.doc_id]
            now_after = after.get(uid)
            out.append(Superseded(document=d, by=by, link=link, from_date=shadow.index.effective.get(by, ("", ""))[0],
                                  status_after=now_after.status if now_after else d.status))
    return out, unknown


def stated_figures(sentence: str) -> set[str]:
    """The figures a sentence states (counts, durations, amounts, shares), dates left out."""
    from ..answer.llm import figures
    from ..lang.cues import cue
    from ..lang.numbers import has_figure

    if not has_figure(sentence):
        return set()
    return figures(THOUSANDS.sub("", cue("pointer_number").sub(" ", _undated(sentence))))


def _undated(sentence: str) -> str:
    from ..lang.cues import cue
    from ..lang.numbers import without_dates

    return cue("en_month_day").sub(" ", without_dates(sentence))


def contradictions(live: "Assistant", shadow: "Assistant", changed: Sequence[str],
                   before: dict[str, DocumentInfo]) -> list[Contradiction]:
    """Sentences of the changed documents that state a figure, whose closest existing sentence
    stating one (same language, cosine >= CONTRADICTION_COSINE, the new sentence read with and
    without its dates) states other figures."""
    from ..index.embed import encode

    out: list[Contradiction] = []
    pools: dict[str, tuple[list[tuple[Any, int, set[str]]], np.ndarray]] = {}
    for uid in changed:
        rec = shadow.index.records.get(uid)
        vectors = rec.sentence_vectors() if rec is not None else None
        if rec is None or vectors is None:
            continue
        if rec.lang not in pools:
            pools[rec.lang] = _figure_sentences(live, rec.lang)
        rows, matrix = pools[rec.lang]
        if not rows:
            continue
        picked = [(i, figs) for i, s in enumerate(rec.sentences) if (figs := stated_figures(s))]
        # a rule restated from a new date reads closer to the old rule without its date clause
        undated = encode(shadow.embedder, [_undated(rec.sentences[i]) for i, _ in picked]) if picked else []
        for (i, figs), bare in zip(picked, undated):
            sentence = rec.sentences[i]
            v = np.asarray(vectors[i], dtype=np.float32)
            sims = np.maximum(matrix @ (v / (np.linalg.norm(v) or 1.0)), matrix @ bare)
            j = int(np.argmax(sims))
            old, k, old_figs = rows[j]
            if sims[j] < CONTRADICTION_COSINE or not figs - old_figs or old.uid not in before:
                continue
            out.append(Contradiction(doc_id=rec.doc_id, lang=rec.lang, sentence=sentence,
                                     figures=sorted(figs, key=_num), existing=before[old.uid],
                                     existing_sentence=old.sentences[k], existing_figures=sorted(old_figs, key=_num),
                                     similarity=round(float(sims[j]), 3)))
    return out


def _figure_sentences(live: "Assistant", lang: str) -> tuple[list[tuple[Any, int, set[str]]], np.ndarray]:
    """Every live sentence in ``lang`` that states a figure, with its figures, and their unit vectors."""
    live.index.refresh()
    rows: list[tuple[Any, int, set[str]]] = []
    parts: list[np.ndarray] = []
    for rec in live.index.records.values():
        if rec.lang != lang:
            continue
        vectors = rec.sentence_vectors()
        if vectors is None:
            continue
        picked = [(i, figs) for i, s in enumerate(rec.sentences) if (figs := stated_figures(s))]
        if picked:
            rows += [(rec, i, figs) for i, figs in picked]
            parts.append(np.asarray(vectors[[i for i, _ in picked]], dtype=np.float32))
    if not parts:
        return [], np.zeros((0, 1), dtype=np.float32)
    matrix = np.vstack(parts)
    return rows, matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)


def _num(value: str) -> tuple[int, str]:
    return (len(value), value)


def eval_questions(questions_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The curated and real-style questions (``*.jsonl`` in ``questions_dir``, drafts left out)."""
    from ..eval.evaluate import load_questions

    files = [p for p in sorted(Path(questions_dir).glob("*.jsonl")) if "drafts" not in p.name]
    if not files:
        return [], [f"no eval questions in {questions_dir}: changed leads are not checked"]
    try:
        return load_questions(files), []
    except AssistantError as exc:
        return [], [f"eval questions not read ({exc}): changed leads are not checked"]


def lead(answer: "Answer") -> str:
    """The answer's lead (its first paragraph; one per part of a multi-part answer), without [n] markers."""
    from ..eval.score import body_of, leads_of

    leads = leads_of(body_of(answer.answer))
    return "\n".join(MARKER.sub("", lead.text or lead.block).strip() for lead in leads).strip()


def changed_leads(live: "Assistant", shadow: "Assistant", items: Sequence[dict[str, Any]],
                  watched: set[str]) -> tuple[list[LeadChange], int, int]:
    """Each question that may be answered from a ``watched`` document is asked once the notice is
    live, and those whose answer cites one are asked on the live index too. Returns the changed
    leads, the questions considered and the citing ones."""
    changes: list[LeadChange] = []
    citing = 0
    reach = _reach(shadow, [item["question"] for item in items])
    for item, docs in zip(items, reach):
        history = item.get("history") or []
        if not history and not docs & watched:
            continue  # its answer cannot cite them, so it stays as it is
        try:
            after = shadow.ask(item["question"], history=history, use_llm=False)
            if not any(c.doc_id in watched for c in after.citations):
                continue
            citing += 1
            before = live.ask(item["question"], history=history, use_llm=False)
        except AssistantError:
            continue  # a question the engine refuses to read (the robustness set has some)
        old, new = lead(before), lead(after)
        if old != new:
            changes.append(LeadChange(id=str(item["id"]), question=item["question"], lang=after.lang,
                                      before=old, after=new))
    return changes, len(items), citing


def _reach(shadow: "Assistant", questions: Sequence[str]) -> list[set[str]]:
    """Per question, the documents among its dense and keyword candidates (twice as many as the
    retriever weighs): an answer quotes only what retrieval found, so a question none of whose
    candidates is a new document keeps its answer, and is not asked (most of them: fast)."""
    from ..answer.retrieve import CANDIDATES
    from ..index.embed import encode
    from ..lang.text import to_simplified

    texts = [to_simplified(q) for q in questions]
    vectors = encode(shadow.embedder, texts) if texts else []
    index = shadow.index
    out = []
    for text, vector in zip(texts, vectors):
        hits = [*index.dense_search(vector, 2 * CANDIDATES),
                *index.keyword_search(shadow.tokenizer.tokenize(text), 2 * CANDIDATES)]
        out.append({index.chunks[cid][0].doc_id for cid, _ in hits if cid in index.chunks})
    return out


def preview_text(report: NoticePreview) -> str:
    """The report as the CLI prints it."""
    lines = [f"preview of {', '.join(report.files)} (today {report.today}); nothing has been changed",
             f"would ingest: {report.summary}"]
    lines += [f"error: {e}" for e in report.errors]
    lines.append("documents:" if report.documents else "documents: none added or changed")
    for d in report.documents:
        change = "updated" if _uid(d) in report.updated else "added"
        lines.append(f"  {d.doc_id} ({d.lang}, {change}) \"{d.title}\" {_dates(d)}: {_status(d)}")
    lines.append("supersedes:" if report.supersedes else "supersedes: nothing")
    for s in report.supersedes:
        d = s.document
        when = f"from {s.from_date}" if s.from_date else "at once"
        still = "" if s.status_after == "superseded" else f", {s.status_after.replace('_', ' ')} until then"
        lines.append(f"  {d.doc_id} ({d.lang}) \"{d.title}\" {_dates(d)}: {_status(d)} now; "
                     f"replaced by {s.by} {when}{still}")
    lines.append("contradicts:" if report.contradicts else "contradicts: nothing")
    for c in report.contradicts:
        e = c.existing
        lines += [f"  {c.doc_id} ({c.lang}): {c.sentence}",
                  f"    vs {e.doc_id} ({_dates(e)}, {_status(e)}): {c.existing_sentence}"
                  f"  [similarity {c.similarity:.2f}]"]
    lines.append(f"changed leads: {len(report.leads)} of the {report.citing} eval question(s) answered from it "
                 f"({report.questions} checked)")
    for change in report.leads:
        lines += [f"  {change.id}: {change.question}", f"    before: {_one_line(change.before)}",
                  f"    after:  {_one_line(change.after)}"]
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def _dates(d: DocumentInfo) -> str:
    parts = [f"published {d.published}" if d.published else "undated"]
    if d.effective_from:
        parts.append(f"effective {d.effective_from}")
    if d.effective_until:
        parts.append(f"until {d.effective_until}")
    return ", ".join(parts)


def _status(d: DocumentInfo) -> str:
    if d.status == "upcoming":
        return f"upcoming (from {d.effective_from})"
    if d.status == "superseded":
        return f"superseded by {d.superseded_by}"
    return d.status.replace("_", " ")


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())
