"""`assistant corpus check` passes on the shipped corpus and names each kind of broken document."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.corpus_check import check_corpus
from conftest import ROOT, write_doc


def test_shipped_corpus_is_valid(corpus_dir):
    result = subprocess.run([sys.executable, "-m", "assistant", "corpus", "check", str(corpus_dir)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout


def _base(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    write_doc(root / "articles", "pop", "zh", "POP", "POP是商家自运营模式。", type="article", facts="[A2]")
    write_doc(root / "articles", "pop", "en", "POP", "POP is the merchant self-operated model.", type="article", facts="[A2]")
    shutil.copy(ROOT / "corpus" / "glossary.yaml", root / "glossary.yaml")
    (root / "glossary.yaml").write_text((root / "glossary.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return root


def _errors(root: Path) -> list[str]:
    # the copied glossary points at the real corpus's articles; only this test's problems matter
    return [e for e in check_corpus(root) if "glossary.yaml" not in e]


def test_small_valid_corpus_passes(tmp_path):
    assert _errors(_base(tmp_path)) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda r: (r / "articles/pop.en.md").unlink(), "has no en version"),
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", published="2024-13-45"), "published: '2024-13-45' is not an ISO date"),
        (lambda r: (r / "articles/pop.en.md").write_text("---\nid: pop\n  bad: [\n---\nx"), "front matter: front matter is not valid YAML"),
        (lambda r: (r / "articles/pop.en.md").write_text((r / "articles/pop.en.md").read_text().replace("https://example.com/n", "example")), "url: missing or not an http(s) URL"),
        (lambda r: write_doc(r / "faq", "faq-x", "zh", "问", "答。", type="faq", rests_on="[nope]") and
         write_doc(r / "faq", "faq-x", "en", "Q", "A.", type="faq", rests_on="[nope]"), "rests_on: 'nope' is not a document id"),
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="blogpost"), "type: 'blogpost' must be one of"),
        (lambda r: (r / "articles/pop.en.md").rename(r / "articles/pop2.en.md"), "does not match the file name"),
    ],
)
def test_each_kind_of_broken_document_is_named(tmp_path, breakage, expected):
    root = _base(tmp_path)
    breakage(root)
    errors = _errors(root)
    assert any(expected in e for e in errors), errors


def test_broken_glossary_term_is_named(tmp_path):
    root = _base(tmp_path)
    (root / "glossary.yaml").write_text(
        "id: glossary\ntype: glossary\npublished: 2026-11-27\nsources: [{title: t, publisher: p, url: 'https://e.com', date: 2026-11-27}]\n"
        "terms:\n  - {id: x, zh: 半托管, en: semi-managed}\n", encoding="utf-8")
    errors = check_corpus(root)
    assert any("terms[0] (x).definition_zh: missing" in e for e in errors), errors


def test_coverage_row_without_a_document_in_one_language_is_named(tmp_path):
    root = _base(tmp_path)
    (root / "COVERAGE.md").write_text("| fact | confidence | zh documents | en documents | note |\n|---|---|---|---|---|\n"
                                      "| A2 | high | pop | — | |\n", encoding="utf-8")
    assert any("A2: a high fact has no en document" in e for e in _errors(root))


def test_cli_exits_1_with_one_line_per_problem(tmp_path):
    root = _base(tmp_path)
    (root / "articles/pop.en.md").unlink()
    result = subprocess.run([sys.executable, "-m", "assistant", "corpus", "check", str(root)], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "has no en version" in result.stdout
