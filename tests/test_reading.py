"""How a question is read and its evidence weighed, seen in the answers a user gets: a short FAQ
answer quoted whole, everyday words neither sinking an answer nor named as missing, and a
glossary term not "corrected" into an ordinary word."""

from __future__ import annotations

import re

import pytest

from assistant.eval.score import body_of, leads_of
from conftest import write_doc

FAQ = """对物流商的处理结果不满意怎么办？

双方谈不拢的，卖家可以在15天内在线申诉。菜鸟承诺在1个工作日内介入。

一个物流订单可以投诉几次？

每个物流订单最多可以投诉2次。物流商须在10个自然日内给出反馈。
"""


@pytest.fixture(scope="module")
def faq_assistant(tmp_path_factory):
    from assistant import Assistant, Settings

    root = tmp_path_factory.mktemp("faq")
    write_doc(root / "corpus", "logistics-complaints", "zh", "物流投诉常见问题", FAQ, type="faq")
    a = Assistant(Settings(data_dir=root / "data"))
    assert a.ingest([root / "corpus"]).ok
    return a


def first_block(answer) -> str:
    """The lead a user reads first: the first paragraph of the answer, with the list it opens."""
    return leads_of(answer.answer)[0].block


def indexed(tmp_path):
    """An assistant over the documents written under ``tmp_path / "corpus"``, ingested."""
    from assistant import Assistant, Settings

    a = Assistant(Settings(data_dir=tmp_path / "data"))
    assert a.ingest([tmp_path / "corpus"]).ok
    return a


def test_the_second_sentence_of_a_short_faq_answer_answers_first(faq_assistant):
    answer = faq_assistant.ask("对处理结果不服去申诉，菜鸟多久会介入？")
    assert not answer.refused
    assert "1个工作日" in first_block(answer)
    assert answer.citations[0].published == "2026-11-01"
    assert "菜鸟承诺在1个工作日内介入。" in answer.citations[0].quote


def test_an_everyday_word_the_page_does_not_use_does_not_sink_the_answer(faq_assistant):
    # "看到" (saw) and "影响" (affect) are not on the page, which still answers the question
    answer = faq_assistant.ask("看到物流商的处理结果不满意，影响我申诉吗？可以在几天内申诉？")
    assert not answer.refused and "15天" in first_block(answer)


@pytest.mark.parametrize("question", ["速卖通的货能办出口退税吗？", "速卖通店铺模式分析", "店铺评级会影响退税吗"])
def test_a_refusal_never_names_an_everyday_word_of_the_question_alone(assistant, question):
    answer = assistant.ask(question)
    first = answer.answer.split("\n")[0]
    assert answer.refused, first
    # it names a term, a named thing or the question's own phrase, or says nothing answers it directly
    assert not re.search(r"“(出口|退税|模式|分析|影响)”", first), first


@pytest.mark.parametrize("question", [
    "how to confirm dispatch and enter the tracking code when using my own logistics",
    "where can I pause and resume my own logistics channel",
    "怎么打包和贴标签才能用自己的物流渠道发货？",
])
def test_a_refusal_never_names_ordinary_words_joined_by_and_as_one_thing(assistant, question):
    answer = assistant.ask(question)
    first = answer.answer.split("\n")[0]
    assert answer.refused, first
    # "dispatch and enter" reads as two ordinary words: the refusal says nothing answers directly
    assert not re.search(r"“[^”]*(?: and |和)[^”]*”", first), first


def test_everyday_words_weigh_less_than_specific_ones(assistant):
    # "escrow" is specific and rare in the knowledge base ("penalty", once rare, is on a hundred pages now)
    q = assistant.understander.understand("how do I get a few more days of escrow?")
    weights = {t.label: t for t in q.topics}
    assert weights["few"].everyday and not weights["escrow"].everyday
    assert weights["few"].weight < weights["escrow"].weight


@pytest.mark.parametrize(("typed", "kept", "not_into"), [
    # a real word (jieba's dictionary or the glossary knows it) is never corrected into a term
    ("速卖通买家申请退款后，协商不成的话", "申请退款", "申请退仓"),
    ("买家申请退款要多久处理", "申请退款", "申请退仓"),
    ("速卖通直通车要先储值吗，会影响店铺排名吗", "店铺排名", "店铺改名"),
    ("我的店铺排名掉了", "店铺排名", "店铺改名"),
    # a word of three characters, or a whole word the term begins with and then another word:
    # a different compound, not a typo of the term
    ("交易服务费怎么收", "服务费", "服务分"),
    ("供货商的货款多久结算", "供货商", "供货价"),
    ("品牌商可以开几家店", "品牌商", "品牌名"),
    ("被品牌方投诉了怎么办", "品牌方", "品牌名"),
    ("这种小商品还能走POP发货吗", "发货吗", "发货期"),
    ("店铺做满减要满足什么条件", "店铺做", "店铺券"),
    ("已经发货填了单号还会被判虚假发货吗", "发货填了", "发货晚了"),
])
def test_spelling_never_turns_a_real_word_into_a_term(assistant, typed, kept, not_into):
    q = assistant.understander.understand(typed)
    assert kept in q.text and not_into not in q.text, q.text


@pytest.mark.parametrize(("typed", "kept"), [
    ("novice seller guide for aliexpress", "novice"),  # not "notice"
    ("i hope to sell more on aliexpress", "hope"),  # not "home"
    ("aliexpress rules for a novice store", "novice"),
])
def test_spelling_never_turns_a_real_english_word_into_another(assistant, typed, kept):
    assert kept in assistant.understander.understand(typed).text


@pytest.mark.parametrize(("typed", "read_as"), [("速麦通的钱怎么取出来", "速卖通"), ("速麦通保证金多少钱", "速卖通"),
                                                ("无优物流丢件怎么赔", "无忧物流"), ("半拖管怎么加入", "半托管"),
                                                ("卖家拒负申诉的成功率高吗", "拒付申诉"),
                                                # a homophone that only a rare dictionary entry spells (保正)
                                                ("开店要交多少保正金", "保证金"), ("保正金什么时候能退", "保证金"),
                                                ("关店以后保正金怎么拿回来", "保证金"),
                                                ("aliexpress warehuose address", "warehouse"),
                                                ("aliexpress store registeration failed", "registration")])
def test_a_typo_no_dictionary_knows_is_still_corrected(assistant, typed, read_as):
    assert read_as in assistant.understander.understand(typed).text


def test_an_ordinary_word_next_to_a_term_is_not_taken_for_a_typo(assistant):
    q = assistant.understander.understand("速卖通直通车要先储值吗，会影响店铺排名吗")
    assert "排名" in q.text and "店铺券" not in q.text
    common = assistant.understander.understand("银牌店铺有纠纷的话多久有人处理")  # 有 is a word, not a typo of 券
    assert "店铺有纠纷" in common.text and "店铺券" not in common.text
    mark = assistant.understander.understand("年度销售额考核针对哪些店铺？")  # a question mark is no typo either
    assert "店铺券" not in mark.text
    typo = assistant.understander.understand("联盟营消的佣金怎么算")
    assert "联盟营销" in typo.text


@pytest.mark.parametrize("question, answering, not_answering", [
    ("速卖通保证金退了多久到账", "退回后7天到账", "保证金1万元"),       # a deposit, but the question asks how long
    ("保证金要交多少", "保证金1万元", "退回后7天到账"),
    ("丢件平台赔多少钱", "最多赔偿300元", "运费便宜20%"),          # money asked: a percentage is not an amount
    ("佣金几个点", "佣金为8%", "佣金按类目收取"),
    ("订单占比多少啊现在", "约70%的订单", "订单占比上升很快"),      # a particle after 多少 is not what is counted
    ("订单占比这几年怎么变的", "约70%的订单", "订单占比上升很快"),  # "these past years" asks for no count of years
    ("年审门槛是多少", "销售额门槛为2万美元", "年审看近365天的销售额"),  # "是多少" asks the value of 门槛: an amount
])
def test_the_figure_a_question_asks_for(question, answering, not_answering):
    from assistant.answer.understand import figure_unit

    wanted = figure_unit(question, ("保证金", "佣金"))
    assert wanted is not None
    assert wanted.search(answering) and not wanted.search(not_answering)


def test_a_count_written_in_chinese_numerals_answers_how_many_times():
    from assistant.answer.understand import figure_unit

    wanted = figure_unit("侵权被投诉几次会关店")
    assert wanted.search("严重侵权累计到第三次，账号就会被关闭") and not wanted.search("账号会被关闭")


def test_how_many_counts_the_last_word_of_its_phrase():
    from assistant.answer.understand import figure_unit

    known = {"store", "stores", "limited", "discount"}.__contains__
    stores = figure_unit("how many stores can one company open?", known=known)
    assert stores.search("A company may open up to 6 stores") and not stores.search("up to 6 categories")
    # "promos" is the counted thing, and a word the knowledge base does not use: any count answers
    promos = figure_unit("how many limited time discount promos can i create a month?", known=known)
    assert promos.search("A store can create up to 60 activities a month")


def test_a_name_with_a_sign_is_not_found_in_the_plain_word(tmp_path):
    write_doc(tmp_path / "corpus", "korea-local", "en", "Local seller rules in Korea",
              "A seller who applies under the Korean local rules must be an incorporated legal entity.")
    write_doc(tmp_path / "corpus", "local-plus", "en", "Local+ in Europe",
              "AliExpress runs Local+ from ten warehouses in the UK, Germany and Spain.")
    a = indexed(tmp_path)
    reader = a.reader
    q = a.understander.understand("Where are the Local+ warehouses?")
    topic = next(t for t in q.topics if t.label.lower() == "local+")
    assert reader.credit("AliExpress runs Local+ from ten warehouses", topic) == 1.0
    assert reader.credit("under the Korean local rules", topic) == 0.0
    # what the seller sees: the Local+ page answers, the Korean rules are not quoted for it
    answer = a.ask("Where are the Local+ warehouses?")
    assert not answer.refused and "UK, Germany and Spain" in first_block(answer)
    assert all(c.doc_id != "korea-local" for c in answer.citations)


@pytest.mark.xfail(strict=True, reason="known regression since knowledge base v3: the accept model, fitted on the "
                   "regression sets, puts this answer (7–12 days, every term named) below its threshold")
def test_a_colloquial_word_the_knowledge_base_lacks_does_not_sink_a_covered_question(assistant):
    # "手上" (into the buyer's hands) is not in the knowledge base; the delivery time is
    answer = assistant.ask("半托管发到买家手上一般要几天")
    assert not answer.refused
    assert re.search(r"\d+\s*[–-]\s*\d+\s*天|\d+\s*天", first_block(answer))


def test_a_specific_word_the_knowledge_base_lacks_is_named_in_the_refusal(assistant):
    answer = assistant.ask("速卖通卖巴西要交ICMS吗")
    assert answer.refused and "icms" in answer.answer.split("\n")[0].lower(), answer.answer


def test_a_place_named_with_a_capital_that_the_knowledge_base_lacks_is_named_in_the_refusal(tmp_path):
    write_doc(tmp_path / "corpus", "consolidation", "en", "Consolidation warehouses",
              "Goods for the hosting programme go to a consolidation warehouse run by the logistics partner.\n\n"
              "Sellers book a delivery slot in the seller backend before they send goods to the consolidation warehouse.")
    a = indexed(tmp_path)
    general = a.ask("How do I book a delivery slot at the consolidation warehouse?")
    assert not general.refused and "seller backend" in first_block(general)
    answer = a.ask("How do I book a delivery slot at the consolidation warehouse in Shenzhen?")
    # the page is about consolidation warehouses in general, not the one in that city
    assert answer.refused and "Shenzhen" in answer.answer.split("\n")[0], answer.answer
    answer = a.ask("How do I book a delivery slot at the consolidation warehouse in Hong Kong?")
    assert answer.refused and "“Hong Kong”" in answer.answer.split("\n")[0], answer.answer


@pytest.mark.parametrize("question, thing", [
    ("速卖通卖家用哪个ERP好", "ERP"),
    ("which freight forwarder is best for aliexpress sellers", "freight forwarder"),
])
def test_which_one_to_use_of_a_kind_the_knowledge_base_never_advises_on_is_not_answered(assistant, question, thing):
    answer = assistant.ask(question)
    # it advises choosing among models and shipping methods, not among software or forwarders
    assert answer.refused and f"“{thing}”" in answer.answer.split("\n")[0], answer.answer


def test_which_shipping_method_to_use_is_still_advised_on(assistant):
    answer = assistant.ask("我上新非常频繁，不想提前备货，用哪种发货方式合适？")
    assert not answer.refused and "JIT" in first_block(answer), answer.answer


def test_a_domain_file_names_the_kinds_of_thing_it_advises_choosing_among():
    from assistant.kb.domain import Domain, problems

    domain = Domain.from_dict({"options": ["model", "shipping method"]})
    assert domain.is_option("Which AliExpress model") and not domain.is_option("ERP")
    assert problems({"options": "model"}) == ["domain.yaml: options: must be a list"]


@pytest.mark.xfail(strict=True, reason="known regression since knowledge base v3: POP's delivery-time FAQ now "
                   "outranks the handling-time pages and is taken for the answer")
def test_a_term_the_knowledge_base_covers_is_not_called_unknown_when_it_is_missing_only_beside_another(assistant):
    answer = assistant.ask("what is the handling time limit for pop orders")
    first = answer.answer.split("\n")[0]
    # POP has pages of its own; what is missing is the handling time said for POP
    assert answer.refused and "POP" in first and "specifically" in first, first
    assert "has no information" not in first


def test_a_word_the_knowledge_base_knows_is_never_called_unknown(assistant):
    """A refusal may say the knowledge base has no information on a thing only when it has never
    seen it; a word it knows, missing beside the rest of the question, is "not stated for it"."""
    unknown_form = re.compile(r"has no information on “([^”]+)”|没有关于“([^”]+)”的资料")
    specific_form = re.compile(r"does not say this for “([^”]+)” specifically|没有专门针对“([^”]+)”的说法")
    specific = []
    for question in ["韩国卖家的JIT发货时效是多少小时？", "日本卖家的JIT发货时效是多少小时？",
                     "selling to the UK from China under £135, who accounts the VAT if a marketplace is involved?",
                     "Shipping from China to UK buyers below £135, who handles the VAT when a marketplace sits in the "
                     "middle vs a direct sale?", "How much is the deposit for Spain sellers in the Choice programme?"]:
        first = assistant.ask(question).answer.split("\n")[0]
        kinds = {t.label: t.kind for t in assistant.understander.understand(question).topics}
        for m in unknown_form.finditer(first):
            name = m.group(1) or m.group(2)
            assert kinds.get(name, "unknown") == "unknown", (question, first)
        specific += [m.group(1) or m.group(2) for m in specific_form.finditer(first)]
    assert "韩国" in specific, specific


@pytest.mark.parametrize("question", ["速卖通直播带货有没有佣金优惠？", "速卖通直播带货要不要另外收服务费？"])
def test_a_refusal_names_two_unknown_words_together_without_the_question_words_around_them(assistant, question):
    first = assistant.ask(question).answer.split("\n")[0]
    names = re.findall(r"“([^”]+)”", first)
    assert names == ["直播带货"], first


def test_what_is_not_known_of_another_platform_is_refused_as_another_platform(assistant):
    answer = assistant.ask("亚马逊FBA怎么收费")
    first = answer.answer.split("\n")[0]
    # not "a detail the sources do not publish": the knowledge base is not about that platform
    assert answer.refused and "亚马逊" in first and "没有公开" not in first, first


def test_a_term_written_with_a_space_instead_of_a_hyphen_is_the_same_term(assistant):
    q = assistant.understander.understand("what is the difference between semi managed and full managed")
    assert {t.label.replace(" ", "-") for t in q.core} >= {"semi-managed", "full-managed"}


def test_a_difference_question_leads_with_a_passage_that_sets_both_side_by_side(assistant):
    answer = assistant.ask("what is the difference between semi managed and full managed")
    lead = first_block(answer).lower()
    assert not answer.refused
    assert "semi-managed" in lead and "fully-managed" in lead
    # not merely named together: the lead says how they differ (who prices, ships, runs the store)
    assert re.search(r"differ|while|whereas|price|ship", lead)


def test_general_evidence_for_a_question_about_one_programme_is_not_passed_off_as_its_answer(assistant):
    # the coupon rule is stated for every store; nothing says how it applies under semi-managed
    answer = assistant.ask("半托管的商品能用店铺优惠券吗")
    first = answer.answer.split("\n")[0]
    assert answer.refused and "半托管" in first and "没有专门" in first
    assert "店铺优惠券" in answer.answer.split("\n\n**")[0]  # what is known of store coupons still shown, after


def test_a_sentence_leaning_on_a_fact_can_still_say_what_is_not_known(assistant):
    from assistant.lang.numbers import has_figure

    assert not has_figure("这两个渠道的日期、报名门槛和折扣力度，我们的资料中没有。")
    assert has_figure("平台提供两个营销渠道")
    answer = assistant.ask("超级爆发日哪天 怎么报名")
    first = answer.answer.split("\n")[0]
    # the knowledge base's own statement of the gap leads: it names the channel and what is missing
    assert answer.refused and "超级爆发日" in first and "资料中没有" in first, first



def test_an_faq_asked_with_another_question_word_is_not_the_users_question(tmp_path):
    from assistant.lang.asking import asking_word, same_asking

    assert not same_asking(asking_word("Where are the warehouses?"), asking_word("Who ships the orders?"))
    assert same_asking(asking_word("what is the fee?"), asking_word("How much is the fee?"))
    assert same_asking(asking_word("半托管要交保证金吗"), asking_word("半托管需要保证金吗？"))
    # how long one has to act is not how long something takes
    assert not same_asking(asking_word("how long do I have to ship an order?"),
                           asking_word("How long does an order take to reach the buyer?"))
    assert not same_asking(asking_word("几天内必须发货"), asking_word("订单多久能送到"))
    # a yes-or-no question is not the same as a what-question ("Yes, …" would read as its answer)
    assert not same_asking(asking_word("what fee is charged on each sale"), asking_word("Is there still an annual fee?"))
    write_doc(tmp_path / "corpus", "depot-faq", "en", "Depot delivery: quick answers",
              "Q: Who ships a depot order?\n\nA: The marketplace does, not the seller.\n\n"
              "Q: Where are the depots?\n\nA: There are four depots, in Lyon, Turin, Porto and Ghent.",
              type="faq")
    a = indexed(tmp_path)
    q = a.understander.understand("Where does a depot order ship from?")
    units = a.reader.read(q, a.retriever.search(q.text, lang=q.lang))
    who = next(u for u in units if u.faq_question.startswith("Who"))
    assert any(u.faq_question.startswith("Where") for u in units)
    # close in words, but "who" does not answer "where": it is not led with as the user's own question
    assert who.qsim >= 0.75 and not a.judge._same_question(q, who)


@pytest.mark.parametrize("question, defining", [
    ("What is semi-managed?", True),
    ("what is dropshipping", True),
    ("速卖通的半托管是什么", True),
    ("JIT是什么意思", True),
    ("What is the daily cut-off time at semi-managed consolidation warehouses?", False),  # a fact about it
    ("半托管集货仓每天的截单时间是什么", False),
])
def test_a_what_is_question_about_a_detail_of_a_thing_is_not_a_definition(assistant, question, defining):
    q = assistant.understander.understand(question)
    assert ("definition" in q.kinds) == defining


def test_a_detail_the_sources_do_not_give_is_said_to_be_missing_not_answered_with_a_definition(assistant):
    answer = assistant.ask("What is the daily cut-off time at semi-managed consolidation warehouses?")
    assert answer.refused
    assert "cut-off times" in answer.answer and "Semi-managed is" not in answer.answer


def test_a_yes_or_no_to_another_faq_question_is_not_the_answer(tmp_path):
    write_doc(tmp_path / "corpus", "hosting-faq", "zh", "托管常见问题",
              "半托管商品能转成全托管吗？\n\n能：品类更适合仓发时，平台会开通把货转入全托管仓库的通道。\n\n"
              "半托管要整店加入吗？\n\n不需要：半托管按商品报名，不是整店转换。", type="faq")
    write_doc(tmp_path / "corpus", "hosting-pickup", "zh", "半托管的揽收",
              "半托管订单一般由菜鸟上门揽收，商家也可以选择自寄。")
    a = indexed(tmp_path)
    answer = a.ask("半托管的货要自己送到仓库吗")
    lead = first_block(answer)
    # "能" and "不需要" answer their own FAQ questions; shown first they would answer this one wrongly
    assert not lead.startswith(("能", "不需要")), lead


def test_a_lead_sentence_is_quoted_with_the_one_that_goes_on_from_it(tmp_path):
    write_doc(tmp_path / "corpus", "non-fulfilment", "en", "Non-fulfilment",
              "Non-fulfilment covers paid orders the seller never ships. A cancellation by the buyer before "
              "shipment can count too. It is then attributed to the seller.\n\nNon-fulfilment is fined per order.")
    a = indexed(tmp_path)
    answer = a.ask("If a buyer cancels before I ship, does that count against me as non-fulfilment?")
    lead = first_block(answer)
    assert "cancellation by the buyer" in lead and "attributed to the seller" in lead


@pytest.mark.parametrize("question", ["max days a seller can extend buyer protection", "延长收货时间最多几天", "备货期上限是多少天"])
def test_a_maximum_asked_in_days_wants_a_number_of_days(question):
    from assistant.answer.understand import classify, figure_unit

    assert "figure" in classify(question)
    wanted = figure_unit(question)
    assert wanted.search("up to 90 days") or wanted.search("最多延长90天")
    assert not wanted.search("by a number of days the seller chooses")


def test_a_short_name_with_a_digit_is_a_topic_named_as_written(assistant):
    q = assistant.understander.understand("速卖通3C数码类目抽佣多少")
    assert "3C" in {t.label for t in q.topics}
    answer = assistant.ask("速卖通3C数码类目抽佣多少")
    # the general commission is not the 3C rate: the answer says first what it does not hold
    assert answer.refused and "3C" in answer.answer.split("\n")[0]


def test_a_question_about_a_year_is_led_by_what_speaks_of_that_year(tmp_path):
    write_doc(tmp_path / "corpus", "holiday-2020", "en", "Holiday handling time rules",
              "Holiday handling time rules: in 2020 every order placed over the holiday got 7 more days of handling time.")
    write_doc(tmp_path / "corpus", "holiday-2024", "en", "Spring break",
              "Sellers got 10 extra days over the 2024 New Year break.")
    a = indexed(tmp_path)
    answer = a.ask("holiday handling time rules 2024")
    assert "2024" in first_block(answer) and "10 extra days" in first_block(answer)
    refused = a.ask("holiday handling time rules 2022")
    assert refused.refused and "2022" in refused.answer.split("\n")[0]


def test_an_english_word_in_a_chinese_question_is_read_for_its_meaning(assistant):
    answer = assistant.ask("Choice order share 最新是多少？")
    assert not answer.refused and "%" in first_block(answer)


def test_an_answer_in_the_questions_language_is_not_padded_with_quotes_in_the_other(tmp_path):
    write_doc(tmp_path / "corpus", "jit-lateness", "en", "JIT lateness",
              "For JIT, lateness is counted from 24:00 on the day the pickup was due. A JIT order late by up to "
              "48 hours is fined half the product price.")
    write_doc(tmp_path / "corpus", "jit-vs-warehouse", "zh", "JIT和仓发",
              "JIT和仓发的区别在于什么时候备货：JIT是有订单再发货，仓发是提前备货进仓。JIT迟到按揽收截止当天24点起算。")
    a = indexed(tmp_path)
    answer = a.ask("from what time is JIT lateness counted?")
    assert "24:00" in first_block(answer)
    assert not re.search(r"[\u4e00-\u9fff]", answer.answer.split("**Sources**")[0])


def test_how_many_years_is_a_question_word_not_a_topic(assistant):
    q = assistant.understander.understand("Choice订单占比这几年是怎么变化的？")
    assert not {"几年", "这几年"} & {t.label for t in q.topics}


def test_a_short_faq_answer_with_a_fact_and_a_gap_answers_the_fact_and_admits_the_gap(tmp_path):
    write_doc(tmp_path / "corpus", "bare-price-faq", "zh", "裸价常见问题",
              "裸价包含运费吗？\n\n裸价是商家为每个SKU填写的价格，不含任何物流费。运费如何向商家收取，现有来源没有说明。\n\n"
              "裸价由谁填写？\n\n由商家为每个SKU填写。", type="faq")
    a = indexed(tmp_path)
    answer = a.ask("填的裸价包不包含物流费")
    assert not answer.refused and "不含任何物流费" in first_block(answer)
    gap = a.ask("运费怎么向商家收取")
    assert gap.refused and "没有说明" in gap.answer


def test_a_word_the_knowledge_base_says_otherwise_counts_as_its_own(tmp_path):
    write_doc(tmp_path / "corpus", "late-dispatch", "zh", "延迟发货的处罚",
              "卖家超过承诺的发货期仍未发货的，平台按订单金额的5%收取罚款。\n\n大促期间的发货期另行通知。")
    write_doc(tmp_path / "corpus", "store-rating", "zh", "店铺评级",
              "店铺评级每月更新一次，依据过去90天的好评率。")
    a = indexed(tmp_path)
    q = a.understander.understand("发货晚了会罚钱吗")
    assert "罚款" in next(t for t in q.topics if t.label == "罚钱").forms
    answer = a.ask("发货晚了会罚钱吗")
    # "罚钱" is the seller's word for the page's "罚款": the page answers, it is not refused
    assert not answer.refused and "5%" in first_block(answer)
    # a word with no close counterpart stays unknown and is named
    refused = a.ask("店铺评级会影响退税吗")
    assert refused.refused and "退税" in refused.answer.split("\n")[0]


def test_ingest_caches_the_vectors_of_new_words_only(tmp_path):
    from assistant.kb.lexicon import Lexicon

    write_doc(tmp_path / "corpus", "one", "en", "Handling time", "The handling time is set per product.")
    a = indexed(tmp_path)
    first = Lexicon.load(a.index.lexicon_path)
    assert first is not None and "handling" in first.words
    write_doc(tmp_path / "corpus", "two", "en", "Refunds", "Refunds are paid within five days.")
    assert a.ingest([tmp_path / "corpus"]).ok
    second = Lexicon.load(a.index.lexicon_path)
    assert {"refunds", "handling"} <= set(second.words)
    row = first.words.index("handling")
    assert (second.vectors[second.words.index("handling")] == first.vectors[row]).all()


@pytest.mark.parametrize("question", ["JIT?", "aliexpress jit"])
def test_a_term_typed_alone_is_answered_with_what_it_is(tmp_path, question):
    write_doc(tmp_path / "corpus", "jit-rules", "en", "JIT rules",
              "JIT orders picked up more than 48 hours late are fined half the product price. JIT orders are "
              "counted late from 24:00 on the pickup day.\n\nOn AliExpress, JIT means the seller ships only once "
              "an order exists.")
    a = indexed(tmp_path)
    assert "ships only once an order exists" in first_block(a.ask(question))
    # a question about the term is not a what-is question
    assert "definition" not in a.understander.understand("JIT有几种罚款").kinds


def test_a_when_question_is_led_by_the_time_not_by_what_happens_then(tmp_path):
    write_doc(tmp_path / "corpus", "promotion-tools", "en", "Store promotion tools",
              "The seller backend gives you these limited-time discount tools:\n\n- Limited-time discounts\n"
              "- Store-wide discounts\n- Store coupons\n\nOnce a limited-time discount is live, its products are "
              "locked and cannot be edited. A limited-time discount goes live 12 hours after you create it.")
    a = indexed(tmp_path)
    assert "when" in a.understander.understand("i just made a limited-time discount, when does it go live?").kinds
    answer = a.ask("i just made a limited-time discount, when does it go live?")
    assert "12 hours after" in first_block(answer)


@pytest.mark.parametrize("question", ["max handling time", "what's the longest handling time i can set"])
def test_a_word_asking_for_a_limit_is_a_question_word_not_a_topic(assistant, question):
    q = assistant.understander.understand(question)
    assert "figure" in q.kinds
    assert {t.label.lower() for t in q.topics} <= {"handling time", "set"}


def test_a_which_items_question_is_led_by_the_list_of_what_it_names(tmp_path):
    write_doc(tmp_path / "corpus", "store-scores", "zh", "店铺评分",
              "## 每日服务分\n\n每日服务分由以下4项组成：\n\n- 好评率：10分\n- DSR商品描述：30分\n- DSR服务：15分\n"
              "- DSR物流：10分\n\n## DSR\n\nDSR即店铺详细评分，由买家匿名给出。它分为三项：商品描述相符、沟通、发货速度。")
    a = indexed(tmp_path)
    answer = a.ask("DSR评分分哪几项")
    # the daily score's list mentions DSR; the sentence naming DSR's three parts answers
    assert "商品描述相符、沟通、发货速度" in first_block(answer)


def test_a_question_is_answered_when_one_of_the_best_passages_answers_it(tmp_path):
    write_doc(tmp_path / "corpus", "store-count", "zh", "开店数量", "一家企业最多可以开6家店铺，同一类目下不超过3家。")
    write_doc(tmp_path / "corpus", "seller-guide", "en", "How many stores",
              "For sellers based in China, one company can open at most 6 stores, and at most 3 in one category.")
    write_doc(tmp_path / "corpus", "store-fees", "zh", "店铺费用", "开店要按类目缴纳保证金，退出时可以取回。")
    a = indexed(tmp_path)
    # "公司" is the question's word, "企业" the page's; the English page names the company and
    # shows the knowledge base answers, and the page in the question's language leads
    answer = a.ask("一个公司最多能开几家店")
    assert not answer.refused and "6家" in first_block(answer)


def test_a_chinese_sentence_without_its_own_subject_is_quoted_with_the_one_before(tmp_path):
    write_doc(tmp_path / "corpus", "medals", "zh", "金银牌规则解读",
              "## 金银牌怎么获得\n\n金银牌不是商家自己申请就能拿到的。是否授予，由平台考核后决定。\n\n"
              "## 金银牌权益\n\n金银牌店铺可以参加周末抢购活动。")
    a = indexed(tmp_path)
    lead = first_block(a.ask("金银牌能不能自己申请"))
    assert "不是商家自己申请" in lead and "由平台考核后决定" in lead


def test_a_table_with_a_not_covered_cell_still_sets_things_side_by_side(tmp_path):
    write_doc(tmp_path / "corpus", "jit-vs-warehouse", "en", "JIT and warehouse shipping",
              "JIT and warehouse shipping are different ways to fulfil, and each has its own rules.\n\n"
              "Reports describe the two this way:\n\n| Aspect | JIT | Warehouse shipping |\n|---|---|---|\n"
              "| when goods move | after an order exists | stocked in advance |\n"
              "| marketing channel | not covered | super burst day |\n")
    a = indexed(tmp_path)
    lead = first_block(a.ask("How does JIT differ from warehouse shipping?"))
    # the table answers; "not covered" in one cell does not make it a statement of what is unknown
    assert "after an order exists" in lead and "stocked in advance" in lead


def test_a_gap_stated_first_is_not_taken_for_the_figure_quoted_after_it(tmp_path):
    write_doc(tmp_path / "corpus", "auto-confirm", "en", "Automatic confirmation of receipt",
              "Our sources hold no official table of the automatic-confirmation periods; the 7 days after "
              "delivery seen online applies to one country only.\n\nBuyers can confirm receipt themselves at any time.")
    a = indexed(tmp_path)
    answer = a.ask("how many days until receipt is confirmed automatically")
    first = answer.answer.split("\n")[0]
    # the statement of the gap leads, with the figure it sets aside: never "7 days" as the answer
    assert answer.verdict != "answer" and first.startswith("Our sources hold no official table"), answer.answer


def test_a_number_in_the_name_of_what_is_unknown_is_no_figure_given(tmp_path):
    write_doc(tmp_path / "corpus", "rule-scope", "en", "Which categories does the 48-hour dispatch rule cover?",
              "Which categories does the 48-hour dispatch rule cover?\n\nThe list of categories covered by the "
              "48-hour dispatch rule is not public in our sources. The reports say only that it applies to items "
              "listed within 30 days.", type="faq")
    a = indexed(tmp_path)
    answer = a.ask("Give me the full list of categories covered by the 48-hour dispatch rule.")
    # "48-hour" names the rule the page is about: the page says the list is unknown, it gives no list
    assert answer.refused and answer.verdict == "not_covered", answer.answer
    assert "not public" in answer.citations[0].quote


def test_a_one_sentence_lead_from_an_faq_answer_goes_on_with_the_answers_next_sentence(tmp_path):
    write_doc(tmp_path / "corpus", "consignment-price", "en", "Consignment pricing: questions",
              "Who sets the price under consignment?\n\nThe platform sets the retail price under consignment. "
              "The seller quotes a supply price (供货价) and gives up bargaining power over the retail price, according "
              "to 2024 industry analyses; seller-tool code from 2024 that writes a supply-price field weakly "
              "corroborates this.\n\n"
              "Can I change the supply price later?\n\nHow often a supply price may change is not in our sources.",
              type="faq")
    a = indexed(tmp_path)
    answer = a.ask("Who sets the retail price under consignment?")
    assert "platform sets the retail price" in first_block(answer)
    # the second sentence shares the first one's words but adds what the seller does
    assert "supply price" in answer.answer.split("**")[0], answer.answer


def test_an_faq_saying_its_question_is_unanswered_answers_the_user_who_asks_it(tmp_path):
    write_doc(tmp_path / "corpus", "yearly-review-faq", "zh", "店铺年审：常见问题",
              "店铺年审针对哪些店铺？\n\n针对开店满一年的店铺：年审每家店近365天的销售额。\n\n"
              "店铺年审第一次是什么时候？\n\n第一次年审是2022年1月14日，其余店铺是2022年2月14日。\n\n"
              "年审不达标的标准是什么？\n\n本知识库没有店铺年审的具体门槛。请查看卖家后台的年审公告。", type="faq")
    write_doc(tmp_path / "corpus", "yearly-review", "zh", "店铺年审", "店铺年审针对开店满一年的店铺，年审近365天的销售额。")
    a = indexed(tmp_path)
    answer = a.ask("店铺年审标准是多少")
    # the FAQ asking the user's question says the bar is not known: the dates and the 365 days
    # the other answers give are not that bar
    assert answer.refused, answer.answer
    assert "门槛" in answer.citations[0].quote


def test_what_the_knowledge_base_never_says_of_another_platform_is_outside_it(tmp_path):
    write_doc(tmp_path / "corpus", "other-semi-managed", "zh", "Temu的半托管和速卖通有什么不同",
              "## Temu半托管\n\n据2024年的报道，Temu的半托管面向在海外仓有库存的卖家，定价权仍由Temu掌握。卖家把货发往"
              "海外仓，订单从海外仓发出，卖家承担干线和尾程物流。\n\n"
              "| 方面 | 速卖通半托管 | Temu半托管 |\n|---|---|---|\n| 谁定价 | 商家 | Temu |\n"
              "| 谁负责跨境物流 | 平台 | 卖家，发往或发自海外仓 |\n| 典型卖家 | POP商家 | 有海外仓库存的卖家 |\n\n"
              "速卖通半托管由商家定价，跨境物流由平台负责。")
    a = indexed(tmp_path)
    priced = a.ask("temu半托管谁定价")
    assert not priced.refused and "Temu" in first_block(priced)
    answer = a.ask("temu半托管海外仓怎么提现")
    # the page sets Temu beside the platform; how sellers withdraw money there it never says
    assert answer.refused and "提现" in answer.answer.split("\n")[0], answer.answer


def test_how_late_a_penalty_grades_is_not_the_time_a_deadline_question_asks_for(tmp_path):
    write_doc(tmp_path / "corpus", "pickup-fines", "zh", "上门揽收超时罚则",
              "据服务商的说法，上门揽收订单从应揽收当天24:00起算，超时48小时以内罚商品价的0.5倍，超过48小时罚商品价的1倍。\n\n"
              "上门揽收由物流商上门取件，把货送进集货仓。")
    a = indexed(tmp_path)
    answer = a.ask("上门揽收出单后几个小时内要交货")
    # the page grades fines by how late a pickup is; how many hours a seller has, it does not say
    assert answer.refused and "48小时" not in answer.answer.split("\n")[0], answer.answer
    write_doc(tmp_path / "corpus", "pickup-deadline", "zh", "上门揽收时效", "上门揽收订单须在出单后72小时内交货。")
    answer = indexed(tmp_path).ask("上门揽收出单后几个小时内要交货")
    assert not answer.refused and "72小时" in first_block(answer), answer.answer


def test_an_faq_asking_what_the_question_word_asks_about_and_answering_not_known_refuses_it(tmp_path):
    write_doc(tmp_path / "corpus", "rating-level-faq", "en", "How is the store rating level set?",
              "How often is the store rating level set?\n\nThe store rating level is set again every month, with four "
              "grades: top, good, pass and fail.\n\nWhat does the rating level look at?\n\nIt looks at the dispute "
              "rate, the positive-feedback rate and late shipments, each with a weight of its own.\n\n"
              "What score does each grade need?\n\nThe thresholds of the grades are not in our sources.", type="faq")
    write_doc(tmp_path / "corpus", "rating-level", "en", "Store rating level",
              "The store rating level is set again every month, with four grades: top, good, pass and fail. A higher "
              "score helps the store's search ranking.")
    a = indexed(tmp_path)
    answer = a.ask("store rating level top what score")
    # "what score" is what the FAQ "What score does each grade need?" asks, and it is not known
    assert answer.refused, answer.answer
    assert "thresholds of the grades are not in our sources" in answer.citations[0].quote


SELF_SEND_DOCS = [
    ("集货仓地址", "半托管的集货仓在哪里，现有来源没有说明。集货仓的截单时间请以卖家后台为准。"),
    ("集货仓库存", "半托管的库存按仓库申报，即仓库编码加可售数量。"),
    ("半托管定价", "半托管由商家自己定零售价，平台另按国家维护运费列表。"),
    ("半托管售后", "半托管的售后由平台提供退货方案，店铺运营由商家负责。"),
    ("半托管发货方式", "半托管有三种发货方式：上门揽收、商家自己寄到仓库、从仓库直接发货。"),
    ("半托管入驻", "半托管入驻时店铺需满足的条件，现有来源没有说明。"),
    ("仓库运费", "商家把货寄到仓库时，运费按重量计算，仓库签收后开始计时。"),
    ("半托管时效", "半托管订单一般7到12天送达买家。"),
    ("半托管物流", "半托管的跨境物流由平台负责。"),
]
SELF_SEND_FAQ = ("上门揽收免费吗？自寄入仓的运费谁出？\n\n现有来源没有说明上门揽收是否免费，也没有说明商家自寄入仓的运费由谁承担。\n\n"
                 "半托管订单有哪几种发货方式？\n\n有三种：上门揽收、商家自寄、仓发。")


@pytest.fixture(scope="module")
def self_send(tmp_path_factory):
    root = tmp_path_factory.mktemp("self-send")
    for i, (title, body) in enumerate(SELF_SEND_DOCS):
        write_doc(root / "corpus", f"doc{i}", "zh", title, body)
    write_doc(root / "corpus", "pickup-faq", "zh", "托管发货：常见问题", SELF_SEND_FAQ, type="faq")
    return indexed(root)


def test_a_passage_holding_an_faq_that_asks_what_the_question_asks_ranks_first(self_send):
    q = self_send.understander.understand("半托管自己寄去仓库 运费谁出")
    plain = self_send.retriever.search(q.text, lang=q.lang, k=3)
    asked = self_send.retriever.search(q.text, lang=q.lang, k=3, asked=q.asking_about)
    assert plain.passages[0].doc_id != "pickup-faq"
    assert asked.passages[0].doc_id == "pickup-faq"


def test_an_faq_on_a_page_about_the_term_says_who_pays_is_not_known(self_send):
    answer = self_send.ask("半托管自己寄去仓库 运费谁出")
    # the FAQ asks who pays the freight, on a page about 半托管 (named in its other question): the
    # three shipping methods do not say who pays
    assert answer.refused and "运费" in answer.answer.split("\n")[0], answer.answer
    assert "运费由谁承担" in answer.citations[0].quote


@pytest.mark.parametrize("question, word", [
    ("store rating level top what score", "score"),
    ("半托管自寄 运费谁出", "运费"),
    ("年审门槛是多少", "门槛"),
    ("how do i ship", None),
])
def test_the_word_a_question_word_asks_about(question, word):
    from assistant.answer.understand import asked_attribute
    from assistant.schema import Topic

    topics = [Topic(w, (w,), "word") for w in ("store", "rating", "level", "top", "score", "运费", "门槛", "ship")]
    found = asked_attribute(question, topics)
    assert (found.label if found else None) == word


def test_which_model_suits_asks_what_suits_not_about_models(assistant):
    # the FAQ "which model has the lowest fees?" asks about models too, but not what this asks
    q = assistant.understander.understand("We are a factory with no cross-border experience. Which model suits us?")
    assert q.attribute is None


def test_a_compound_word_is_not_a_longer_form_of_the_word_it_starts_with(tmp_path):
    write_doc(tmp_path / "corpus", "store-fees", "en", "Store fees",
              "Historically the platform charged an annual fee of RMB 10,000 per business category.\n\n"
              "Sellers can ask for a cancellation of an order the buyer has not paid.")
    a = indexed(tmp_path)
    answer = a.ask("platform chargeback fee for sellers how much")
    # "chargeback" is not "charged": the annual fee is not what was asked
    assert answer.refused and "chargeback" in answer.answer.split("\n")[0], answer.answer
    from assistant.answer.read import Words

    assert Words(frozenset({"cancellation"})).has("cancel") and Words(frozenset({"cancel"})).has("cancellation")
    assert not Words(frozenset({"charg"})).has("chargeback")


def test_being_one_of_several_kinds_is_not_the_size_asked_for(tmp_path):
    write_doc(tmp_path / "corpus", "seller-support", "en", "Support for quality sellers",
              "A penalty-free quota is one of six kinds of support announced for quality sellers.\n\n"
              "The support also includes traffic in key countries.")
    a = indexed(tmp_path)
    answer = a.ask("How large is the penalty-free quota?")
    assert answer.refused, answer.answer


def test_how_something_changed_is_led_by_the_sentence_tracing_the_change(tmp_path):
    write_doc(tmp_path / "corpus", "choice-share-faq", "en", "Choice order share: questions",
              "What share of orders comes from Choice?\n\nAbout 70% of orders came from Choice, according "
              "to results cited in September 2024. That is the newest figure.", type="faq")
    write_doc(tmp_path / "corpus", "choice-share", "en", "Choice order share",
              "The Choice order share moved from a target of over 50% in November 2023 to roughly half in January "
              "2024 and to about 70% in September 2024.")
    a = indexed(tmp_path)
    lead = first_block(a.ask("How has the Choice order share changed over time?"))
    assert "50%" in lead and "70%" in lead


@pytest.mark.parametrize("question, parts", [
    ("成交不卖和虚假发货分别是指什么？", ["成交不卖是指什么？", "虚假发货是指什么？"]),
    ("What are JIT and warehouse shipping, respectively?", ["What is JIT?", "What is warehouse shipping?"]),
    ("半托管和全托管有什么区别？", ["半托管和全托管有什么区别？"]),  # a difference is one question
])
def test_a_question_asked_of_each_term_is_answered_term_by_term(assistant, question, parts):
    assert assistant.understander.understand(question).parts == parts


@pytest.mark.parametrize("question, figure", [
    ("想先拿几个商品试试半托管，可以吗？", False),  # "a few products", asked yes or no
    ("一个公司能开几家店？", True),
])
def test_a_few_in_a_yes_or_no_question_asks_for_no_count(question, figure):
    from assistant.answer.understand import classify

    assert ("figure" in classify(question)) is figure


def test_it_in_a_follow_up_is_the_previous_questions_subject_even_beside_a_new_term(assistant):
    history = [{"role": "user", "content": "When did the 96-hour first-scan window start?"},
               {"role": "assistant", "content": "On 9 September 2024."}]
    q = assistant.understander.understand("Does it apply to all POP items?", history)
    assert "first-scan" in q.text and "POP" in q.text


@pytest.mark.parametrize("question, parts", [
    ("What is Choice, when did it launch, and how many countries did it serve?",
     ["What is Choice", "when did it launch", "how many countries did it serve?"]),
    ("If a buyer cancels before I ship, what happens?", ["If a buyer cancels before I ship, what happens?"]),
    # ", and" before a verb that opens a yes-or-no question asks a second question
    ("How many shops can one company open, and do all goods have to ship from Spain?",
     ["How many shops can one company open", "do all goods have to ship from Spain?"]),
    ("Is the deposit charged per category, and can I pay it with a bank guarantee?",
     ["Is the deposit charged per category", "can I pay it with a bank guarantee?"]),
    ("What is the fee for Choice items, and is it the same for semi-managed?",
     ["What is the fee for Choice items", "is it the same for semi-managed?"]),
    # "or" offers the other answer to the same question; "and" without a comma joins one question
    ("Do all categories need a trademark, or can some be sold without one?",
     ["Do all categories need a trademark, or can some be sold without one?"]),
    ("Can I sell shoes and do I need a brand for them?", ["Can I sell shoes and do I need a brand for them?"]),
])
def test_a_comma_before_a_new_question_word_starts_another_part(question, parts):
    from assistant.answer.understand import split_parts

    assert split_parts(question) == parts


def test_a_refusal_quotes_the_knowledge_bases_own_word_that_the_detail_is_not_public(tmp_path):
    write_doc(tmp_path / "corpus", "seller-support", "en", "Support for quality POP sellers",
              "Quality POP sellers get a penalty-free quota and traffic in key countries.\n\n"
              "The size of the penalty-free quota is not public in our sources.")
    a = indexed(tmp_path)
    answer = a.ask("Do quality POP sellers get a penalty-free quota, and how big is it?")
    second = answer.answer.split("**2.")[1]
    assert "penalty-free quota" in second.split("\n\n")[1] and "is not public in our sources" in second


def test_a_question_refused_in_every_part_for_the_same_reason_is_refused_once(tmp_path):
    write_doc(tmp_path / "corpus", "seller-support", "en", "Support for quality POP sellers",
              "Quality POP sellers get a penalty-free quota.\n\nThe rules and the tiers of the penalty-free quota "
              "are not public in our sources.")
    a = indexed(tmp_path)
    answer = a.ask("What are the exact rules of the penalty-free quota, and how many tiers does it have?")
    assert answer.refused and "**1." not in answer.answer


def test_questions_asked_at_once_from_several_threads_get_the_answers_they_get_alone(assistant):
    from concurrent.futures import ThreadPoolExecutor

    questions = ["半托管发到买家手上一般要几天", "What is JIT?", "速卖通没按时发货要罚钱吗", "how many stores can one company open",
                 "成交不卖和虚假发货分别是指什么？", "Who sets the retail price under fully-managed?"]
    alone = {q: assistant.ask(q).answer for q in questions}
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda q: (q, assistant.ask(q).answer), questions * 3))
    assert all(answer == alone[q] for q, answer in together)


def test_a_pointer_never_leads_an_answer(tmp_path):
    # the FAQ asks the seller's very question, but its answer only points elsewhere
    write_doc(tmp_path / "corpus", "moon-faq", "en", "Moon selling: quick answers",
              "Who sets the price of moon rocks?\n\nSee “Moon rock pricing”.\n\n"
              "Can moon rocks be returned?\n\nYes, within 14 days of delivery.", type="faq")
    write_doc(tmp_path / "corpus", "moon-pricing", "en", "Moon rock pricing",
              "The seller sets the price of moon rocks. The platform may suggest a price but never imposes one.")
    a = indexed(tmp_path)
    answer = a.ask("who sets the price of moon rocks?")
    first = answer.answer.split("\n")[0]
    assert first.startswith("The seller sets the price of moon rocks"), answer.answer


@pytest.mark.parametrize("lang, title, body, question, fact, pointer", [
    ("en", "Refunds to buyers",
     "## How a refund reaches the buyer\n\nA buyer who paid by card is refunded to the same card.\n\n"
     "Once AliExpress has completed the refund, the card issuer can take 7–15 business days to show it.\n\n"
     "Partial refunds follow the same route as full ones.\n\nSee the page on disputes for how a refund is agreed.",
     "How does a refund reach a buyer who paid by card?", "7–15 business days", "See the page on disputes"),
    ("zh", "买家退款",
     "## 退款怎样退给买家\n\n用银行卡付款的买家，退款原路退回这张卡。\n\n速卖通完成退款后，发卡机构可能还需要7–15个工作日才显示到账。\n\n"
     "部分退款和全额退款走同样的路径。\n\n详见《纠纷处理》。",
     "买家用信用卡付的钱，退款退到哪里？", "7–15个工作日", "详见"),
])
def test_an_answer_goes_on_with_the_facts_close_by_but_never_with_a_pointer(tmp_path, lang, title, body, question,
                                                                           fact, pointer):
    write_doc(tmp_path / "corpus", "refunds", lang, title, body)
    answer = indexed(tmp_path).ask(question)
    shown = body_of(answer.answer, answer.lang)
    assert not answer.refused and fact in shown and pointer not in shown, answer.answer


@pytest.mark.parametrize("question, name", [
    ("Does AliExpress ship to North Korea?", "North Korea"),
    ("Can I sell to buyers in New Caledonia on AliExpress?", "New Caledonia"),
    ("Is there an AliExpress local seller programme in Papua New Guinea?", "Papua New Guinea"),
    ("Can a company from Sierra Leone open an AliExpress store?", "Sierra Leone"),
])
def test_a_refusal_names_a_place_the_way_the_question_writes_it(assistant, question, name):
    answer = assistant.ask(question)
    first = answer.answer.split("\n")[0]
    assert answer.refused and f"“{name}”" in first, first


@pytest.mark.parametrize("question", [
    "速卖通一个营业执照能开几个店",
    "一张执照可以开多少家速卖通店铺？",
    "How many AliExpress stores can one business licence open?",
])
def test_a_yes_or_no_to_another_faq_question_never_leads_whatever_rule_chose_it(assistant, question):
    # the knowledge base's FAQ "没有营业执照，个人能开店吗？" answers "不能，…": read first, it would say
    # the seller cannot open any store
    lead = body_of(assistant.ask(question).answer).split("\n")[0]
    assert not re.match(r"(?i)(不能|不可以|能|可以|no|yes)\b|(不能|不可以|能|可以)[，,]", lead), lead


GAP_LISTS = {
    "en": ("Joining semi-managed",
           "## Joining semi-managed\n\nYou join semi-managed product by product from your POP store: you tick eligible "
           "listings in the seller backend and add the semi-managed data to them.\n\n## What is not known\n\n"
           "Our sources do not say:\n\n- which store conditions (medal, rating, store age) a store must meet to join "
           "semi-managed;\n- which countries semi-managed ships to;\n- who pays for shipping goods to the warehouse.\n",
           "Our sources do not say"),
    "zh": ("加入半托管",
           "## 加入半托管\n\n半托管按商品加入：在卖家后台勾选符合条件的POP商品，补充半托管信息即可。\n\n## 资料中没有的\n\n"
           "现有来源没有说明：\n\n- 加入半托管时店铺要满足哪些条件（金银牌、评分、开店时长）；\n- 半托管开放了哪些国家；\n"
           "- 商品送到仓库的运费由谁承担。\n",
           "现有来源没有说明"),
}


@pytest.fixture(scope="module")
def gap_list_assistant(tmp_path_factory):
    root = tmp_path_factory.mktemp("gap-list")
    for lang, (title, body, _) in GAP_LISTS.items():
        write_doc(root / "corpus", "semi-join", lang, title, body)
    return indexed(root)


@pytest.mark.parametrize("lang,question,item", [
    ("en", "Which store conditions must a store meet to join semi-managed?", "store conditions"),
    ("en", "what are the store requirements (medal, rating) for joining semi-managed", "store conditions"),
    ("en", "Which countries does semi-managed ship to?", "which countries"),
    ("zh", "加入半托管店铺要满足什么条件", "金银牌"),
    ("zh", "半托管入驻对店铺有什么要求，要金银牌吗", "金银牌"),
    ("zh", "半托管开放了哪些国家", "哪些国家"),
])
def test_an_item_of_a_list_of_what_is_not_known_is_refused_with_its_lead_in(gap_list_assistant, lang, question, item):
    answer = gap_list_assistant.ask(question)
    lead = first_block(answer)
    # the item says what is not known only under "Our sources do not say:": never quoted as a fact
    assert answer.refused and lead.startswith(GAP_LISTS[lang][2]) and item in lead, answer.answer


@pytest.mark.parametrize("lang,question,fact", [
    ("en", "How do I join semi-managed?", "product by product"),
    ("en", "how to join semi managed from my POP store", "product by product"),
    ("en", "What are the steps to join semi-managed?", "product by product"),
    ("zh", "怎么加入半托管", "按商品加入"),
    ("zh", "POP店铺如何加入半托管", "按商品加入"),
    ("zh", "加入半托管的步骤是什么", "按商品加入"),
])
def test_a_list_of_what_is_not_known_does_not_refuse_what_a_passage_answers(gap_list_assistant, lang, question, fact):
    # the list names joining semi-managed in one of its items; the passage answers how to join
    answer = gap_list_assistant.ask(question)
    assert not answer.refused and fact in first_block(answer), answer.answer
