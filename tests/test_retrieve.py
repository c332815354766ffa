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
    from assistant.retrieve import HybridRetriever

    with pytest.raises(ValueError, match="unknown retrieval mode 'fuzzy'"):
        HybridRetriever(index=assistant.index, embedder=assistant.embedder, tokenizer=assistant.tokenizer,
                        glossary=assistant.glossary, mode="fuzzy")
