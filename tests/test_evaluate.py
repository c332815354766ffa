"""The strict eval: answers are scored as a seller reads them (key facts in the body, a refusal
only when it leads, the key fact first), redundancy is caught, and the gate fails on the moves
that matter. Grading tests build answers by hand; one integration test runs the CLI."""

from __future__ import annotations

import json

import pytest

from assistant.errors import AssistantError
from assistant.eval.evaluate import baseline_of, compare, select_sets, summarise
from assistant.schema import Answer, Citation
from assistant.eval.score import (
    Point,
    Response,
    answer_first,
    body_of,
    calibration,
    grade,
    leads_of,
    points_of,
    quote_in_document,
    redundant_pair,
    refusal_leads,
    says_not_covered,
)

DOC_ZH = "半托管是速卖通面向POP商家的物流升级服务。\n商家自己定零售价，平台依托菜鸟负责跨境物流。"
DOC_EN = "Under semi-managed, the seller sets the retail price.\nThe platform handles logistics through Cainiao."


class FakeDocuments:
    """Documents by id, as the eval loads them from their files."""

    def __init__(self, texts: dict[str, str], dates: dict[str, str] | None = None) -> None:
        self.texts, self.date_text = texts, dates or {}

    def text(self, doc_id: str, lang: str) -> str:
        return self.texts.get(doc_id, "")

    def dates(self, doc_id: str, lang: str) -> str:
        return self.date_text.get(doc_id, "")


DOCS = FakeDocuments({"semi-zh": DOC_ZH, "semi-en": DOC_EN})


def item(answerable: bool = True, must_include: list[str] | None = None, lang: str = "en", **extra) -> dict:
    return {"id": extra.pop("id", "q-1"), "question": extra.pop("question", "Who sets the price under semi-managed?"),
            "lang": lang, "type": "fact", "answerable": answerable, "must_include": must_include or [],
            "must_not_include": extra.pop("must_not_include", []), **extra}


def answer(text: str, lang: str = "en", refused: bool = False, citations: list[Citation] | None = None,
           confidence: float = 0.8) -> Answer:
    return Answer(question="q", lang=lang, answer=text, refused=refused, confidence=confidence,
                  citations=citations or [])


def cite(n: int, quote: str, doc_id: str = "semi-en", lang: str = "en") -> Citation:
    return Citation(n=n, doc_id=doc_id, title="Semi-managed", quote=quote, lang=lang)


def graded(it: dict, ans: Answer, docs=DOCS):
    return grade(it, Response.from_answer(ans), docs, "test")


SOURCES_EN = "\n\n**Sources**\n\n[1] Semi-managed (Test, 2026-11-01)\n    > Under semi-managed, the seller sets the retail price."


# ---- the three answers of the issue ------------------------------------------------------------

def test_key_fact_only_in_the_sources_list_is_wrong():
    ans = answer("The platform handles logistics through Cainiao. [1]" + SOURCES_EN,
                 citations=[cite(1, "The platform handles logistics through Cainiao.")])
    row = graded(item(must_include=["seller sets the retail price"]), ans)
    assert not row.correct
    assert row.reason == "key fact only in the sources list: seller sets the retail price"


def test_key_fact_buried_in_the_fourth_bullet_is_correct_but_not_answer_first():
    text = ("Semi-managed is a logistics upgrade for POP sellers. [1]\n\n"
            "- The platform handles logistics through Cainiao. [1]\n"
            "- Cross-border shipping relies on Cainiao. [1]\n"
            "- Warehousing is provided by the platform. [1]\n"
            "- Under semi-managed, the seller sets the retail price. [1]" + SOURCES_EN)
    row = graded(item(must_include=["seller sets the retail price"]), answer(text, citations=[cite(1, "x")]))
    assert row.correct
    assert row.answer_first is False
    assert row.reason == "key fact only outside the lead"


def test_refusal_in_a_side_bullet_is_an_irrelevant_answer_not_a_refusal():
    text = ("直通车是速卖通的一种推广工具。 [1]\n\n"
            "- 商家可以给商品出价。 [1]\n"
            "- 知识库中没有直通车收费标准的资料。")
    it = item(answerable=False, lang="zh", question="速卖通直通车怎么收费？")
    row = graded(it, answer(text, lang="zh", citations=[cite(1, "x", "semi-zh", "zh")]))
    assert not row.refusal_leads and row.answered
    assert not row.correct
    assert row.reason == "answered an unanswerable question"
    assert summarise([row])["irrelevant_answer_rate"] == 1.0


# ---- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lead", [
    "抱歉，知识库中没有可以回答这个问题的可靠信息，我不能给出确切答案。",
    "这个问题的答案在现有公开资料中没有披露，知识库里也没有。",
    "知识库里没有直通车收费的资料。",
    "这个问题不在本知识库范围内。",
    "Sorry, the knowledge base has no reliable information that answers this question.",
    "The knowledge base doesn't cover paid ads on AliExpress.",
    "This has not been published in the sources the knowledge base is built from.",
    "The commission rate is not public.",
    "半托管集货仓的地址和截单时间都不在现有来源中。",
    "全托管方面，退货商品归谁、退仓要付多少费用，现有来源都没有说明。",
    "The addresses of the consolidation warehouses are not in our sources.",
])
def test_a_lead_that_says_not_covered_is_a_refusal(lead):
    assert says_not_covered(lead)
    assert refusal_leads(lead + " [1]\n\n- A related fact. [1]")


@pytest.mark.parametrize("lead", [
    "Under semi-managed, the seller sets the retail price.",
    "JIT lets the seller ship only once an order exists, without stocking a warehouse.",
    "半托管模式下，零售价由商家自己定。",
    "The seller does not have to stock a platform warehouse.",
    "春节期间的订单不在考核范围内。",
    "Late shipments are not covered by buyer protection.",
])
def test_an_ordinary_lead_is_not_a_refusal(lead):
    assert not says_not_covered(lead)
    assert not refusal_leads(lead)


def test_a_caveat_after_the_lead_sentence_is_not_a_refusal():
    caveat = ("The seller enters a bare price for each SKU, while the platform keeps the retail-price lists; "
              "how these are combined is not stated in our sources. [1]")
    assert not refusal_leads(caveat)
    assert refusal_leads("Sorry. The knowledge base has no reliable information on this. [1]")
    assert refusal_leads("分层的具体规则在现有来源中没有公开。 [1] 亿邦把分层列为双轨驱动的信号之一。 [2]")


def test_refused_flag_and_not_covered_verdict_are_refusals_whatever_the_text():
    it = item(answerable=False)
    assert graded(it, answer("Here is something related.", refused=True)).correct
    assert grade(it, Response("Here is something related.", "en", verdict="not_covered"), DOCS).correct
    assert not graded(it, answer("Here is something related.")).correct


def test_a_refusing_lead_scores_an_unanswerable_item_correct_and_an_answerable_one_wrong():
    text = "Sorry, the knowledge base has no reliable information that answers this question.\n\n- The seller sets the retail price."
    assert graded(item(answerable=False), answer(text)).correct
    wrong = graded(item(must_include=["seller sets the retail price"]), answer(text))
    assert not wrong.correct and wrong.reason == "refused an answerable question"


def test_a_lead_that_states_the_key_fact_with_a_caveat_is_an_answer():
    text = "The full list of the 14 countries covered by 5-day delivery is not public. [1]"
    row = graded(item(must_include=["14 countries"]), answer(text, citations=[cite(1, "x")]))
    assert not row.refusal_leads and row.correct and row.answer_first


# ---- the lead ------------------------------------------------------------------------------------

def test_a_table_introduced_by_the_lead_counts_as_the_lead():
    text = ("The main differences are in the table below:\n\n"
            "| Aspect | POP | semi-managed |\n|---|---|---|\n"
            "| Who sets the price | The seller [1] | The seller sets the retail price [1] |\n\n"
            "- Semi-managed is a logistics upgrade. [1]" + SOURCES_EN)
    assert answer_first(body_of(text), ["seller sets the retail price"])
    zh = "主要区别见下表（每格注明出处）：\n\n| 方面 | POP | 半托管 |\n|---|---|---|\n| 谁定价 | 商家 [1] | 商家自己定 [1] |"
    assert answer_first(zh, ["商家自己定"])


def test_a_list_not_introduced_by_the_lead_is_not_the_lead():
    text = "Semi-managed is a logistics upgrade.\n\n- Under semi-managed, the seller sets the retail price."
    assert not answer_first(text, ["seller sets the retail price"])
    introduced = "Two things matter:\n\n- Under semi-managed, the seller sets the retail price."
    assert answer_first(introduced, ["seller sets the retail price"])


MULTI = ("**1. 半托管谁定价？**\n\n{lead1}\n\n- 速卖通半托管是物流升级服务。 [1]\n\n"
         "**2. 谁负责物流？**\n\n{lead2}\n\n- 其他说明。 [1]")


def test_multi_part_answers_have_a_lead_per_part():
    good = MULTI.format(lead1="零售价由商家自己定。 [1]", lead2="平台依托菜鸟负责跨境物流。 [1]")
    assert [lead.text for lead in leads_of(good)] == ["零售价由商家自己定。 [1]", "平台依托菜鸟负责跨境物流。 [1]"]
    assert answer_first(good, ["商家自己定", "菜鸟"])
    buried = MULTI.format(lead1="零售价由商家自己定。 [1]", lead2="这是一项服务。 [1]\n\n- 平台依托菜鸟负责跨境物流。")
    assert not answer_first(buried, ["商家自己定", "菜鸟"])


def test_a_multi_part_answer_refuses_only_when_every_part_does():
    refusal = "知识库中没有相关资料。"
    assert not refusal_leads(MULTI.format(lead1="零售价由商家自己定。", lead2=refusal))
    assert refusal_leads(MULTI.format(lead1=refusal, lead2=refusal))


def test_body_stops_at_either_sources_header():
    assert body_of("答案。 [1]\n\n**来源**\n\n[1] 标题") == "答案。 [1]"
    assert body_of("Answer. [1]" + SOURCES_EN) == "Answer. [1]"


# ---- redundancy ----------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("Under AliExpress fully-managed, the seller only quotes a supply price, per 2024 industry analyses.",
     "Under AliExpress fully-managed, the seller quotes a supply price, according to a Sailer Partners report."),
    ("速卖通的JIT指“有订单再发货”，商家无需提前备货入仓。",
     "据亿邦2024年9月的报道，速卖通的JIT指“有订单再发货”，商家不用提前备货入仓。"),
    ("2024年9月速卖通并没有强制商家仓发。", "据亿邦动力2024年9月的报道，速卖通并没有强制商家仓发。"),
])
def test_the_same_fact_restated_from_two_documents_is_redundant(a, b):
    assert redundant_pair([Point(a), Point(b)]) is not None


@pytest.mark.parametrize("a, b", [
    ("Under semi-managed, the seller sets the retail price.", "Under fully-managed, the platform sets the retail price."),
    ("零售价由商家自己定，因为POP是商家自运营模式。", "售后由商家自己负责，因为POP是商家自运营模式。"),
    ("The first annual sales assessment ran on 14 January 2022.", "The first annual sales assessment for other categories ran on 14 February 2022."),
    ("AliExpress Choice launched in early 2023.", "AliExpress Choice served roughly 55 countries by early 2025."),
])
def test_two_different_facts_about_one_topic_are_not_redundant(a, b):
    assert redundant_pair([Point(a), Point(b)]) is None


def test_points_drop_bullets_markers_and_labels_and_compare_table_cells_by_column():
    text = ("JIT means shipping once an order exists. [1]\n\n"
            "- 12 September 2024: JIT means shipping once an order exists. [2]\n"
            "| Aspect | POP | fully-managed |\n|---|---|---|\n"
            "| Logistics | The seller ships every order itself | The platform ships every order itself |")
    points = points_of(text)
    assert points[0].text == points[1].text == "JIT means shipping once an order exists."
    assert {p.column for p in points} >= {"POP", "fully-managed"}
    pair = redundant_pair(points)
    assert pair is not None and pair.first == "JIT means shipping once an order exists."
    assert redundant_pair(points[2:]) is None  # same words, different columns


def test_redundancy_is_recorded_on_the_row_and_in_the_summary():
    text = ("Under semi-managed, the seller sets the retail price. [1]\n\n"
            "- Under AliExpress semi-managed, the seller sets the retail price, per 2024 analyses. [1]")
    row = graded(item(must_include=["seller sets the retail price"]), answer(text, citations=[cite(1, "x")]))
    assert row.redundant and "redundant points" in row.flags
    assert summarise([row])["redundancy"] == 1.0


# ---- citations, figures, calibration ---------------------------------------------------------------

def test_each_quote_line_must_be_in_the_document_whitespace_aside():
    assert quote_in_document("商家自己定零售价，平台依托菜鸟负责跨境物流。", DOC_ZH)
    assert quote_in_document("- Under semi-managed,  the seller sets\nthe retail price.\n- The platform handles logistics through Cainiao.", DOC_EN)
    assert not quote_in_document("The seller sets the retail price.\nThe platform charges 5%.", DOC_EN)


def test_invalid_quotes_dangling_markers_and_invented_figures_are_flagged():
    ans = answer("The seller sets the retail price and pays a 5% fee. [1] [2]",
                 citations=[cite(1, "Under semi-managed, the seller sets the retail price.")])
    row = graded(item(must_include=["seller sets the retail price"]), ans)
    assert row.citations_valid is False and row.citation_problems == ["[2] points to no citation"]
    assert row.fabricated == ["5"]
    bad = graded(item(), answer("A. [1]", citations=[cite(1, "The seller pays nothing.")]))
    assert bad.citation_problems == ["[1] quote not in semi-en"]


def test_calibration_buckets_and_expected_error():
    cal = calibration([(0.9, True), (0.9, False), (0.1, False), (1.0, True)])
    top = cal["buckets"][-1]
    assert top["n"] == 3 and top["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert cal["buckets"][0]["n"] == 1 and cal["buckets"][0]["accuracy"] == 0.0
    assert cal["ece"] == pytest.approx(0.75 * abs(2 / 3 - 0.9333) + 0.25 * 0.1, abs=1e-3)


# ---- the gate ------------------------------------------------------------------------------------

def result_with(**figures) -> dict:
    overall = {"strict_accuracy": 0.8, "answer_first": 0.7, "refusal_recall": 0.9, "citation_validity": 1.0,
               "language_match": 1.0, "irrelevant_answer_rate": 0.1, "redundancy": 0.2,
               "fabricated_figures": 0, "must_not_violations": 0, "errors": 0}
    overall.update(figures)
    rows = [{"qid": "q-1", "reason": "key fact only outside the lead"}]
    return {"version": 2, "created": "now", "settings": {},
            "sets": {"real-style": {"questions": 1, "overall": overall, "by_lang": {}, "per_question": {"q-1": True},
                                    "rows": rows}}}


def test_gate_passes_on_equal_figures():
    gate = compare(result_with(), result_with(), 0.02)
    assert not gate.failed and gate.worse == []


def test_gate_fails_on_a_drop_in_answer_first():
    gate = compare(result_with(answer_first=0.6), result_with(), 0.02)
    assert gate.failed and gate.worse == ["real-style answer_first: 0.700 -> 0.600"]


def test_gate_fails_on_a_rise_in_irrelevant_answers():
    gate = compare(result_with(irrelevant_answer_rate=0.2), result_with(), 0.02)
    assert gate.failed and gate.worse == ["real-style irrelevant_answer_rate: 0.100 -> 0.200"]


def test_gate_lists_questions_that_now_fail_and_counts_that_rose():
    current = result_with(fabricated_figures=1)
    current["sets"]["real-style"]["per_question"]["q-1"] = False
    gate = compare(current, result_with(), 0.02)
    assert gate.failed
    assert "real-style fabricated_figures: 0 -> 1" in gate.worse
    assert "real-style/q-1: now fails (key fact only outside the lead)" in gate.worse


def test_an_old_shape_baseline_gives_a_clear_error():
    old = {"created": "then", "overall": {"answer_accuracy": 0.96}, "by": {}, "per_question": {}}
    with pytest.raises(AssistantError, match="baseline predates eval v2; re-record with --write-baseline"):
        compare(result_with(), old, 0.02)


def test_a_written_baseline_is_accepted_by_the_gate():
    current = result_with()
    assert not compare(current, json.loads(json.dumps(baseline_of(current))), 0.02).failed


def test_sets_split_the_question_files_and_skip_missing_ones_only_by_default(tmp_path):
    questions = tmp_path / "questions"
    questions.mkdir()
    for name in ("fact.jsonl", "real-style.jsonl", "feedback-drafts.jsonl"):
        (questions / name).write_text("", encoding="utf-8")
    sets, notes = select_sets(None, None, tmp_path)
    assert [(s.name, [p.name for p in s.files]) for s in sets] == [("curated", ["fact.jsonl"]),
                                                                    ("real-style", ["real-style.jsonl"])]
    assert notes == [f"set 'documents' skipped: {tmp_path / 'documents' / 'questions.jsonl'} not found",
                     f"set 'replies' skipped: {tmp_path / 'replies' / 'messages.jsonl'} not found"] + \
        [f"set '{split}' skipped: {tmp_path / 'pool' / f'{split}.jsonl'} not found" for split in ("train", "dev", "sealed")]
    with pytest.raises(AssistantError, match="set 'documents'"):
        select_sets(["documents"], None, tmp_path)


# ---- end to end ----------------------------------------------------------------------------------

@pytest.mark.integration
def test_eval_cli_runs_the_documents_set_and_reports_figures_per_language(tmp_path, monkeypatch, corpus_dir):
    from assistant.app.cli import main

    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "return-policy.txt").write_text(
        "Returns on AliExpress Local+\n\nProducts sold through Local+ are returned to a local warehouse. "
        "Refunds for Local+ returns are issued within 5 days after the parcel arrives.\n", encoding="utf-8")
    (docs / "发货时效.md").write_text(
        "# 发货时效说明\n\n商家设置的发货期最长为7天。\n\n超过发货期未发货的订单会被自动关闭并全额退款。\n", encoding="utf-8")
    questions = [
        {"id": "t-en-1", "question": "how fast are Local+ refunds issued?", "lang": "en", "type": "documents",
         "answerable": True, "must_include": ["5 days"], "sources": ["return-policy"]},
        {"id": "t-en-2", "question": "What is the Local+ seller fee?", "lang": "en", "type": "documents",
         "answerable": False, "must_include": []},
        {"id": "t-zh-1", "question": "发货期最长能设几天？", "lang": "zh", "type": "documents",
         "answerable": True, "must_include": ["7天"], "sources": ["发货时效"]},
        {"id": "t-zh-2", "question": "速卖通直通车怎么收费？", "lang": "zh", "type": "documents",
         "answerable": False, "must_include": []},
    ]
    (docs / "questions.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions) + "\n",
                                          encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus_dir))
    report, baseline = tmp_path / "report", tmp_path / "baseline.json"
    code = main(["--data-dir", str(tmp_path / "data"), "eval", "--set", "documents", "--documents-dir", str(docs),
                 "--report", str(report), "--write-baseline", str(baseline)])
    assert code == 0
    result = json.loads((report / "result.json").read_text(encoding="utf-8"))
    figures = result["sets"]["documents"]
    assert figures["questions"] == 4
    for lang in ("zh", "en"):
        by_lang = figures["by_lang"][lang]
        assert by_lang["questions"] == 2
        for metric in ("strict_accuracy", "answer_first", "irrelevant_answer_rate", "redundancy", "concision",
                       "calibration", "citation_validity", "language_match"):
            assert metric in by_lang
    assert {r["qid"] for r in figures["rows"]} == {q["id"] for q in questions}
    assert (tmp_path / "data" / "documents-set").is_dir()
    assert "## documents" in (report / "summary.md").read_text(encoding="utf-8")
    assert not compare(result, json.loads(baseline.read_text(encoding="utf-8")), 0.0).failed


def test_items_of_one_quoted_list_are_one_point_not_a_repetition():
    from assistant.eval.score import points_of, redundant_pair

    body = "无忧物流下，卖家只能投诉以下类型： [1]\n\n- 揽收后未入库\n- 签收后未入库\n- 费用争议"
    assert redundant_pair(points_of(body)) is None
    restated = "全托管的售后由平台负责。 [1]\n\n- 据两篇报道，全托管的售后由平台负责。 [2]"
    assert redundant_pair(points_of(restated)) is not None


# ---- mechanisms: why an answer fails a seller ------------------------------------------------------

class Names:
    """The knowledge base's terms and named things, as the eval reads them from the glossary and the
    domain file."""

    known = ("半托管", "semi-managed", "payoneer", "巴西", "假发", "deposit")

    def names(self, text: str) -> bool:
        return any(k in text.lower() for k in self.known)


def mechanism_row(text: str, question: str, lang: str, refused: bool = False, answerable: bool = False):
    it = item(answerable=answerable, must_include=["自己定"] if answerable else [], lang=lang, question=question)
    return grade(it, Response.from_answer(answer(text, lang=lang, refused=refused)), DOCS, "test", Names())


@pytest.mark.parametrize(("text", "question", "lang"), [
    ("知识库里没有关于“包含”的资料，我不能给出答案。", "速卖通保证金包含哪些费用", "zh"),
    ("知识库里没有关于“忘记”的资料，我不能给出答案。", "忘记提现密码怎么办", "zh"),
    ("知识库里没有关于“模式分析”的资料，我不能给出答案。", "速卖通模式分析", "zh"),
    ("The knowledge base has no information on “methods”, so I can't answer this.", "aliexpress payment methods for sellers", "en"),
    ("The knowledge base has no information on “required”, so I can't answer this.", "documents required to open a store", "en"),
    ("The knowledge base has no information on “Explanation”, so I can't answer this.", "Explanation of the seller levels", "en"),
])
def test_a_refusal_naming_an_ordinary_word_is_counted(text, question, lang):
    row = mechanism_row(text, question, lang, refused=True)
    assert row.ordinary_refusal and not row.acceptable, row.named
    assert summarise([row])["ordinary_word_refusals"] == 1


@pytest.mark.parametrize(("text", "question", "lang"), [
    # a glossary term, a named entity, a proper name as the seller wrote it, an acronym, the asked attribute as a phrase
    ("知识库没有专门针对“半托管退货”的说法，我不能给出确切答案。", "半托管退货怎么处理", "zh"),
    ("知识库里没有关于“巴西”的资料，我不能给出答案。", "卖到巴西要交什么税", "zh"),
    ("知识库里没有关于“假发”的资料，我不能给出答案。", "假发类目保证金多少", "zh"),
    ("The knowledge base has no information on “Payoneer”, so I can't answer this.", "can I withdraw to payoneer", "en"),
    ("The knowledge base has no information on “Guangzhou”, so I can't answer this.", "is there a warehouse in Guangzhou", "en"),
    ("The knowledge base has no information on “VAT”, so I can't answer this.", "aliexpress vat for sellers", "en"),
    ("The knowledge base has no information on “how long a deposit refund takes”, so I can't answer this.",
     "how long does the deposit refund take", "en"),
    ("知识库里没有店铺关闭后保证金多久退还的官方时限。", "关店后保证金多久退", "zh"),
    # the very attribute the question word asks about ("费率多少", "what score")
    ("知识库没有给出“费率”的具体数字，我不能给出确切答案。", "提现到派安盈费率多少", "zh"),
    ("The knowledge base does not give a figure for “score”, so I can't give an exact answer.",
     "seller level excellent what score", "en"),
])
def test_a_refusal_naming_what_is_really_missing_is_not_counted(text, question, lang):
    row = mechanism_row(text, question, lang, refused=True)
    assert row.refusal_leads and not row.ordinary_refusal and row.acceptable, row.named


@pytest.mark.parametrize(("text", "lang", "why"), [
    ("能：\n\n知识库的其他内容。 [1]", "zh", "intro without its list"),
    ("不是。 [1]", "zh", "bare reply"),
    ("5天。 [1]", "zh", "bare reply"),
    ("两种方式的主要区别如下：[1]", "zh", "intro without its list"),
    ("完整的表格见《半托管物流规则》。 [1]", "zh", "pointer"),
    ("详见《成交不卖：规则、扣分与申诉》。 [1]", "zh", "pointer"),
    ("See the table in “Semi-managed logistics”. [1]", "en", "pointer"),
    ("Does semi-managed cover returns? [1]", "en", "question"),
    ("Who sets the price [1]", "en", "heading"),
    ("Yes. [1]", "en", "bare reply"),
    ("同样的顺序也见《速卖通店铺营销工具》。 [1]", "zh", "pointer"),
    ("请以全托管商家后台的结算页面为准。 [1]", "zh", "advice"),
    ("Check the seller backend for the current fee. [1]", "en", "advice"),
])
def test_a_lead_that_cannot_stand_alone_is_a_fragment(text, lang, why):
    row = mechanism_row(text, "半托管谁定价" if lang == "zh" else "Who sets the price?", lang, answerable=True)
    assert row.fragment == why and not row.acceptable
    assert summarise([row])["fragment_leads"] == 1


@pytest.mark.parametrize(("text", "lang"), [
    ("是的。半托管模式下商家自己定零售价。 [1]", "zh"),
    ("半托管模式下，商家自己定零售价，平台负责物流。 [1]", "zh"),
    ("主要区别见下表：\n\n| | 半托管 | 全托管 |\n|---|---|---|\n| 谁定价 | 商家自己定 | 平台 |", "zh"),
    ("The seller sets the retail price under semi-managed; the platform handles logistics. [1]", "en"),
    ("These are the two ways to ship:\n\n- online shipping [1]\n- offline shipping [2]", "en"),
])
def test_a_lead_that_stands_alone_is_not_a_fragment(text, lang):
    row = mechanism_row(text, "半托管谁定价" if lang == "zh" else "Who sets the price?", lang, answerable=True)
    assert row.fragment == ""


def test_bad_refusals_irrelevant_answers_and_auroc_are_counted():
    refused_answerable = mechanism_row("知识库里没有关于“半托管”的资料，我不能给出答案。", "半托管谁定价", "zh",
                                       refused=True, answerable=True)
    answered_unanswerable = mechanism_row("半托管模式下商家自己定零售价。 [1]", "半托管的佣金是多少", "zh")
    right = mechanism_row("半托管模式下商家自己定零售价。 [1]", "半托管谁定价", "zh", answerable=True)
    for row, confidence in ((refused_answerable, 0.9), (answered_unanswerable, 0.8), (right, 0.3)):
        row.confidence = confidence
    figures = summarise([refused_answerable, answered_unanswerable, right])
    assert figures["bad_refusal_rate"] == 0.5 and figures["irrelevant_answer_rate"] == 1.0
    assert figures["confidence_auroc"] == 0.0  # the one right answer is the least confident
    right.confidence = 0.95
    assert summarise([refused_answerable, answered_unanswerable, right])["confidence_auroc"] == 1.0
