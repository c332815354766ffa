"""The dense vector store: Chroma, embedded (PersistentClient) or a server (HttpClient)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .embed import ChromaEmbeddingFunction
from ..errors import ConfigError

logger = logging.getLogger(__name__)
BATCH = 2000


class ChromaStore:
    """Chunk vectors in one Chroma collection; we always pass vectors, never Chroma's embedder."""

    def __init__(self, collection: Any, client: Any = None, remote: bool = False) -> None:
        self._col = collection
        self._client = client
        self.remote = remote

    @classmethod
    def open(cls, name: str, path: Path | None = None, url: str | None = None,
             embedding_function: ChromaEmbeddingFunction | None = None) -> "ChromaStore":
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if url:
            parsed = urlparse(url if "://" in url else f"http://{url}")
            if not parsed.hostname:
                raise ConfigError(f"ASSISTANT_CHROMA_URL '{url}' is not a URL like http://127.0.0.1:8000")
            try:
                client = chromadb.HttpClient(host=parsed.hostname, port=parsed.port or 8000,
                                             ssl=parsed.scheme == "https", settings=chroma_settings)
                client.heartbeat()
            except Exception as exc:
                raise ConfigError(f"cannot reach the Chroma server at {url}: {exc}") from exc
        else:
            if path is None:
                raise ConfigError("embedded Chroma needs a path")
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        with warnings.catch_warnings():
            # chromadb cannot rebuild our embedding function from its stored config; we always pass it
            warnings.filterwarnings("ignore", message="Could not reconstruct embedding function")
            collection = client.get_or_create_collection(
                name, embedding_function=embedding_function, configuration={"hnsw": {"space": "cosine"}}
            )
        return cls(collection, client, remote=bool(url))

    def generation(self) -> int:
        """The manifest generation last committed into this collection (0 if never), read fresh
        from the server so a replica sees another writer's commit."""
        col = self._col
        if self._client is not None:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Could not reconstruct embedding function")
                col = self._client.get_collection(self._col.name)
        return int((col.metadata or {}).get("generation", 0))

    def set_generation(self, generation: int) -> None:
        meta = {k: v for k, v in (self._col.metadata or {}).items() if not k.startswith("hnsw:")}
        meta["generation"] = generation
        self._col.modify(metadata=meta)

    def fetch_all(self, batch: int = 5000):
        """Every chunk's id, text and metadata, page by page (for rebuilding a replica)."""
        offset = 0
        while True:
            got = self._col.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            if not got["ids"]:
                return
            yield from zip(got["ids"], got["documents"], got["metadatas"])
            if len(got["ids"]) < batch:
                return
            offset += len(got["ids"])

    def count(self) -> int:
        return self._col.count()

    def add(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metas: Sequence[dict[str, Any]]) -> None:
        for i in range(0, len(ids), BATCH):
            self._col.upsert(ids=list(ids[i : i + BATCH]), embeddings=vectors[i : i + BATCH].astype(np.float32),
                             documents=list(texts[i : i + BATCH]), metadatas=list(metas[i : i + BATCH]))

    def delete(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), BATCH):
            self._col.delete(ids=list(ids[i : i + BATCH]))

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks (those it has)."""
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), BATCH):
            got = self._col.get(ids=list(ids[i : i + BATCH]), include=["embeddings"])
            out.update({cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"])})
        return out

    def all_ids(self) -> list[str]:
        ids: list[str] = []
        offset = 0
        while True:
            got = self._col.get(include=[], limit=5000, offset=offset)["ids"]
            ids.extend(got)
            if len(got) < 5000:
                return ids
            offset += len(got)

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) for the k nearest chunks (fewer when the collection
        holds fewer: Chroma answers with what it has, so no count is needed per question)."""
        res = self._col.query(query_embeddings=[vector.astype(np.float32)], n_results=k, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]
