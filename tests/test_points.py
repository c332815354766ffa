"""What follows the lead: every likely passage that adds something, up to four points, and in a
message of several questions no point made twice."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.eval.score import body_of
from conftest import CORPUS, write_doc

RETURNS = {
    "en": ("Kiosk returns: the rules", [
        "Kiosk returns are accepted within 30 days of delivery.",
        "Kiosk returns must come back in the original box.",
        "Kiosk returns are refunded to the buyer within 5 working days.",
        "Kiosk returns travel free with a prepaid label.",
        "Kiosk returns from abroad go to the regional hub in Lyon.",
    ]),
    "zh": ("亭机退货规则", [
        "亭机退货在签收后30天内受理。",
        "亭机退货须使用原包装寄回。",
        "亭机退货在5个工作日内退款给买家。",
        "亭机退货凭预付面单免费寄回。",
        "境外的亭机退货寄往里昂区域中心。",
    ]),
}


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    """A small knowledge base of one notice per language, five rules about one thing."""
    from assistant import Assistant, Settings

    root = tmp_path_factory.mktemp("kiosk")
    for lang, (title, sentences) in RETURNS.items():
        write_doc(root / "docs", "kiosk-returns", lang, title, "# " + title + "\n\n" + "\n\n".join(sentences))
    a = Assistant(Settings(data_dir=root / "data", corpus_dir=CORPUS))
    assert a.ingest([root / "docs"]).ok
    return a


@pytest.mark.parametrize("question, lang", [
    ("How do kiosk returns work?", "en"),
    ("Tell me about kiosk returns", "en"),
    ("What happens with kiosk returns?", "en"),
    ("亭机退货怎么处理？", "zh"),
    ("亭机退货是怎样的", "zh"),
    ("亭机退货是怎么运作的？", "zh"),
])
def test_five_rules_on_what_was_asked_are_all_in_the_answer_each_cited(kiosk, question, lang):
    answer, _ = kiosk.answer(question)
    body = body_of(answer.answer)
    assert answer.lang == lang and not answer.refused
    for sentence in RETURNS[lang][1]:
        assert sentence.rstrip("。.") in body, sentence
    points = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(points) == 4 and all(line.rstrip().endswith("]") for line in points), body


@pytest.mark.parametrize("question, facts", [
    ("收到知识产权侵权投诉，卖家该怎么应对？", ["反通知", "撤诉"]),
    ("速卖通商品被投诉侵犯知识产权，怎么回应比较好", ["反通知", "撤诉"]),
    ("产品被投诉侵权，卖家有哪些应对办法", ["反通知", "撤诉"]),
    ("What can a seller do after receiving an IP infringement complaint?", ["counter-notice", "withdraw"]),
    ("What should a seller do about an infringement complaint?", ["counter-notice", "withdraw"]),
    ("What options does a seller have after an intellectual property complaint?", ["counter-notice", "withdraw"]),
])
def test_what_to_do_about_a_complaint_gives_both_the_counter_notice_and_asking_for_withdrawal(assistant, question, facts):
    answer, _ = assistant.answer(question)
    body = body_of(answer.answer).lower()
    assert not answer.refused
    for fact in facts:
        assert fact.lower() in body, (fact, body)


@pytest.mark.parametrize("question", [
    "速卖通放款后为什么被冻结？怎么解冻？",
    "速卖通禁限售是什么意思？违规了会怎么处罚？",
    "速卖通提前放款是什么？保证金怎么解冻？",
    "What are prohibited and restricted goods? What is the penalty for selling them?",
    "What is early payout on AliExpress? How is the reserve released?",
    "What are AliExpress coins? How do they help sellers?",
])
def test_a_point_made_for_one_question_of_a_message_is_not_made_again_for_the_next(assistant, question):
    answer, verdicts = assistant.answer(question)
    body = body_of(answer.answer)
    assert len(verdicts) == 2 and body.count("**1.") == 1 and body.count("**2.") == 1
    points = Counter(line.strip() for line in body.splitlines() if line.startswith("- "))
    assert points and not [p for p, n in points.items() if n > 1], body
