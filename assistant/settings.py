"""The one settings object. Built once at the edge (CLI, server) and passed down."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPOSITORY_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def default_corpus_dir() -> Path:
    """``corpus`` in the working directory, else the repository's own beside this package, so
    ``assistant serve --ingest`` run from elsewhere in a checkout still finds it; an installed
    package has none, and the command that needs it says so."""
    here = Path("corpus")
    if here.is_dir() or not REPOSITORY_CORPUS.is_dir():
        return here
    return REPOSITORY_CORPUS


class Settings(BaseSettings):
    """Every knob the assistant has; each can be set as an ``ASSISTANT_<NAME>`` env var."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid")

    data_dir: Path = Field(Path(".assistant"), description="Index, keyword index, feedback and reports.")
    corpus_dir: Path = Field(default_factory=default_corpus_dir,
                             description="Default documents for `assistant ingest` (./corpus, else the repository's).")
    embedder: str = Field(
        "use",
        description="'use' (multilingual USE, offline) or a sentence-transformers model name or path; "
        "'minilm' is the bundled English MiniLM.",
    )
    chroma_url: str | None = Field(None, description="Chroma server URL (http://host:port); unset = embedded.")
    collection: str = Field("policy", description="Chroma collection name.")
    sync_interval_s: float = Field(2.0, ge=0, description="How often a replica checks the shared Chroma server for a newer index.")
    threads: int = Field(1, ge=1, le=64, description="BLAS / torch threads for embedding.")
    top_k: int = Field(8, ge=1, le=50, description="Passages handed to the composer.")
    retriever: Literal["hybrid", "dense", "keyword"] = Field("hybrid", description="Retrieval mode.")
    use_glossary: bool = Field(True, description="Glossary tokenizer dictionary and query expansion.")
    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are refused at ingest.")
    max_question_chars: int = Field(4000, ge=10, description="Longer questions are truncated (with a note).")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint; unset = extractive only.")
    llm_model: str = Field("gpt-4o-mini", description="Model name sent to the LLM endpoint.")
    llm_api_key: str | None = Field(None, description="API key for the LLM endpoint.")
    llm_timeout_s: float = Field(20.0, gt=0, description="LLM call timeout; on expiry the extractive answer is used.")
    admin_token: str | None = Field(None, description="Token for uploads and deletes; unset = uploads off.")
    host: str = Field("127.0.0.1", description="Bind address for `assistant serve`.")
    port: int = Field(7860, ge=1, le=65535, description="Port for `assistant serve`.")
    max_request_kb: int = Field(25_000, ge=1, description="Largest request body the API accepts.")
    today: dt.date | None = Field(None, description="The date taken as today (YYYY-MM-DD) for what is in force; "
                                  "unset = the system date.")

    @field_validator("embedder")
    @classmethod
    def _embedder_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("embedder must be 'use', 'minilm' or a sentence-transformers model name/path")
        return value.strip()

    def today_date(self) -> dt.date:
        """Today, as the engine counts it: a rule is upcoming, in force or expired against this."""
        return self.today or dt.date.today()

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"
