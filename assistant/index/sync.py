"""Replicas that share one Chroma server rebuild their local index (document records, keyword
index, manifest) from the collection itself, so any number of app replicas stay stateless: a
replica with an empty data dir, or one that sees a newer generation in the store, resyncs."""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from typing import Callable

from .docstore import ChunkRecord, DocRecord
from .index import Manifest, PolicyIndex

logger = logging.getLogger(__name__)


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
