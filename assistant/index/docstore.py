"""Per-document records on disk: metadata, sentences, chunk layout, keyword tokens and sentence
vectors. They let the composer score sentences without re-embedding them per question, and let
the keyword index be rebuilt without re-tokenising."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np



@dataclass
class ChunkRecord:
    chunk_id: str
    start: int  # first sentence index in the document
    end: int  # one past the last sentence
    section: str
    tokens: list[str] | None  # None once loaded: kept on disk, read back only to rebuild BM25


@dataclass
class DocRecord:
    """A document as the answer side reads it: its lines (``sentences``) in reading order, each
    with its role (body, item, answer, or a context line: intro, question, header) and block;
    ``blocks`` gives each block's kind and section."""

    uid: str
    version: str
    meta: dict[str, Any]
    sentences: list[str]
    chunks: list[ChunkRecord] = field(default_factory=list)
    vectors: np.ndarray | None = None  # float16, one row per sentence
    vectors_file: Path | None = None  # where they are on disk, mapped in on first use
    roles: list[str] = field(default_factory=list)
    block_of: list[int] = field(default_factory=list)
    blocks: list[dict[str, str]] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.meta["doc_id"]

    @property
    def lang(self) -> str:
        return self.meta["lang"]

    def chunk_text(self, chunk: ChunkRecord) -> str:
        sep = " " if self.lang == "en" else ""
        return sep.join(self.sentences[chunk.start : chunk.end])

    def block_lines(self, block: int) -> range:
        """The layout positions of one block's lines."""
        first = self.block_of.index(block)
        last = first
        while last + 1 < len(self.block_of) and self.block_of[last + 1] == block:
            last += 1
        return range(first, last + 1)

    def file_stem(self) -> str:
        return f"{self.uid}@{self.version}"

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        body = {"uid": self.uid, "version": self.version, "meta": self.meta, "sentences": self.sentences,
                "chunks": [asdict(c) for c in self.chunks], **self.layout_dict()}
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
                   npy if npy.exists() else None, body.get("roles") or ["body"] * len(body["sentences"]),
                   body.get("block_of") or list(range(len(body["sentences"]))),
                   body.get("blocks") or [{"kind": "paragraph", "section": ""}] * len(body["sentences"]))

    def layout_dict(self) -> dict[str, Any]:
        return {"roles": self.roles, "block_of": self.block_of, "blocks": self.blocks}

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


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
    tmp.replace(path)


def atomic_write_json(path: Path, obj: Any) -> None:
    _atomic_write_bytes(path, json.dumps(obj, ensure_ascii=False, indent=1).encode())
