"""Property-based tests: loaders never lose or garble text, and no question crashes the answer path."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import QuestionError
from assistant.ingest.load import load_path
from assistant.lang.text import split_sentences

zh_sentence = st.text(alphabet="半托管全定价物流仓发商家平台规则时效小时天", min_size=1, max_size=30).map(lambda s: s + "。")
en_sentence = st.lists(st.sampled_from(["seller", "price", "ships", "warehouse", "POP", "rule", "hours", "96"]),
                       min_size=1, max_size=10).map(lambda w: " ".join(w).capitalize() + ".")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(zh_sentence, en_sentence), min_size=1, max_size=25), st.sampled_from(["md", "txt", "html"]))
def test_every_sentence_written_comes_back_from_the_loader(tmp_path, sentences, kind):
    body = "\n\n".join(sentences)
    path = tmp_path / f"doc.{kind}"
    if kind == "html":
        paras = "".join(f"<p>{s}</p>" for s in sentences)
        path.write_text(f"<html><body><article><h1>Title</h1>{paras}</article></body></html>", encoding="utf-8")
    else:
        path.write_text(f"# Title\n\n{body}\n", encoding="utf-8")
    (doc,) = load_path(path)
    got = split_sentences("\n".join(ln for ln in doc.text.splitlines() if not ln.startswith("# ")))
    assert got == [s for para in sentences for s in split_sentences(para)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
       | st.text(alphabet=string.printable + "半托管？！。", max_size=200))
def test_no_question_crashes_the_answer_path(assistant, question):
    try:
        answer = assistant.ask(question)
    except QuestionError as exc:
        assert str(exc)  # a polite message, not a crash
        return
    assert answer.lang in ("zh", "en")
    assert answer.answer.strip()
    assert answer.timings_ms["total"] < 5000
    for c in answer.citations:
        sentences = assistant.index.records[f"{c.doc_id}.{c.lang}"].sentences
        assert all(line in sentences for line in c.quote.split("\n"))
