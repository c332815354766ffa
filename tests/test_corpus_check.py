"""`assistant corpus check` passes on the shipped corpus and names each kind of broken document,
including the provenance rules of corpus v2 (voice, source dates, home-page URLs, the knowledge
base's own voice kept out of documents attributed to a publisher)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.ingest.check import check_corpus, kb_voice_cues
from assistant.ingest.load import split_front_matter
from assistant.kb.files import parse_yaml, read_text
from conftest import ROOT, write_doc

WRITING_DATE = "2026-11-27"  # the day the v1 corpus was written; never a source's date
SKIP = {"README.md", "COVERAGE.md", "CHANGELOG.md"}


def test_shipped_corpus_is_valid(corpus_dir):
    result = subprocess.run([sys.executable, "-m", "assistant", "corpus", "check", str(corpus_dir)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout


def _shipped_documents(corpus_dir: Path):
    for path in sorted(corpus_dir.rglob("*.md")):
        if path.name not in SKIP:
            meta, body = split_front_matter(read_text(path), path)
            yield path, meta, body
    yield corpus_dir / "glossary.yaml", parse_yaml(read_text(corpus_dir / "glossary.yaml")), ""


def test_no_shipped_citation_shows_the_writing_date_as_a_source_date(corpus_dir):
    wrong = []
    for path, meta, _body in _shipped_documents(corpus_dir):
        source_dates = {str(s.get("date")) for s in meta.get("sources") or [] if isinstance(s, dict)}
        if str(meta.get("published")) == WRITING_DATE and WRITING_DATE not in source_dates:
            wrong.append(path.name)
    assert wrong == [], f"documents dated {WRITING_DATE} (the writing date) with no source of that date: {wrong}"


def test_no_shipped_quote_attributed_to_a_publisher_is_the_knowledge_bases_own_voice(corpus_dir):
    cues = kb_voice_cues(corpus_dir)
    assert cues.get("zh") and cues.get("en"), "corpus/domain.yaml must list kb_voice cue phrases for zh and en"
    wrong = []
    for path, meta, body in _shipped_documents(corpus_dir):
        if meta.get("voice") != "source":
            continue
        for pattern in cues[str(meta.get("lang"))]:
            hit = pattern.search(body)
            if hit:
                wrong.append(f"{path.name}: {hit.group(0)!r}")
    assert wrong == [], wrong


def _base(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    write_doc(root / "articles", "pop", "zh", "POP", "POP是商家自运营模式。", type="article", voice="source", facts="[A2]")
    write_doc(root / "articles", "pop", "en", "POP", "POP is the merchant self-operated model.", type="article",
              voice="source", facts="[A2]")
    shutil.copy(ROOT / "corpus" / "glossary.yaml", root / "glossary.yaml")
    (root / "domain.yaml").write_text("kb_voice:\n  zh: [本知识库, 没有公开, 以卖家后台…为准, 请查看]\n"
                                      "  en: [our sources, not public, check the seller]\n", encoding="utf-8")
    return root


def _summary(root: Path, doc_id: str, lang: str, body: str, published: str | None = None, **extra: str) -> Path:
    """A knowledge-base summary document (no ``published`` unless a test breaks that rule)."""
    lines = ["---", f"id: {doc_id}", f"lang: {lang}", f"title: {doc_id}", "type: article", "voice: summary"]
    if published:
        lines.append(f"published: {published}")
    lines += [f"{k}: {v}" for k, v in extra.items()]
    lines += ["sources:", "  - {title: Test notice, publisher: Test, url: 'https://example.com/n', date: 2026-11-01}",
              "topics: [test]", "---", body, ""]
    path = root / "articles" / f"{doc_id}.{lang}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _errors(root: Path) -> list[str]:
    # the copied glossary points at the real corpus's articles; only this test's problems matter
    return [e for e in check_corpus(root) if "glossary.yaml" not in e]


def test_small_valid_corpus_passes(tmp_path):
    root = _base(tmp_path)
    _summary(root, "kb", "zh", "本知识库的来源没有公开这项费率，请查看卖家后台。")
    _summary(root, "kb", "en", "This rate is not public in our sources; check the seller backend.")
    assert _errors(root) == []


def test_a_markdown_file_without_a_language_is_reported_not_a_crash(tmp_path):
    # a folder holding other Markdown (a package's notes with their own front matter) next to
    # the corpus: each such file is named, hidden folders (a virtualenv, .git) are not read
    root = _base(tmp_path)
    (root / "notes").mkdir()
    (root / "notes" / "SKILL.md").write_text("---\nname: skill\ndescription: x\n---\nbody\n", encoding="utf-8")
    hidden = root / ".venv" / "pkg"
    hidden.mkdir(parents=True)
    (hidden / "README2.md").write_text("---\nname: other\n---\nbody\n", encoding="utf-8")
    errors = _errors(root)
    assert any(e.startswith("corpus/notes/SKILL.md: lang: missing") for e in errors), errors
    assert not any(".venv" in e for e in errors), errors


def _undated(r: Path) -> None:
    path = r / "articles/pop.en.md"
    path.write_text(path.read_text().replace("    date: 2026-11-01", "    date: 2026-11-01\n    approx_date: true"),
                    encoding="utf-8")


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda r: (r / "articles/pop.en.md").unlink(), "has no en version"),
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", voice="source", published="2024-13-45"),
         "published: '2024-13-45' is not an ISO date"),
        (lambda r: (r / "articles/pop.en.md").write_text("---\nid: pop\n  bad: [\n---\nx"), "front matter: front matter is not valid YAML"),
        (lambda r: (r / "articles/pop.en.md").write_text((r / "articles/pop.en.md").read_text().replace("https://example.com/n", "example")), "url: missing or not an http(s) URL"),
        (lambda r: write_doc(r / "faq", "faq-x", "zh", "问", "答。", type="faq", voice="source", rests_on="[nope]") and
         write_doc(r / "faq", "faq-x", "en", "Q", "A.", type="faq", voice="source", rests_on="[nope]"), "rests_on: 'nope' is not a document id"),
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="blogpost", voice="source"), "type: 'blogpost' must be one of"),
        (lambda r: (r / "articles/pop.en.md").rename(r / "articles/pop2.en.md"), "does not match the file name"),
        # v2: every document says whose voice it is
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="article", facts="[A2]"), "voice: missing"),
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="article", voice="blog", facts="[A2]"),
         "voice: 'blog' must be source or summary"),
        # v2: a source document carries its source's own date ...
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="article", voice="source", facts="[A2]",
                             published="2024-09-12"), "is not the date of sources[0] (2026-11-01)"),
        # ... and never the day it was written
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="article", voice="source", facts="[A2]",
                             published="2026-11-27"), "'2026-11-27' is a date none of its sources carries"),
        # ... or says it is undated, with an approximate date and why
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="article", voice="source", facts="[A2]",
                             published="undated"), "approx_date: an undated document needs approx_date"),
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="article", voice="source", facts="[A2]",
                             published="undated", approx_date='"2024-03"'), "date_note: an undated document needs a date_note"),
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="article", voice="source", facts="[A2]",
                             published="undated", approx_date='"2024-03"', date_note="estimated"),
         "published: 'undated', but sources[0] carries the date 2026-11-01"),
        # ... and an approximate source date is not presented as the page's own date
        (_undated, "published must be 'undated'"),
        # v2: a summary has no published date at all
        (lambda r: _summary(r, "pop", "en", "x", published="2026-11-01", facts="[A2]"), "a summary has no published date"),
        # v2: a publisher's home page is not an article address unless a note says why
        (lambda r: (r / "articles/pop.en.md").write_text((r / "articles/pop.en.md").read_text().replace("https://example.com/n", "https://www.ebrun.com/")),
         "is a bare home page"),
        # v2: the knowledge base's own advice is never attributed to a publisher
        (lambda r: write_doc(r / "articles", "pop", "zh", "POP", "POP是商家自运营模式，具体费率以卖家后台公告为准。", type="article",
                             voice="source", facts="[A2]"), "'以卖家后台公告为准' is the knowledge base's own voice"),
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "POP is self-operated; the fee is not public in our sources.",
                             type="article", voice="source", facts="[A2]"), "is the knowledge base's own voice"),
        # both languages state the same facts
        (lambda r: write_doc(r / "articles", "pop", "en", "POP", "x", type="article", voice="source", facts="[A2, A3]"),
         "facts: differs from"),
    ],
)
def test_each_kind_of_broken_document_is_named(tmp_path, breakage, expected):
    root = _base(tmp_path)
    breakage(root)
    errors = _errors(root)
    assert any(expected in e for e in errors), errors


def test_a_home_page_with_a_note_and_an_undated_source_page_pass(tmp_path):
    root = _base(tmp_path)
    for lang in ("zh", "en"):
        path = root / f"articles/pop.{lang}.md"
        path.write_text(path.read_text().replace("https://example.com/n", "https://www.ebrun.com/\n    url_note: article address not recorded")
                        .replace("date: 2026-11-01", "date: 2022-05-01\n    approx_date: true")
                        .replace("published: 2026-11-01", 'published: undated\napprox_date: "2022-05"\ndate_note: undated blog copy'),
                        encoding="utf-8")
    assert _errors(root) == []


def test_broken_glossary_term_is_named(tmp_path):
    root = _base(tmp_path)
    (root / "glossary.yaml").write_text(
        "id: glossary\ntype: glossary\nvoice: summary\nsources: [{title: t, publisher: p, url: 'https://e.com/a', date: 2024-11-27}]\n"
        "terms:\n  - {id: x, zh: 半托管, en: semi-managed}\n", encoding="utf-8")
    errors = check_corpus(root)
    assert any("terms[0] (x).definition_zh: missing" in e for e in errors), errors
    assert not any("voice" in e or "published" in e for e in errors), errors


@pytest.mark.parametrize(("header", "expected"), [
    ("voice: summary\npublished: 2026-11-27\n", "glossary.yaml: published: a summary has no published date"),
    ("", "glossary.yaml: voice: must be 'summary'"),
])
def test_the_glossary_is_a_summary_without_a_date_of_its_own(tmp_path, header, expected):
    root = _base(tmp_path)
    (root / "glossary.yaml").write_text(
        f"id: glossary\ntype: glossary\n{header}sources: [{{title: t, publisher: p, url: 'https://e.com/a', date: 2024-11-27}}]\n"
        "terms:\n  - {id: x, zh: 半托管, en: semi-managed, zh_synonyms: [], en_synonyms: [], abbreviations: [],"
        " definition_zh: 定义。, definition_en: Definition., articles: [pop]}\n", encoding="utf-8")
    errors = check_corpus(root)
    assert any(expected in e for e in errors), errors


COVERAGE_HEAD = "| fact | confidence | zh documents | en documents | note |\n|---|---|---|---|---|\n"


@pytest.mark.parametrize(("table", "expected"), [
    ("| A2 | high | pop | — | |\n", "A2: a high fact has no en document"),
    # a section that names its fact range must account for every fact in it
    ("| A2 | high | pop | pop | |\n## L: fees (facts-fees-standards.md, L1–L3)\n" + COVERAGE_HEAD +
     "| L1 | low | — | — | left out: single weak source |\n| L3 | low | — | — | left out: undated |\n", "L2: no row"),
    # every row's documents exist in both languages and list the fact, low facts included
    ("| A2 | high | pop | pop | |\n| L7 | low | pop | pop | |\n", "pop.zh.md does not list L7 in its facts"),
    ("| A2 | high | pop | pop | |\n| L7 | low | nope | nope | |\n", "L7: document 'nope' has no zh version"),
    ("| A2 | high | pop | pop, nope | |\n", "the zh and en columns list different documents"),
    ("| A2 | high | pop | pop | |\n| L8 | low | — | — | |\n", "L8: left out without a reason"),
    ("| A2 | high | pop | pop | |\n| L9 | medium | — | — | too vague |\n", "L9: a medium fact has no document"),
    # a document's facts are all credited to it in COVERAGE.md
    ("| A2 | high | — | — | |\n", "lists A2 in its facts but the row does not name 'pop'"),
])
def test_coverage_rows_are_checked(tmp_path, table, expected):
    root = _base(tmp_path)
    (root / "COVERAGE.md").write_text("# Coverage\n\n" + COVERAGE_HEAD + table, encoding="utf-8")
    errors = _errors(root)
    assert any(expected in e for e in errors), errors


def test_complete_coverage_section_passes(tmp_path):
    root = _base(tmp_path)
    (root / "COVERAGE.md").write_text("# Coverage\n\n" + COVERAGE_HEAD + "| A2 | high | pop | pop | |\n"
                                      "## L: fees (facts-fees-standards.md, L1–L2)\n" + COVERAGE_HEAD +
                                      "| L1 | low | — | — | left out: single weak source |\n"
                                      "| L2 | low | — | — | left out: undated |\n", encoding="utf-8")
    assert _errors(root) == []


GAP_HEAD = "## Known unknowns: money (facts-money.md, MG1–MG2)\n\n| gap | the unknown | zh documents | en documents |\n|---|---|---|---|\n"


def _gap_corpus(tmp_path: Path, rows: str, zh_gaps: str = "[MG1, MG2]", en_gaps: str = "[MG1, MG2]",
                voice: str = "summary") -> Path:
    root = _base(tmp_path)
    for lang, gaps, body in (("zh", zh_gaps, "知识库里没有保证金退还时限的资料。"),
                             ("en", en_gaps, "The knowledge base has no figure for how long a deposit refund takes.")):
        path = _summary(root, "gaps-money", lang, body, gaps=gaps)
        if voice != "summary":
            path.write_text(path.read_text().replace("voice: summary", f"voice: {voice}\npublished: 2026-11-01"))
    (root / "COVERAGE.md").write_text("# Coverage\n\n" + COVERAGE_HEAD + "| A2 | high | pop | pop | |\n\n" + GAP_HEAD + rows,
                                      encoding="utf-8")
    return root


def test_every_known_unknown_stated_as_a_gap_passes(tmp_path):
    root = _gap_corpus(tmp_path, "| MG1 | deposit refund time | gaps-money | gaps-money |\n"
                                 "| MG2 | top-up deadline | gaps-money | gaps-money |\n")
    assert _errors(root) == []


@pytest.mark.parametrize(("rows", "zh_gaps", "voice", "expected"), [
    # a declared unknown without a row
    ("| MG1 | deposit refund time | gaps-money | gaps-money |\n", "[MG1]", "summary", "MG2: no row"),
    # a row without a document in one language
    ("| MG1 | refund time | gaps-money | — |\n| MG2 | top-up | gaps-money | gaps-money |\n", "[MG1, MG2]", "summary",
     "MG1: needs the same gap statement documents"),
    # the two language versions list different gaps
    ("| MG1 | refund time | gaps-money | gaps-money |\n| MG2 | top-up | gaps-money | gaps-money |\n", "[MG1]", "summary",
     "gaps: differs from"),
    # a source document cannot state what no source says
    ("| MG1 | refund time | gaps-money | gaps-money |\n| MG2 | top-up | gaps-money | gaps-money |\n", "[MG1, MG2]",
     "source", "is not 'voice: summary'"),
])
def test_each_gap_problem_is_named(tmp_path, rows, zh_gaps, voice, expected):
    root = _gap_corpus(tmp_path, rows, zh_gaps=zh_gaps, en_gaps="[MG1, MG2]" if voice == "summary" else "[MG1, MG2]",
                       voice=voice)
    errors = _errors(root)
    assert any(expected in e for e in errors), errors


def test_a_gap_listed_by_a_document_but_not_credited_is_named(tmp_path):
    root = _gap_corpus(tmp_path, "| MG1 | refund time | gaps-money | gaps-money |\n| MG2 | top-up | — | — |\n")
    errors = _errors(root)
    assert any("lists MG2 in its gaps but the row does not name 'gaps-money'" in e for e in errors), errors


def test_kb_voice_cue_with_an_ellipsis_matches_the_words_between():
    root = Path(__file__).resolve().parent.parent / "corpus"
    cues = kb_voice_cues(root)
    assert any(p.search("具体以卖家后台最新公告为准。") for p in cues["zh"])
    assert not any(p.search("卖家后台可以设置店铺折扣。") for p in cues["zh"])
    assert any(p.search("Fees are NOT PUBLIC in our sources.") for p in cues["en"])


def test_cli_exits_1_with_one_line_per_problem(tmp_path):
    root = _base(tmp_path)
    (root / "articles/pop.en.md").unlink()
    result = subprocess.run([sys.executable, "-m", "assistant", "corpus", "check", str(root)], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "has no en version" in result.stdout


def test_a_broken_domain_file_is_named_with_what_is_missing(tmp_path):
    from assistant.ingest.check import check_domain

    path = tmp_path / "domain.yaml"
    path.write_text("name: {zh: 规则}\nentities:\n  - label: {zh: 甲, en: A}\n", encoding="utf-8")
    problems = check_domain(path)
    assert any("name: needs a zh and an en text" in p for p in problems)
    assert any("entities[0]: needs an id" in p for p in problems)
