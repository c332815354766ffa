"""The CLI contract other tools rely on: exit codes, the answer JSON, --jsonl."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, write_doc


def run(*args, data_dir, stdin=None):
    return subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(data_dir), *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    write_doc(corpus, "rule-a", "zh", "规则A", "测试平台的规则A规定新品揽收时限为60小时。")
    write_doc(corpus, "rule-a", "en", "Rule A", "Under rule A of the test platform, new items get 60 hours for pickup.")
    result = run("ingest", "-q", str(corpus), data_dir=root / "data")
    assert result.returncode == 0, result.stderr
    assert "2 added" in result.stdout
    return root


def test_ingest_reports_failures_with_exit_1_and_keeps_the_rest(tmp_path):
    corpus = tmp_path / "c"
    write_doc(corpus, "ok", "en", "OK", "A valid notice about pickup windows.")
    (corpus / "bad.md").write_bytes(b"\x00\x01binary")
    result = run("ingest", "-q", str(corpus), data_dir=tmp_path / "d")
    assert result.returncode == 1
    assert "bad.md" in result.stderr and "1 added" in result.stdout and "1 failed" in result.stdout


def test_ingest_of_a_missing_path_is_one_clear_line(tmp_path):
    result = run("ingest", str(tmp_path / "nope"), data_dir=tmp_path / "d")
    assert result.returncode == 1 and "no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_json_has_the_design_shape(small):
    result = run("ask", "How many hours do new items get under rule A?", "--json", data_dir=small / "data")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= {"question", "lang", "answer", "refused", "confidence", "citations", "mode", "timings_ms"}
    assert answer["lang"] == "en" and "60 hours" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "rule-a" and answer["citations"][0]["quote"]
    assert {"retrieve", "compose", "total"} <= set(answer["timings_ms"])


def test_ask_jsonl_answers_each_line_and_reports_bad_lines(small):
    lines = "\n".join([
        json.dumps({"question": "规则A的揽收时限是多少？"}, ensure_ascii=False),
        "not json",
        json.dumps({"question": "and in English?", "history": [{"role": "user", "content": "规则A的揽收时限是多少？"}]}),
    ])
    result = run("ask", "--jsonl", data_dir=small / "data", stdin=lines)
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert out[0]["lang"] == "zh" and "60" in out[0]["answer"]
    assert "error" in out[1] and "line 2" in out[1]["error"]
    assert out[2]["lang"] == "en"
    assert result.returncode == 1


def test_empty_question_is_a_one_line_error(small):
    result = run("ask", "   ", data_dir=small / "data")
    assert result.returncode == 1 and "question is empty" in result.stderr and "Traceback" not in result.stderr


def test_invalid_setting_fails_with_a_hint(small):
    result = subprocess.run([sys.executable, "-m", "assistant", "ask", "x"], capture_output=True, text=True, cwd=ROOT,
                            env={**__import__("os").environ, "ASSISTANT_TOP_K": "zero"})
    assert result.returncode == 1 and "ASSISTANT_TOP_K" in result.stderr


def test_help_is_fast_and_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True, cwd=ROOT)
    for cmd in ("ingest", "ask", "reply", "documents", "serve", "eval", "bench", "corpus"):
        assert cmd in result.stdout


def test_ask_on_a_never_ingested_data_dir_says_so_and_exits_1(tmp_path):
    for args in (["ask", "What is rule A?"], ["reply", "Hi, what is rule A?"]):
        result = run(*args, data_dir=tmp_path / "never-ingested")
        assert result.returncode == 1, result.stdout
        assert "is empty" in result.stderr and "assistant ingest" in result.stderr, result.stderr
        assert str(tmp_path / "never-ingested") in result.stderr and "Traceback" not in result.stderr


def test_documents_are_listed_deleted_and_replaced_from_the_cli(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "rule-a", "zh", "规则A", "测试平台的规则A规定新品揽收时限为60小时。")
    write_doc(corpus, "rule-a", "en", "Rule A", "Under rule A of the test platform, new items get 60 hours for pickup.")
    write_doc(corpus, "rule-b", "en", "Rule B", "Rule B says returns are handled by the seller within 15 days.")
    data = tmp_path / "data"
    assert run("ingest", "-q", str(corpus), data_dir=data).returncode == 0

    listing = run("documents", "list", data_dir=data)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("\t") for line in listing.stdout.splitlines()]
    assert sorted((r[0], r[1]) for r in rows) == [("rule-a", "en"), ("rule-a", "zh"), ("rule-b", "en")]
    assert str((corpus / "rule-a.en.md").resolve()) in listing.stdout

    deleted = run("documents", "delete", "rule-a", "--lang", "en", data_dir=data)
    assert deleted.returncode == 0, deleted.stderr
    assert "removed: rule-a.en" in deleted.stdout and "stays" in deleted.stdout
    deleted = run("documents", "delete", "rule-a", data_dir=data)
    assert "removed: rule-a.zh" in deleted.stdout
    docs = json.loads(run("documents", "list", "--json", data_dir=data).stdout)
    assert [(d["doc_id"], d["lang"]) for d in docs] == [("rule-b", "en")]
    missing = run("documents", "delete", "rule-a", data_dir=data)
    assert missing.returncode == 1 and "no document 'rule-a'" in missing.stderr

    newer = write_doc(tmp_path / "2026", "rule-b", "en", "Rule B (2026)",
                      "Rule B now says returns are handled by the platform within 30 days.")
    refused = run("ingest", "-q", str(newer), data_dir=data)
    assert refused.returncode == 1 and "already used by" in refused.stderr and "--replace" in refused.stderr
    replaced = run("ingest", "-q", "--replace", str(newer), data_dir=data)
    assert replaced.returncode == 0, replaced.stderr
    assert "1 updated" in replaced.stdout
    answer = json.loads(run("ask", "Who handles returns under rule B, and within how many days?", "--json",
                            data_dir=data).stdout)
    assert "30 days" in answer["answer"] and "15 days" not in answer["answer"]
    assert {c["doc_id"] for c in answer["citations"]} == {"rule-b"}


def test_serve_ingest_without_a_corpus_fails_with_a_clear_message(tmp_path):
    result = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "d"), "serve", "--ingest"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120,
                            env={**os.environ, "ASSISTANT_CORPUS_DIR": str(tmp_path / "no-corpus")})
    assert result.returncode == 1
    assert "no corpus to ingest" in result.stderr and "ASSISTANT_CORPUS_DIR" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_corpus_is_found_when_run_outside_the_repository(tmp_path, monkeypatch):
    from assistant.settings import Settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASSISTANT_CORPUS_DIR", raising=False)
    assert Settings().corpus_dir.resolve() == (ROOT / "corpus").resolve()
    (tmp_path / "corpus").mkdir()  # a corpus of one's own, where the command runs, comes first
    assert Settings().corpus_dir.resolve() == (tmp_path / "corpus").resolve()
