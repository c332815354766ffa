"""Documents are read the way people write them: headings, lists with the line that introduces
them, question/answer pairs, tables; page boilerplate removed; title and dates from the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ingest.load import load_path
from assistant.ingest.pagetext import clean_page, find_dates
from assistant.ingest.structure import parse_blocks

ROOT = Path(__file__).resolve().parent.parent
FOUND = ROOT / "evals" / "documents"
EXPECTED = json.loads((FOUND / "expected.json").read_text(encoding="utf-8"))


def test_a_numbered_list_under_a_heading_is_one_block_with_its_intro():
    blocks = parse_blocks("# 金牌商家权益\n\n金牌商家享有以下权益：\n1. 专属对接人\n2. 培训课程\n")
    assert [(b.kind, b.section) for b in blocks] == [("list", "金牌商家权益")]
    assert blocks[0].lines == [("intro", "金牌商家享有以下权益："), ("item", "专属对接人"), ("item", "培训课程")]


@pytest.mark.parametrize("text", [
    "1. How long is the handling time?\nAnswer: Up to 7 days.",
    "Q: How long is the handling time?\nA: Up to 7 days.",
    "### How long is the handling time?\n\nUp to 7 days.",
    "How long is the handling time?\n\nUp to 7 days.",
])
def test_faq_pairs_keep_the_question_as_context_and_the_answer_as_content(text):
    blocks = parse_blocks(text)
    assert [b.kind for b in blocks] == ["faq"]
    assert blocks[0].lines == [("question", "How long is the handling time?"), ("answer", "Up to 7 days.")]


def test_chinese_faq_pairs_with_wen_da_prefixes():
    blocks = parse_blocks("问：半托管要整店加入吗？\n答：不需要，按商品报名。")
    assert blocks[0].lines == [("question", "半托管要整店加入吗？"), ("answer", "不需要，按商品报名。")]


def test_table_rows_are_written_with_their_header():
    blocks = parse_blocks("| Lateness | Fine |\n|---|---|\n| up to 48 h | 0.5x price |\n| over 48 h | 1x price |")
    assert blocks[0].kind == "table"
    assert ("row", "Lateness: up to 48 h; Fine: 0.5x price") in blocks[0].lines


def test_a_pdf_line_cut_mid_sentence_joins_the_next_one():
    blocks = parse_blocks("An activity goes live 12 hours after you create it. Once it is live, its products are locked and cannot\nbe edited.", plain=True)
    assert ("body", "Once it is live, its products are locked and cannot be edited.") in blocks[0].lines


def test_boilerplate_lines_are_removed_and_reported():
    text, removed, _ = clean_page("Skip to main content\n首页 > 卖家中心 > 规则\n广告\n加载中…\nHi sellers, welcome!\n"
                                  "分享 | 收藏 | 点赞\nThe rule applies to new items.\n帮我再读一遍\n"
                                  "以上内容对您有帮助吗？  有用 | 没用\nWas this answer helpful?\n")
    assert text == "The rule applies to new items."
    assert {"Skip to main content", "广告", "加载中…", "分享 | 收藏 | 点赞", "帮我再读一遍"} <= set(removed)


@pytest.mark.parametrize("page, heading", [
    ("各位卖家好：\n## 卖家好评率怎么算\n好评率按近180天的评价计算。", "卖家好评率怎么算"),
    ("大家好！\n## 商家好评返现规则\n返现不得以好评为条件。", "商家好评返现规则"),
    ("欢迎来到学习中心\n## 欢迎语设置方法\n在消息设置里填写欢迎语。", "欢迎语设置方法"),
    ("Hi sellers, welcome!\n## Welcome coupons for new buyers\nA store can offer a coupon to first-time buyers.",
     "Welcome coupons for new buyers"),
    ("Hello, sellers\n## Hi-res images are required\nMain images must be at least 800 px wide.", "Hi-res images are required"),
    ("Dear sellers,\n## New seller welcome kit\nThe kit lists the first steps.", "New seller welcome kit"),
])
def test_a_heading_that_opens_like_a_greeting_is_kept_and_the_greeting_dropped(page, heading):
    text, removed, _ = clean_page(page)
    assert f"## {heading}" in text.splitlines()
    assert page.splitlines()[0] in removed


@pytest.mark.parametrize("line,published,effective", [
    ("发布时间：2021年9月2日", "2021-09-02", ""),
    ("Update time: September 2, 2021", "2021-09-02", ""),
    ("Rules team · Published Aug 25, 2020 PT", "2020-08-25", ""),
    ("2024-09-12 14:17", "2024-09-12", ""),
    ("2024/09/12", "2024-09-12", ""),
    ("Published 26 September 2023. The rules are effective from 1 October 2023.", "2023-09-26", "2023-10-01"),
    ("本规则自2024年9月9日起生效。", "", "2024-09-09"),
    ("On 9 September 2024 the platform changed the rule.", "", ""),
])
def test_dates_stated_by_the_page(line, published, effective):
    found = find_dates(["Title", line, "Body text that goes on for a while."])
    assert (found.published, found.effective_from) == (published, effective)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_title_date_and_language_of_pages_as_found(name):
    expected = EXPECTED[name]
    doc = load_path(FOUND / name)[0]
    assert doc.title == expected["title"], doc.removed
    assert (doc.published or "undated") == expected["published"]
    assert doc.lang == expected["lang"]


def test_the_shapes_cover_every_format_and_both_languages():
    suffixes = {Path(n).suffix for n in EXPECTED}
    assert {".txt", ".md", ".html", ".pdf", ".docx"} <= suffixes
    assert {e["lang"] for e in EXPECTED.values()} == {"zh", "en"}
    assert len(EXPECTED) >= 10


def test_a_page_without_a_date_is_undated_not_the_file_date(tmp_path):
    page = tmp_path / "notes.txt"
    page.write_text("Store rules\n\nEvery store may list up to 300 items.\n", encoding="utf-8")
    doc = load_path(page)[0]
    assert doc.published == "" and doc.title == "Store rules"


@pytest.mark.parametrize("page, reply", [
    ("## 常见问题\n活动期间可以改价吗？\n否\n活动开始后商品价格被锁定。", "否"),
    ("**问：海外仓发货要单独报名吗？**\n是\n需要在后台单独申请。", "是"),
    ("### 新店有扶持期吗？\n是的。\n开店前三个月有流量扶持。", "是的。"),
    ("## FAQ\nCan I change the price during a promotion?\nNo\nPrices are locked once it starts.", "No"),
    ("**Q: Do I need a separate listing for each warehouse?**\nYes\nEach warehouse has its own stock.", "Yes"),
    ("### Is the fee refundable?\nNo.\nIt is kept when the store closes.", "No."),
])
def test_a_bare_yes_or_no_under_the_pages_own_question_is_kept(page, reply):
    text, removed, _ = clean_page(page)
    assert reply in text.splitlines()
    assert reply not in removed


def test_the_yes_and_no_buttons_of_a_feedback_widget_are_still_dropped():
    text, removed, _ = clean_page("Returns are accepted within 15 days.\nWas this article helpful?\nYes\nNo\n"
                                  "以上内容对您有帮助吗？\n是\n否")
    assert text == "Returns are accepted within 15 days."
    assert {"Yes", "No", "是", "否"} <= set(removed)
