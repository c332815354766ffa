"""Per-document records on disk: metadata, sentences, chunk layout, keyword tokens and sentence
vectors. They let the composer score sentences without re-embedding them per question, and let
the keyword index be rebuilt without re-tokenising."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .schema import Document


@dataclass
class ChunkRecord:
    chunk_id: str
    start: int  # first sentence index in the document
    end: int  # one past the last sentence
    section: str
    tokens: list[str] | None  # None once loaded: kept on disk, read back only to rebuild BM25


@dataclass
class DocRecord:
    uid: str
    version: str
    meta: dict[str, Any]
    sentences: list[str]
    chunks: list[ChunkRecord] = field(default_factory=list)
    vectors: np.ndarray | None = None  # float16, one row per sentence
    vectors_file: Path | None = None  # where they are on disk, mapped in on first use

    @property
    def doc_id(self) -> str:
        return self.meta["doc_id"]

    @property
    def lang(self) -> str:
        return self.meta["lang"]

    def chunk_text(self, chunk: ChunkRecord) -> str:
        sep = " " if self.lang == "en" else ""
        return sep.join(self.sentences[chunk.start : chunk.end])

    def file_stem(self) -> str:
        return f"{self.uid}@{self.version}"

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        body = {"uid": self.uid, "version": self.version, "meta": self.meta, "sentences": self.sentences,
                "chunks": [asdict(c) for c in self.chunks]}
        _atomic_write_bytes(directory / f"{self.file_stem()}.json", json.dumps(body, ensure_ascii=False).encode())
        if self.vectors is not None:
            tmp = directory / f"{self.file_stem()}.npy.tmp"
            with tmp.open("wb") as fh:
                np.save(fh, self.vectors.astype(np.float16))
            tmp.replace(directory / f"{self.file_stem()}.npy")

    @classmethod
    def load(cls, directory: Path, stem: str) -> "DocRecord":
        """Metadata, sentences and chunk layout; the sentence vectors stay on disk until
        :meth:`sentence_vectors` is called (most documents are never quoted)."""
        body = json.loads((directory / f"{stem}.json").read_text(encoding="utf-8"))
        npy = directory / f"{stem}.npy"
        chunks = [ChunkRecord(c["chunk_id"], c["start"], c["end"], c["section"], None) for c in body["chunks"]]
        return cls(body["uid"], body["version"], body["meta"], body["sentences"], chunks, None,
                   npy if npy.exists() else None)

    def chunk_tokens(self, directory: Path) -> list[list[str]]:
        """Keyword tokens of every chunk: from memory for a fresh record, else from its file."""
        if all(c.tokens is not None for c in self.chunks):
            return [c.tokens for c in self.chunks]  # type: ignore[misc]
        body = json.loads((directory / f"{self.file_stem()}.json").read_text(encoding="utf-8"))
        return [c["tokens"] for c in body["chunks"]]

    def sentence_vectors(self) -> np.ndarray | None:
        if self.vectors is None and self.vectors_file is not None:
            try:
                self.vectors = np.load(self.vectors_file, mmap_mode="r")
            except OSError:  # replaced by a newer ingest meanwhile; the caller re-embeds
                self.vectors_file = None
        return self.vectors

    def delete_files(self, directory: Path) -> None:
        for suffix in (".json", ".npy"):
            (directory / f"{self.file_stem()}{suffix}").unlink(missing_ok=True)


def doc_meta(doc: Document) -> dict[str, Any]:
    """The metadata kept with a document and shown with its citations."""
    return {
        "doc_id": doc.doc_id, "lang": doc.lang, "title": doc.title, "type": doc.type, "path": doc.path,
        "published": doc.published, "effective_from": doc.effective_from, "superseded_by": doc.superseded_by,
        "confidence": doc.confidence, "topics": doc.topics,
        "sources": [asdict(s) for s in doc.sources],
        "supersedes": doc.extra.get("supersedes") or [],
        "rests_on": doc.extra.get("rests_on") or [],
    }


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
    tmp.replace(path)


def atomic_write_json(path: Path, obj: Any) -> None:
    _atomic_write_bytes(path, json.dumps(obj, ensure_ascii=False, indent=1).encode())
