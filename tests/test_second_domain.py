"""The whole answer path on a second, made-up knowledge base (Moonbeam Market): the engine knows
no platform by name, so a knowledge manager's glossary and domain file are all it needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.kb.domain import Domain
from assistant.kb.glossary import Glossary
from assistant.eval.score import body_of, leads_of

ROOT = Path(__file__).resolve().parent.parent
MOONBEAM = Path(__file__).resolve().parent / "fixtures" / "moonbeam"
ENGINE = ["answer/understand.py", "answer/retrieve.py", "answer/read.py", "answer/judge.py", "answer/write.py",
          "pipeline.py", "learn/relevance.py", "ingest/structure.py", "ingest/pagetext.py", "ingest/load.py",
          "ingest/chunk.py", "kb/glossary.py", "kb/domain.py", "lang/text.py", "index/index.py", "index/keyword.py",
          "app/reply.py", "answer/llm.py", "app/ui.py", "app/api.py", "app/web.py", "app/cli.py", "app/preview.py"]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def moonbeam(tmp_path_factory):
    from assistant import Assistant, Settings

    a = Assistant(Settings(data_dir=tmp_path_factory.mktemp("moonbeam"), corpus_dir=MOONBEAM))
    report = a.ingest([MOONBEAM])
    assert report.ok, report.errors
    return a


def lead(answer) -> str:
    """The lead paragraph with the list or table it introduces."""
    return leads_of(body_of(answer.answer, answer.lang))[0].block


def test_an_faq_question_is_answered_by_its_answer_with_the_pages_date(moonbeam):
    a = moonbeam.ask("How long is the dispatch window?")
    assert "5 working days" in lead(a)
    assert "How long is the dispatch window" not in body_of(a.answer, "en")
    assert a.citations[0].published == "2025-03-03"


def test_a_list_under_a_heading_is_quoted_whole_after_its_intro(moonbeam):
    a = moonbeam.ask("三星商家有哪些权益？")
    first = lead(a)
    assert first.startswith("三星商家可以享受以下权益：")
    assert all(item in first for item in ("专属客户经理", "活动优先报名", "每月两次免费流量扶持"))


def test_an_undated_page_is_cited_as_undated(moonbeam):
    a = moonbeam.ask("What is the deposit for telescopes?")
    assert "20,000" in lead(a)
    assert a.citations[0].published == "undated"
    assert "(undated)" in a.answer


def test_a_topic_the_knowledge_base_lacks_is_refused_by_name(moonbeam):
    a = moonbeam.ask("How do I set up live streaming on Moonbeam?")
    assert a.refused and a.verdict == "not_covered"
    assert "streaming" in lead(a) and "Moonbeam seller console" in a.answer


def test_another_platform_named_in_the_domain_file_is_refused(moonbeam):
    a = moonbeam.ask("What is the deposit on Sunspot?")
    assert a.refused and "Sunspot" in lead(a) and "Moonbeam Market seller rules" in lead(a)


def test_a_summary_is_cited_as_such_with_the_date_of_what_it_rests_on(moonbeam):
    a = moonbeam.ask("Who sets the price under the Comet plan?")
    assert not a.refused and "supply price" in lead(a)
    c = a.citations[0]
    assert c.summary and c.published == "" and c.sources[0].date == "2025-01-01"
    assert "knowledge-base summary, based on: Moonbeam Market 2025-01-01" in a.answer


def test_the_knowledge_bases_own_not_public_note_leads_a_refusal(moonbeam):
    a = moonbeam.ask("What is the Moonbeam commission rate?")
    assert a.refused and "%" not in body_of(a.answer, "en")


def test_the_web_ui_takes_its_title_and_examples_from_the_domain_file(moonbeam):
    assert moonbeam.domain.title["en"] == "Moonbeam Rules Assistant"
    assert "How long is the dispatch window?" in moonbeam.domain.examples


def _domain_words() -> set[str]:
    """Names the shipped knowledge base is about: its scope, entities, other platforms and the
    canonical forms of its glossary terms (three characters or more, so generic words such as
    'AE' or 'JIT' in unrelated identifiers do not count)."""
    domain = Domain.from_file(ROOT / "corpus" / "domain.yaml")
    glossary = Glossary.from_file(ROOT / "corpus" / "glossary.yaml")
    words = {*domain.scope, *domain.other_platforms, *(f for e in domain.entities for f in e.forms)}
    words |= {t.zh for t in glossary.terms} | {t.en for t in glossary.terms}
    return {w for w in words if len(w) >= 3 or re.search(r"[\u4e00-\u9fff]{2}", w)}


@pytest.mark.parametrize("module", ENGINE)
def test_engine_modules_name_nothing_of_the_shipped_domain(module):
    source = (ROOT / "assistant" / module).read_text(encoding="utf-8")
    # acronyms ("POP") match as written, so Python's list.pop() is not a hit; other words in any case
    found = sorted(w for w in _domain_words()
                   if re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", source,
                                re.I if w.isascii() and not w.isupper() else 0))
    assert not found, f"{module} names {found}: such words belong in corpus/domain.yaml or the glossary"
