"""The question pool: split by site, labels merged without losing anything, stale labels caught by
the corpus check, and a sealed run that shows figures but never an item."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.eval.pool import assemble, assign_splits, eval_item, load_split, merge, merge_labels, site_of
from assistant.ingest.check import check_labels
from conftest import write_doc


def raw_item(question: str, page: str, lang: str = "zh") -> dict:
    return {"question": question, "lang": lang, "page": page, "form": "title", "page_kind": "qa"}


def write_raw(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def many_sites(n_sites: int = 24, per_site: int = 5) -> list[dict]:
    return [raw_item(f"问题{s}-{k}：保证金多久退？" if k % 3 else f"question {s}-{k}: deposit refund?",
                     f"https://www.site{s}.com/q/{k // 4}", "zh" if k % 3 else "en")
            for s in range(n_sites) for k in range(per_site)]


@pytest.mark.parametrize(("url", "site"), [
    ("https://sell.aliexpress.com/zh/__pc/x.htm", "aliexpress.com"),
    ("https://activities.aliexpress.com/adcms/help.php", "aliexpress.com"),
    ("http://en.hb2b.com/ask/191786.html", "hb2b.com"),
    ("https://www.example.com.cn/a", "example.com.cn"),
    ("https://m.xeeger.com/labels/46054.htm", "xeeger.com"),
])
def test_a_site_is_the_registrable_domain(url, site):
    assert site_of(url) == site


def test_merge_drops_repeated_questions_and_keeps_at_most_four_per_page():
    page = "https://a.example.com/q/1"
    items = [raw_item(f"第{k}个问题是什么？", page) for k in range(6)] + [raw_item("第0个问题是什么?", "https://b.example.com/x")]
    merged = merge(items)
    assert [i["question"] for i in merged] == [f"第{k}个问题是什么？" for k in range(4)]
    assert {i["site"] for i in merged} == {"example.com"}


def test_every_site_goes_to_one_split_in_about_the_asked_shares():
    items = merge(many_sites())
    splits = assign_splits(items)
    counts = Counter(splits[i["site"]] for i in items)
    assert set(splits.values()) == {"train", "dev", "sealed"}
    assert abs(counts["train"] / len(items) - 0.5) < 0.1
    assert abs(counts["sealed"] / len(items) - 0.25) < 0.1


def test_assembling_again_with_a_new_site_moves_no_old_item_and_keeps_labels(tmp_path):
    raw = write_raw(tmp_path / "a.jsonl", many_sites(12))
    out = tmp_path / "pool"
    assemble([raw], out)
    before = {r["id"]: (split, r["question"]) for split in ("train", "dev", "sealed") for r in load_split(split, out)}
    some_id = next(iter(before))
    labels = write_raw(tmp_path / "labels.jsonl", [{"id": some_id, "answerable": "no", "missing": "x", "facts": []}])
    merge_labels([labels], out)
    extra = write_raw(tmp_path / "b.jsonl", [raw_item("新站点的问题？", "https://www.newsite.org/p")])
    assemble([raw, extra], out)
    after = {r["id"]: (split, r["question"]) for split in ("train", "dev", "sealed") for r in load_split(split, out)}
    assert all(after[qid] == where for qid, where in before.items())
    assert len(after) == len(before) + 1
    labelled = [r for s in ("train", "dev", "sealed") for r in load_split(s, out) if r["id"] == some_id]
    assert labelled[0]["label"]["answerable"] == "no"


def test_a_label_becomes_an_eval_item_with_its_key_facts():
    record = {"id": "pool-zh-0001", "question": "保证金多久退？", "lang": "zh", "label": {
        "answerable": "partly", "missing": "退还时限",
        "facts": [{"fact": "关店后可退", "must_include": "可以取回|能退", "kb": [{"doc": "faq-fees", "lang": "zh", "quote": "…"}]}]}}
    item = eval_item(record)
    assert item["answerable"] is True and item["label"] == "partly"
    assert item["must_include"] == ["可以取回|能退"] and item["sources"] == ["faq-fees"]
    assert eval_item({**record, "label": {"answerable": "no", "facts": []}})["answerable"] is False
    assert eval_item({k: v for k, v in record.items() if k != "label"}) is None


def test_the_corpus_check_flags_a_label_whose_key_fact_left_the_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus / "faq", "faq-fees", "zh", "费用", "关店后保证金可以取回。", type="faq", voice="summary")
    pool = tmp_path / "pool"
    pool.mkdir()
    fact = {"must_include": "可以取回|能退", "kb": [{"doc": "faq-fees", "lang": "zh", "quote": "关店后保证金可以取回。"}]}
    record = {"id": "pool-zh-0009", "question": "一个不该出现在报告里的问题", "lang": "zh",
              "label": {"answerable": "yes", "facts": [fact]}}
    (pool / "sealed.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert check_labels(pool, corpus) == []
    write_doc(corpus / "faq", "faq-fees", "zh", "费用", "关店后保证金的去向未知。", type="faq", voice="summary")
    problems = check_labels(pool, corpus)
    assert len(problems) == 1 and "pool-zh-0009: key fact 1 no longer occurs in faq-fees.zh" in problems[0]
    assert "一个不该出现" not in problems[0] and "可以取回" not in problems[0]


@pytest.mark.integration
def test_the_sealed_split_prints_figures_and_mechanism_counts_but_no_item(tmp_path, capsys, monkeypatch):
    from assistant.app.cli import main

    corpus = tmp_path / "corpus"
    write_doc(corpus / "articles", "deposit", "zh", "保证金", "店铺关闭后，保证金在确认没有纠纷后退回。", type="article",
              voice="summary")
    write_doc(corpus / "articles", "deposit", "en", "Deposit", "After a store closes, the deposit is returned once no "
              "dispute is open.", type="article", voice="summary")
    pool = tmp_path / "evals" / "pool"
    pool.mkdir(parents=True)
    secret = ["速卖通关店以后押金还能要回来吗秘密问题甲", "zebra-striped sealed question about the store deposit refund?"]
    fact_zh = {"must_include": "退回", "kb": [{"doc": "deposit", "lang": "zh", "quote": "x"}]}
    fact_en = {"must_include": "returned", "kb": [{"doc": "deposit", "lang": "en", "quote": "x"}]}
    records = [{"id": "pool-zh-0001", "question": secret[0], "lang": "zh", "site": "a.com", "page": "https://a.com/1",
                "label": {"answerable": "yes", "facts": [fact_zh]}},
               {"id": "pool-en-0001", "question": secret[1], "lang": "en", "site": "b.com", "page": "https://b.com/1",
                "label": {"answerable": "yes", "facts": [fact_en]}}]
    (pool / "sealed.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                       encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
    report = tmp_path / "report"
    code = main(["--data-dir", str(tmp_path / "data"), "eval", "--set", "sealed", "--evals-dir", str(tmp_path / "evals"),
                 "--report", str(report)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "eval sealed: 2 questions" in out.out and "ordinary-word refusals" in out.out
    result = json.loads((report / "result.json").read_text(encoding="utf-8"))
    sealed = result["sets"]["sealed"]
    assert sealed["rows"] == [] and sealed["per_question"] == {}
    assert sealed["overall"]["questions"] == 2 and set(sealed["by_lang"]) == {"zh", "en"}
    for key in ("acceptable", "bad_refusal_rate", "ordinary_word_refusals", "fragment_leads", "confidence_auroc"):
        assert key in sealed["overall"]
    shown = out.out + out.err + "".join(p.read_text(encoding="utf-8") for p in report.iterdir())
    for text in secret + ["pool-zh-0001", "pool-en-0001", "deposit is returned", "保证金在确认"]:
        assert text not in shown, text
    assert "reported in aggregate only" in (report / "summary.md").read_text(encoding="utf-8")
