"""Incremental, crash-safe ingest.

Order of writes, so a process killed at any point leaves the previous index queryable:
document records (new file names) -> Chroma vectors (new chunk ids) -> keyword index stamped with
the next generation -> manifest (the commit point) -> removal of superseded records and vectors.
Readers only see chunks listed in the manifest; leftovers of an interrupted run are cleaned by the
next run. One ingest at a time: a second one waits for the lock or fails with IndexBusyError.

Taking documents out (:meth:`Ingestor.remove`) and giving a document's id to another file
(``replace``) are the same commit with fewer or other records; the index mirrors files, so a
document removed while its file stays comes back at the next ingest of that file.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunk import chunk_document, content_version, layout
from ..index.docstore import ChunkRecord, DocRecord
from ..index.embed import encode
from ..errors import DocumentError, IndexBusyError
from ..index.index import Manifest, PolicyIndex
from ..index.keyword import BM25Index
from ..kb.lexicon import Lexicon
from .load import SUPPORTED, load_path
from ..schema import Document
from ..lang.text import Tokenizer

logger = logging.getLogger(__name__)
# the modules that read a file into a document and its chunks: a change to them re-reads files
READER_MODULES = ("load.py", "pagetext.py", "structure.py", "chunk.py")
SKIP_NAMES = {"README.md", "COVERAGE.md", "CHANGELOG.md", "domain.yaml"}


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks_written: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    documents: dict[str, str] = field(default_factory=dict)  # path -> what was read (for --verbose)
    released: list[str] = field(default_factory=list)  # files whose documents all left the index

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        rate = self.chunks_written / self.seconds if self.seconds and self.chunks_written else 0.0
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{self.unchanged} unchanged, {self.chunks_written} chunks indexed ({rate:.0f}/s), "
                f"{len(self.errors)} failed")


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Files to ingest under the given paths, and the directories they were found under."""
    files: list[Path] = []
    roots: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            roots.append(path.resolve())
            for f in sorted(path.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED and f.name not in SKIP_NAMES and not f.name.startswith("."):
                    files.append(f)
        else:
            files.append(path)
    return files, roots


@contextmanager
def ingest_lock(data_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "ingest.lock").open("w") as fh:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another ingest is running on {data_dir} (lock held); wait for it to finish and retry"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def file_hash(path: Path) -> str:
    """The file's content with the version of the code that reads it: a file read by changed
    loaders is read again (its chunks are replaced only if what was read differs)."""
    return f"{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}-{reader_version()}"


@functools.lru_cache(maxsize=1)
def reader_version() -> str:
    """A fingerprint of the modules that turn a file into a document and its chunks."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in READER_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:8]


def describe(doc: Document) -> str:
    """What ingest read from a document: its title, date, structure and the boilerplate dropped."""
    kinds: dict[str, int] = {}
    for b in doc.blocks:
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    date = doc.published or (f"undated (≈{doc.approx_date})" if doc.approx_date else "undated")
    removed = ", ".join(repr(r[:40]) for r in doc.removed[:8]) + (" …" if len(doc.removed) > 8 else "")
    return (f"{doc.uid} \"{doc.title[:60]}\", {date}, " + ", ".join(f"{n} {k}" for k, n in kinds.items())
            + (f"; removed {len(doc.removed)} line(s): {removed}" if doc.removed else ""))


class Ingestor:
    """Writes documents into a :class:`PolicyIndex`.

    Args:
        index: the index to write (its store and data dir).
        embedder: LangChain embeddings used for sentences and chunks.
        tokenizer: keyword tokenizer (jieba + glossary).
        max_bytes: files over this size are refused.
    """

    def __init__(self, index: PolicyIndex, embedder, tokenizer: Tokenizer, max_bytes: int | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.max_bytes = max_bytes

    def ingest(self, paths: Iterable[Path], progress: Callable[[int, int, str], None] | None = None,
               wait_s: float = 0.0, prune: bool = True, replace: bool = False) -> IngestReport:
        """Index new and changed files under ``paths``; with ``prune``, drop documents whose files
        under a given directory are gone. A document whose id (and language) another indexed file
        holds is an error, unless ``replace``: then this file's version takes the id over, and a
        file left holding no document is listed in ``released``."""
        start = time.perf_counter()
        report = IngestReport()
        files, roots = discover(paths)
        with ingest_lock(self.index.data_dir, wait_s):
            self.index.refresh()
            manifest = Manifest.load(self.index.manifest_path)
            new_docs = dict(manifest.docs)
            new_files = dict(manifest.files)
            new_records: list[DocRecord] = []
            retired: list[tuple[str, str]] = []  # (uid, version) to delete after commit
            claimed: dict[str, str] = {}
            for i, path in enumerate(files):
                key = str(path.resolve())
                if progress:
                    progress(i, len(files), path.name)
                try:
                    digest = file_hash(path)
                except OSError as exc:
                    report.errors.append(f"{path}: cannot read file ({exc.strerror})")
                    continue
                previous = new_files.get(key)  # as this run left it: a replace may have taken ids away
                if previous and previous["hash"] == digest and all(u in manifest.docs for u in previous["uids"]):
                    report.unchanged += 1
                    claimed.update({u: key for u in previous["uids"]})
                    continue
                try:
                    docs = load_path(path, self.max_bytes)
                    taken: dict[str, str] = {}  # uid -> the indexed file this one takes it from
                    for doc in docs:
                        holder = next((p for p, f in new_files.items() if doc.uid in f["uids"] and p != key), None)
                        owner = claimed.get(doc.uid) or (None if replace else holder)
                        if owner:
                            raise DocumentError(str(path), f"id '{doc.doc_id}' ({doc.lang}) is already used by {owner}; "
                                                "to give it to this file, replace the document "
                                                "(assistant ingest --replace, or upload with replace=true)")
                        if holder:
                            taken[doc.uid] = holder
                    records = [self._record(doc) for doc in docs]
                    report.documents[str(path)] = "; ".join(describe(doc) for doc in docs)
                except DocumentError as exc:
                    report.errors.append(str(exc))
                    continue
                for uid, holder in taken.items():
                    self._release(new_files, holder, {uid}, report)
                old_uids = set(previous["uids"]) if previous else set()
                if old_uids == {r.uid for r in records} and all(
                        manifest.docs.get(r.uid, {}).get("version") == r.version for r in records):
                    report.unchanged += 1  # read again (the readers changed), but it reads the same
                for rec in records:
                    claimed[rec.uid] = key
                    old = manifest.docs.get(rec.uid)
                    if old and old["version"] == rec.version:
                        new_docs[rec.uid] = {**old, "path": key}  # the same text, maybe from another file now
                        continue
                    if old:
                        retired.append((rec.uid, old["version"]))
                        report.updated.append(rec.uid)
                    else:
                        report.added.append(rec.uid)
                    new_records.append(rec)
                    new_docs[rec.uid] = {"version": rec.version, "path": key}
                for gone in old_uids - {r.uid for r in records}:
                    retired.append((gone, manifest.docs[gone]["version"]))
                    new_docs.pop(gone, None)
                    report.removed.append(gone)
                new_files[key] = {"hash": digest, "uids": [r.uid for r in records]}
            if prune:
                present = {str(f.resolve()) for f in files}
                for key, entry in list(new_files.items()):
                    if key not in present and any(Path(key).is_relative_to(r) for r in roots):
                        for uid in entry["uids"]:
                            if uid in new_docs:
                                retired.append((uid, new_docs.pop(uid)["version"]))
                                report.removed.append(uid)
                        new_files.pop(key)
            if progress:
                progress(len(files), len(files), "")
            changed = bool(new_records or report.removed or retired or report.released
                           or any(new_docs[u] != manifest.docs.get(u) for u in new_docs))
            if changed:
                self._commit(manifest, new_docs, new_files, new_records, retired)
            else:
                self._remove_strays()
                self._update_lexicon()  # a data dir from before the lexicon gets one
            report.chunks_written = sum(len(r.chunks) for r in new_records)
        report.seconds = time.perf_counter() - start
        logger.info("ingest: %s", report.summary())
        return report

    def remove(self, uids: Iterable[str], wait_s: float = 0.0) -> IngestReport:
        """Take documents out of the index (``removed``), whatever file they came from; the files
        stay where they are, and one left holding no document is listed in ``released``."""
        start = time.perf_counter()
        report = IngestReport()
        with ingest_lock(self.index.data_dir, wait_s):
            self.index.refresh()
            manifest = Manifest.load(self.index.manifest_path)
            new_docs = dict(manifest.docs)
            new_files = dict(manifest.files)
            gone = set(uids) & set(new_docs)
            retired = [(uid, new_docs.pop(uid)["version"]) for uid in gone]
            report.removed = sorted(gone)
            for key in [k for k, f in new_files.items() if gone & set(f["uids"])]:
                self._release(new_files, key, gone, report)
            if retired:
                self._commit(manifest, new_docs, new_files, [], retired)
        report.seconds = time.perf_counter() - start
        logger.info("remove: %s", report.summary())
        return report

    @staticmethod
    def _release(files: dict, key: str, uids: set[str], report: IngestReport) -> None:
        """The file at ``key`` no longer holds ``uids``: one left with no document is forgotten (and
        reported), one left with some is read again at its next ingest."""
        kept = [u for u in files[key]["uids"] if u not in uids]
        if kept:
            files[key] = {"hash": "", "uids": kept}
        else:
            files.pop(key)
            report.released.append(key)

    def add_documents(self, docs: list[Document], source_key: str) -> IngestReport:
        """Index documents that did not come from a file on disk (bench corpora, tests)."""
        start = time.perf_counter()
        report = IngestReport()
        with ingest_lock(self.index.data_dir):
            manifest = Manifest.load(self.index.manifest_path)
            records = [self._record(d) for d in docs]
            new_docs = dict(manifest.docs)
            retired = [(r.uid, manifest.docs[r.uid]["version"]) for r in records if r.uid in manifest.docs]
            for rec in records:
                new_docs[rec.uid] = {"version": rec.version, "path": source_key}
            new_files = dict(manifest.files)
            new_files[source_key] = {"hash": "", "uids": [r.uid for r in records]}
            self._commit(manifest, new_docs, new_files, records, retired)
            report.added = [r.uid for r in records]
            report.chunks_written = sum(len(r.chunks) for r in records)
        report.seconds = time.perf_counter() - start
        return report

    def _record(self, doc: Document) -> DocRecord:
        version = content_version(doc)
        lay = layout(doc)
        chunk_records = [
            ChunkRecord(ch.chunk_id, ch.start, ch.end, ch.section,
                        self.tokenizer.tokenize(doc.title + " " + ch.section + " " + ch.text))
            for ch in chunk_document(doc, version)
        ]
        return DocRecord(doc.uid, version, doc_meta(doc), lay.sentences, chunk_records, roles=lay.roles,
                         block_of=lay.block_of, blocks=lay.blocks)

    def _embed(self, records: list[DocRecord]) -> tuple[list[str], np.ndarray, list[str], list[dict]]:
        """Sentence vectors for each record; a chunk's vector is the mean of its sentences' vectors
        plus its title's, so each sentence is embedded once and the composer reuses them."""
        texts: list[str] = []
        for rec in records:
            texts.append(rec.meta["title"])
            texts.extend(rec.sentences)
        # identical sentences (boilerplate, repeated clauses) are embedded once
        unique = list(dict.fromkeys(texts))
        if unique:
            unique_vecs = encode(self.embedder, unique)
            row_of = {t: i for i, t in enumerate(unique)}
            vectors = unique_vecs[[row_of[t] for t in texts]]
        else:
            vectors = np.zeros((0, 1), dtype=np.float32)
        ids, chunk_vecs, docs, metas = [], [], [], []
        row = 0
        for rec in records:
            title_vec = vectors[row]
            sent = vectors[row + 1 : row + 1 + len(rec.sentences)]
            row += 1 + len(rec.sentences)
            rec.vectors = sent.astype(np.float16)
            for ch in rec.chunks:
                v = sent[ch.start : ch.end].mean(axis=0) + 0.35 * title_vec
                chunk_vecs.append(v / (np.linalg.norm(v) or 1.0))
                ids.append(ch.chunk_id)
                docs.append(rec.chunk_text(ch))
                meta = {"doc_uid": rec.uid, "doc_id": rec.doc_id, "lang": rec.lang, "version": rec.version,
                        "type": rec.meta["type"], "title": rec.meta["title"][:200], "section": ch.section,
                        "sentences": json.dumps(rec.sentences[ch.start : ch.end], ensure_ascii=False)}
                if ch is rec.chunks[0]:
                    # what a replica needs to rebuild this document from the shared store alone
                    meta["doc_meta"] = json.dumps(rec.meta, ensure_ascii=False)
                    meta["doc_layout"] = json.dumps(rec.layout_dict(), ensure_ascii=False)
                    meta["chunk_count"] = len(rec.chunks)
                metas.append(meta)
        matrix = np.vstack(chunk_vecs) if chunk_vecs else np.zeros((0, vectors.shape[1]), dtype=np.float32)
        return ids, matrix, docs, metas

    def _commit(self, manifest: Manifest, new_docs: dict, new_files: dict, new_records: list[DocRecord],
                retired: list[tuple[str, str]]) -> None:
        ids, matrix, texts, metas = self._embed(new_records)
        for rec in new_records:
            rec.save(self.index.docs_dir)
        if ids:
            self.index.store.add(ids, matrix, texts, metas)
        nxt = Manifest(manifest.generation + 1, new_docs, new_files)
        self.index.save_keyword(self._next_keyword(manifest, new_docs, new_records), nxt.generation)
        self.index.save_dense(self._next_dense(new_docs, ids, matrix), nxt.generation)
        nxt.save(self.index.manifest_path)  # commit point
        self.index.store.set_generation(nxt.generation)  # tells replicas sharing the store to resync
        self.index.refresh()
        self._update_lexicon()
        for uid, version in retired:
            if new_docs.get(uid, {}).get("version") == version:
                continue
            DocRecord(uid, version, {}, []).delete_files(self.index.docs_dir)
        self._remove_strays()

    def _next_keyword(self, manifest: Manifest, new_docs: dict, new_records: list[DocRecord]) -> BM25Index:
        """The BM25 index over exactly the chunks of the next manifest: the loaded index updated
        with the changed documents when it is current, else rebuilt from the records."""
        fresh = [(c.chunk_id, c.tokens) for r in new_records for c in r.chunks]
        if self.index.keyword_generation == manifest.generation:
            gone = {c.chunk_id for r in self.index.records.values()
                    if new_docs.get(r.uid, {}).get("version") != r.version for c in r.chunks}
            return self.index.keyword.updated(fresh, gone)
        staged = PolicyIndex(self.index.data_dir, self.index.store)
        staged.records = {r.uid: r for r in self.index.records.values() if new_docs.get(r.uid, {}).get("version") == r.version}
        staged.records.update({r.uid: r for r in new_records})
        for uid in new_docs:
            if uid not in staged.records:
                staged.records[uid] = DocRecord.load(self.index.docs_dir, f"{uid}@{new_docs[uid]['version']}")
        staged.chunks = {c.chunk_id: (rec, c) for rec in staged.records.values() for c in rec.chunks}
        return staged.build_keyword()

    def _next_dense(self, new_docs: dict, ids: list[str], matrix: np.ndarray) -> dict[str, np.ndarray]:
        """Every chunk vector of the next manifest: the new ones, and the kept ones from the loaded
        generation (or, when it has none, from the store)."""
        fresh = set(ids)
        kept: list[str] = []
        for uid, entry in new_docs.items():
            rec = self.index.records.get(uid)
            if rec is None or rec.version != entry["version"]:
                rec = DocRecord.load(self.index.docs_dir, f"{uid}@{entry['version']}")
            kept += [c.chunk_id for c in rec.chunks if c.chunk_id not in fresh]
        loaded = dict(zip(*self.index.dense)) if self.index.dense is not None else {}
        vectors = {cid: loaded[cid] for cid in kept if cid in loaded}
        missing = [cid for cid in kept if cid not in vectors]
        if missing:
            vectors.update(self.index.store.vectors(missing))
        vectors.update(zip(ids, matrix.astype(np.float32)))
        return vectors

    def _update_lexicon(self) -> None:
        """Embed the words the committed index has and the lexicon cache lacks."""
        Lexicon.update(self.index.lexicon_path, self.index.words(), self.embedder)

    def _remove_strays(self) -> None:
        """Delete vectors and record files that no committed manifest entry owns (left by a crash
        or by a replaced version)."""
        live = set(self.index.chunks)
        stray = [cid for cid in self.index.store.all_ids() if cid not in live]
        if stray:
            logger.info("removing %d stale vectors", len(stray))
            self.index.store.delete(stray)
        keep = {f"{u}@{e['version']}" for u, e in self.index.manifest.docs.items()}
        if self.index.docs_dir.exists():
            for f in self.index.docs_dir.iterdir():
                stem = f.name.split(".json")[0].split(".npy")[0]
                if f.name.endswith(".tmp") or stem not in keep:
                    f.unlink(missing_ok=True)


def doc_meta(doc: Document) -> dict[str, Any]:
    """The metadata kept with a document and shown with its citations."""
    return {
        "doc_id": doc.doc_id, "lang": doc.lang, "title": doc.title, "type": doc.type, "path": doc.path,
        "published": doc.published, "effective_from": doc.effective_from, "effective_until": doc.effective_until,
        "superseded_by": doc.superseded_by,
        "confidence": doc.confidence, "topics": doc.topics, "voice": doc.voice, "approx_date": doc.approx_date,
        "date_note": str(doc.extra.get("date_note") or ""),
        "sources": [asdict(s) for s in doc.sources],
        "supersedes": doc.extra.get("supersedes") or [],
        "rests_on": doc.extra.get("rests_on") or [],
    }
