"""Chunking keeps whole sentences, overlaps by one sentence and gives stable ids."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunk import OVERLAP_SENTENCES, chunk_document
from assistant.schema import Document
from assistant.text import split_sentences


def _doc(text: str, lang: str = "zh") -> Document:
    return Document(doc_id="d", lang=lang, title="t", text=text, path="d.md")


def test_chinese_sentences_split_on_full_stops_and_semicolons():
    assert split_sentences("半托管由商家定价；平台负责物流。JIT指有订单再发货！对吗？") == [
        "半托管由商家定价；", "平台负责物流。", "JIT指有订单再发货！", "对吗？"]


def test_english_split_keeps_decimals_and_abbreviations():
    text = "Revenue was RMB 28.5 bn in 2023. Choice grew, e.g. in Spain. Next!"
    assert split_sentences(text) == ["Revenue was RMB 28.5 bn in 2023.", "Choice grew, e.g. in Spain.", "Next!"]


def test_chunk_ids_are_stable_and_change_with_content():
    text = "第一句。第二句。" * 60
    a = [c.chunk_id for c in chunk_document(_doc(text))]
    b = [c.chunk_id for c in chunk_document(_doc(text))]
    c = [c.chunk_id for c in chunk_document(_doc(text + "新增一句。"))]
    assert a == b
    assert a[0].startswith("d.zh:") and a[0].endswith(":0")
    assert a[0] != c[0]


def test_sections_are_not_mixed():
    chunks = chunk_document(_doc("# 甲\n甲的内容。\n# 乙\n乙的内容。"))
    assert [(c.section, c.text) for c in chunks] == [("甲", "甲的内容。"), ("乙", "乙的内容。")]


sentence = st.text(alphabet="半托管全定价物流仓发商家平台ABCdef0123 ", min_size=1, max_size=40).map(
    lambda s: s.strip() or "句") .map(lambda s: s + "。")


@settings(max_examples=60, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=40), st.integers(min_value=20, max_value=300))
def test_no_sentence_lost_or_duplicated_beyond_the_overlap(sentences, limit):
    doc = _doc("".join(sentences))
    expected = split_sentences(doc.text)
    chunks = chunk_document(doc, max_chars=limit)
    rebuilt = list(chunks[0].sentences)
    for prev, cur in zip(chunks, chunks[1:]):
        # the contract: a chunk repeats the last OVERLAP sentences of the previous one, unless the
        # previous chunk is no longer than the overlap (then the window must move on)
        shared = OVERLAP_SENTENCES if len(prev.sentences) > OVERLAP_SENTENCES else 0
        assert cur.sentences[:shared] == prev.sentences[len(prev.sentences) - shared:]
        rebuilt.extend(cur.sentences[shared:])
    assert rebuilt == expected
    assert len({c.chunk_id for c in chunks}) == len(chunks)
