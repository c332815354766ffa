"""Chunking follows the document's blocks: whole blocks per chunk, one section per chunk, every
line in exactly one chunk, ids stable for unchanged text."""

from __future__ import annotations

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.chunk import chunk_document, layout
from assistant.schema import Document
from assistant.lang.text import split_sentences


def _doc(text: str, lang: str = "zh") -> Document:
    return Document(doc_id="d", lang=lang, title="t", text=text, path="d.md")


def test_chinese_sentences_split_on_full_stops_and_semicolons():
    assert split_sentences("半托管由商家定价；平台负责物流。JIT指有订单再发货！对吗？") == [
        "半托管由商家定价；", "平台负责物流。", "JIT指有订单再发货！", "对吗？"]


@pytest.mark.parametrize(("text", "sentences"), [
    ("卖家博客给出以下扣分（可信度中低；没有找到官方积分表）：扣6分。下一句。",
     ["卖家博客给出以下扣分（可信度中低；没有找到官方积分表）：扣6分。", "下一句。"]),
    ("年费改为保证金（约2019年；见公告）。退出时可取回。", ["年费改为保证金（约2019年；见公告）。", "退出时可取回。"]),
    ("规则【旧版；已废止】不再适用；新规则生效。", ["规则【旧版；已废止】不再适用；", "新规则生效。"]),
    ("Fees apply (see the fee page. It is dated 2023). The deposit is separate.",
     ["Fees apply (see the fee page. It is dated 2023).", "The deposit is separate."]),
    ("The rule (announced in May! In force since June) applies to POP. Next.",
     ["The rule (announced in May! In force since June) applies to POP.", "Next."]),
    ("未闭合的括号（不影响；后面照常分句。第二句。", ["未闭合的括号（不影响；", "后面照常分句。", "第二句。"]),
])
def test_a_sentence_never_ends_inside_a_bracket_that_closes_on_its_line(text, sentences):
    assert split_sentences(text) == sentences


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
    chunks = chunk_document(_doc("# 甲\n甲的内容。\n\n# 乙\n乙的内容。"))
    assert [(c.section, c.text) for c in chunks] == [("甲", "甲的内容。"), ("乙", "乙的内容。")]


def test_a_list_stays_in_one_chunk_with_the_line_that_introduces_it():
    text = "# 权益\n\n前言一句。\n\n金牌商家享有以下权益：\n1. 专属对接人\n2. 培训课程\n3. 优先报名\n"
    chunks = chunk_document(_doc(text))
    holding = [c for c in chunks if "专属对接人" in c.text]
    assert len(holding) == 1
    assert "金牌商家享有以下权益：" in holding[0].text and "优先报名" in holding[0].text


def test_a_block_larger_than_a_chunk_is_split_and_each_piece_keeps_its_intro_line():
    items = "\n".join(f"- 第{i}条很长的规则说明，用来把列表撑得比一个分块更大。" for i in range(30))
    chunks = chunk_document(_doc("规则如下：\n" + items))
    assert len(chunks) > 1
    assert all(c.text.startswith("规则如下：") for c in chunks)


sentence = st.text(alphabet="半托管全定价物流仓发商家平台ABCdef0123 ", min_size=1, max_size=40).map(
    lambda s: s.strip() or "句").map(lambda s: s + "。")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(sentence, min_size=1, max_size=8), min_size=1, max_size=8), st.integers(min_value=20, max_value=300))
def test_every_line_lands_in_exactly_one_chunk(paragraphs, limit):
    doc = _doc("\n\n".join("".join(p) for p in paragraphs))
    lay = layout(doc)
    chunks = chunk_document(doc, max_chars=limit)
    covered = [i for c in chunks for i in range(c.start, c.end)]
    assert covered == list(range(len(lay.sentences)))
    assert [s for c in chunks for s in c.sentences] == lay.sentences
    assert len({c.chunk_id for c in chunks}) == len(chunks)
