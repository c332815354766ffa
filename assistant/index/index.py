"""The searchable index: a manifest (the commit point), document records, the Chroma store and
the BM25 keyword index, always describing the same set of chunks.

Data dir layout::

    manifest.json        active documents and the files they came from (written last, atomically)
    docs/<uid>@<ver>.*   document records: sentences, chunk layout, tokens, sentence vectors
    keyword.pkl          BM25 over the active chunks, stamped with the manifest generation
    lexicon.npz          the indexed words' meaning vectors (a cache: see assistant.lexicon)
    cache/               the embedder's loaded state, for faster starts (see assistant.embed)
    chroma/              embedded Chroma (absent with ASSISTANT_CHROMA_URL)
"""

from __future__ import annotations

import json
import logging
import pickle
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .docstore import ChunkRecord, DocRecord, atomic_write_json
from .keyword import BM25Index
from .store import ChromaStore

EXACT_SEARCH_MAX = 50_000  # chunks: up to this many, an exact search in memory beats the store's

logger = logging.getLogger(__name__)


@dataclass
class Manifest:
    generation: int = 0
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)  # uid -> {version, path}
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> {hash, uids}

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data.get("generation", 0), data.get("docs", {}), data.get("files", {}))

    def save(self, path: Path) -> None:
        atomic_write_json(path, {"generation": self.generation, "docs": self.docs, "files": self.files})


class PolicyIndex:
    """Read side of the index; :mod:`assistant.ingest` is the write side.

    Args:
        data_dir: where the manifest, records and keyword index live.
        store: the dense store (embedded or server Chroma).
    """

    def __init__(self, data_dir: Path, store: ChromaStore) -> None:
        self.data_dir = Path(data_dir)
        self.store = store
        self.records: dict[str, DocRecord] = {}
        self.chunks: dict[str, tuple[DocRecord, ChunkRecord]] = {}
        self.keyword = BM25Index.build([])
        self.keyword_generation = -1
        self.manifest = Manifest()
        self._loaded_generation = -1
        self.superseded_by: dict[str, str] = {}
        self.effective: dict[str, tuple[str, str]] = {}  # doc_id -> (effective_from, effective_until)
        # every chunk's vector, for an exact search in memory (a small index: faster than the
        # store's approximate one); None: the store answers
        self.dense: tuple[list[str], np.ndarray] | None = None
        # replicas sharing a Chroma server: how to tokenise when rebuilding, how often to look
        self.tokenize: Callable[[str], list[str]] | None = None
        self.sync_interval_s = 2.0
        self._next_remote_check = 0.0
        self._manifest_stamp: tuple[int, int] | None = None

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def docs_dir(self) -> Path:
        return self.data_dir / "docs"

    @property
    def keyword_path(self) -> Path:
        return self.data_dir / "keyword.pkl"

    @property
    def dense_path(self) -> Path:
        return self.data_dir / "dense.npz"

    @property
    def lexicon_path(self) -> Path:
        return self.data_dir / "lexicon.npz"

    def refresh(self) -> bool:
        """Reload if another process (or an upload) committed a newer manifest. True if reloaded.

        With a shared Chroma server, a newer generation in the store (another replica ingested)
        first rebuilds this replica's local records from the store."""
        if self.store.remote and self.tokenize is not None and time.monotonic() >= self._next_remote_check:
            self._next_remote_check = time.monotonic() + self.sync_interval_s
            local = Manifest.load(self.manifest_path).generation
            if self.store.generation() != local:
                sync_from_store(self, self.tokenize)
        try:
            st = self.manifest_path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp is not None and stamp == self._manifest_stamp:
            return False  # unchanged file: no parse on the per-question path
        manifest = Manifest.load(self.manifest_path)
        self._manifest_stamp = stamp
        if manifest.generation == self._loaded_generation:
            return False
        self._load(manifest)
        return True

    def replaced(self, doc_id: str, today: str) -> str:
        """The document that has replaced ``doc_id`` by ``today`` (ISO), or "": a newer rule that
        is announced but not yet in effect leaves the old one in force until its date."""
        newer = self.superseded_by.get(doc_id, "")
        return newer if newer and self.effective.get(newer, ("", ""))[0] <= today else ""

    def _load(self, manifest: Manifest) -> None:
        records: dict[str, DocRecord] = {}
        for uid, entry in manifest.docs.items():
            stem = f"{uid}@{entry['version']}"
            old = self.records.get(uid)
            records[uid] = old if old is not None and old.version == entry["version"] else DocRecord.load(self.docs_dir, stem)
        self.records = records
        self.chunks = {c.chunk_id: (rec, c) for rec in records.values() for c in rec.chunks}
        self.keyword = self._load_keyword(manifest.generation)
        self.keyword_generation = manifest.generation
        self.dense = self._load_dense(manifest.generation)
        self.manifest = manifest
        self._loaded_generation = manifest.generation
        self.superseded_by = derive_superseded(records.values())
        self.effective = {rec.doc_id: (str(rec.meta.get("effective_from") or ""), str(rec.meta.get("effective_until") or ""))
                          for rec in records.values()}
        logger.info("index loaded: %d documents, %d chunks (generation %d)", len(records), len(self.chunks), manifest.generation)

    def _load_keyword(self, generation: int) -> BM25Index:
        path = self.keyword_path
        if path.exists():
            try:
                with path.open("rb") as fh:
                    stamp = pickle.load(fh)  # noqa: S301 - our own file
                if stamp.get("generation") == generation:
                    return BM25Index(stamp["ids"], stamp["postings"], stamp["doc_len"])
            except Exception:  # a torn or foreign file: rebuild from the records
                logger.warning("keyword index unreadable; rebuilding from document records")
        return self.build_keyword()

    def _load_dense(self, generation: int) -> tuple[list[str], np.ndarray] | None:
        """The chunk vectors written with this generation, when they are exactly its chunks."""
        try:
            with np.load(self.dense_path) as data:
                if int(data["generation"]) != generation:
                    return None
                ids, matrix = [str(i) for i in data["ids"]], np.asarray(data["vectors"], dtype=np.float32)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):  # none yet, torn or foreign: the store answers
            return None
        return (ids, matrix) if len(ids) == len(self.chunks) and set(ids) == set(self.chunks) else None

    def save_dense(self, vectors: dict[str, np.ndarray], generation: int) -> None:
        """Write the chunk vectors of a generation (or remove the file when the index is too large
        for an exact search to be the faster one)."""
        if not vectors or len(vectors) > EXACT_SEARCH_MAX:
            self.dense_path.unlink(missing_ok=True)
            return
        ids = list(vectors)
        tmp = self.data_dir / "dense.tmp.npz"
        np.savez(tmp, generation=generation, ids=np.array(ids), vectors=np.vstack([vectors[i] for i in ids]).astype(np.float32))
        tmp.replace(self.dense_path)

    def build_keyword(self) -> BM25Index:
        def pairs():
            for rec in {id(r): r for r, _ in self.chunks.values()}.values():
                yield from zip((c.chunk_id for c in rec.chunks), rec.chunk_tokens(self.docs_dir))

        return BM25Index.build(pairs())

    def save_keyword(self, index: BM25Index, generation: int) -> None:
        tmp = self.keyword_path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"generation": generation, "ids": index.ids, "postings": index.postings,
                         "doc_len": index.doc_len}, fh, protocol=5)
        tmp.replace(self.keyword_path)

    def latin_words(self) -> dict[str, int]:
        """Every Latin-script word of the indexed sentences with its count (for spelling
        correction), computed once per loaded generation."""
        if getattr(self, "_words_generation", None) != self._loaded_generation:
            import re
            from collections import Counter

            counts: Counter[str] = Counter()
            for rec in self.records.values():
                for sentence in rec.sentences:
                    counts.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", sentence))
            self._words, self._words_generation = dict(counts), self._loaded_generation
        return self._words

    def words(self) -> list[str]:
        """The words of the indexed text: Latin words as written and the keyword tokens (for
        Chinese, dictionary words)."""
        return [*self.latin_words(), *self.keyword.postings]

    def has_lang(self, doc_id: str, lang: str) -> bool:
        """Whether the document exists in ``lang`` (so its other-language version yields to it)."""
        return f"{doc_id}.{lang}" in self.records

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Nearest chunks that belong to the committed manifest (stray vectors from an interrupted
        ingest are ignored until the next ingest removes them)."""
        if self.dense is not None:
            ids, matrix = self.dense
            sims = matrix @ vector.astype(np.float32)
            top = np.argpartition(-sims, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
            return [(ids[i], float(sims[i])) for i in top[np.argsort(-sims[top])]]
        hits = self.store.query(vector, k + 8)
        return [(cid, s) for cid, s in hits if cid in self.chunks][:k]

    def keyword_search(self, tokens: list[str], k: int, weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
        return self.keyword.search(tokens, k, weights)


def derive_superseded(records) -> dict[str, str]:
    """doc_id -> the id that replaces it, from either side: ``superseded_by`` on the old document
    or ``supersedes`` on the new one (so an uploaded notice can retire an old rule)."""
    out: dict[str, str] = {}
    for rec in records:
        if rec.meta.get("superseded_by"):
            out[rec.doc_id] = rec.meta["superseded_by"]
        extra = rec.meta.get("supersedes") or []
        for old in [extra] if isinstance(extra, str) else extra:
            out.setdefault(str(old), rec.doc_id)
    return out

# ---- replicas ---------------------------------------------------------------------------------
# Replicas that share one Chroma server rebuild their local index (document records, keyword
# index, manifest) from the collection itself, so any number of app replicas stay stateless: a
# replica with an empty data dir, or one that sees a newer generation in the store, resyncs.

def sync_from_store(index: PolicyIndex, tokenize: Callable[[str], list[str]]) -> int:
    """Rebuild local records from the shared store; returns the generation now loaded."""
    started = time.perf_counter()
    generation = index.store.generation()
    rows: dict[str, list[tuple[int, str, dict]]] = defaultdict(list)
    for chunk_id, _text, meta in index.store.fetch_all():
        ordinal = int(chunk_id.rsplit(":", 1)[1])
        rows[meta["doc_uid"]].append((ordinal, chunk_id, meta))
    records: dict[str, DocRecord] = {}
    for uid, chunks in rows.items():
        chunks.sort()
        first = chunks[0][2]
        if "doc_meta" not in first or first.get("chunk_count") != len(chunks):
            logger.warning("skipping %s: incomplete in the store (an ingest in progress?)", uid)
            continue
        doc_meta = json.loads(first["doc_meta"])
        sentences: list[str] = []
        chunk_records: list[ChunkRecord] = []
        for _ordinal, chunk_id, meta in chunks:
            chunk_sentences = json.loads(meta["sentences"])
            sep = " " if doc_meta["lang"] == "en" else ""
            tokens = tokenize(doc_meta["title"] + " " + meta.get("section", "") + " " + sep.join(chunk_sentences))
            chunk_records.append(ChunkRecord(chunk_id, len(sentences), len(sentences) + len(chunk_sentences),
                                             meta.get("section", ""), tokens))
            sentences.extend(chunk_sentences)
        lay = json.loads(first.get("doc_layout") or "{}")
        records[uid] = DocRecord(uid, first["version"], doc_meta, sentences, chunk_records,
                                 roles=lay.get("roles") or ["body"] * len(sentences),
                                 block_of=lay.get("block_of") or list(range(len(sentences))),
                                 blocks=lay.get("blocks") or [{"kind": "paragraph", "section": ""}] * len(sentences))
    index.docs_dir.mkdir(parents=True, exist_ok=True)
    for rec in records.values():
        rec.save(index.docs_dir)  # no sentence vectors: the composer embeds them on first use
    manifest = Manifest(generation, {u: {"version": r.version, "path": r.meta.get("path", "")} for u, r in records.items()}, {})
    staged = PolicyIndex(index.data_dir, index.store)
    staged.chunks = {c.chunk_id: (r, c) for r in records.values() for c in r.chunks}
    index.save_keyword(staged.build_keyword(), generation)
    manifest.save(index.manifest_path)
    logger.info("replica synced %d documents (generation %d) in %.1fs", len(records), generation,
                time.perf_counter() - started)
    return generation
