"""The cue tables (assistant/lang/tables/*.yaml): every row's examples are its tests, so a row
added with its examples is tested without a line of code here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.lang import cues

PACKAGE = Path(cues.__file__).resolve().parent.parent
ROWS = cues.rows()
MIN_EXAMPLES = 3


def _compiled(row: cues.Row, lang: str) -> re.Pattern[str]:
    """The row as the code uses it, its slots filled with the example value for ``lang`` (a
    regular-expression fragment, as the code passes it)."""
    if not row.slots:
        return cues.cue(row.name)
    return cues.cue(row.name, **{k: v if isinstance(v, str) else v[lang] for k, v in row.slots.items()})


def _slot_langs(row: cues.Row) -> list[str]:
    langs = {lang for v in row.slots.values() if isinstance(v, dict) for lang in v}
    return sorted(langs) or ["zh"]


def _applies(pattern: re.Pattern[str], use: str, text: str) -> bool:
    return getattr(pattern, use)(text) is not None


CASES = [(name, lang, text) for name, row in ROWS.items() for lang, texts in row.examples.items() if lang != "not"
         for text in texts]
NOT_CASES = [(name, text) for name, row in ROWS.items() for text in row.examples.get("not", ())]


@pytest.mark.parametrize("name, lang, text", CASES)
def test_every_example_of_a_row_matches_it(name, lang, text):
    row = ROWS[name]
    assert _applies(_compiled(row, lang), row.use, text), f"{name} ({row.use}) should match {text!r}: {row.means}"


@pytest.mark.parametrize("name, text", NOT_CASES)
def test_no_counterexample_of_a_row_matches_it(name, text):
    row = ROWS[name]
    for lang in _slot_langs(row):
        assert not _applies(_compiled(row, lang), row.use, text), f"{name} must not match {text!r}: {row.means}"


@pytest.mark.parametrize("name", sorted(ROWS))
def test_every_row_says_what_it_means_and_has_examples_in_each_of_its_languages(name):
    row = ROWS[name]
    assert row.means.strip(), f"{name}: no 'means'"
    assert row.langs, f"{name}: which languages does it cover? (zh / en alternatives, or langs:)"
    for lang in row.langs:
        assert len(row.examples.get(lang, ())) >= MIN_EXAMPLES, f"{name}: fewer than {MIN_EXAMPLES} {lang} examples"
    assert row.examples.get("not"), f"{name}: no phrasing it must not match"
    assert set(row.examples) <= {"zh", "en", "not"}, f"{name}: examples are zh, en and not"


def _asked_for() -> set[tuple[str, str]]:
    """Every cue name the package's code asks for: cue("…"), words("…"), family("…")."""
    found: set[tuple[str, str]] = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for kind, name in re.findall(r"\b(cue|words|family)\(\s*[\"']([a-z_]+)[\"']", text):
            found.add((kind, name))
    return found


def test_every_cue_the_code_asks_for_is_a_row():
    asked = _asked_for()
    assert asked, "no cue asked for at all?"
    for kind, name in sorted(asked):
        if kind == "family":
            assert any(n.startswith(name) for n in ROWS), f"no row named {name}…"
        else:
            assert name in ROWS, f"{kind}({name!r}) names no row of the cue tables"


def test_every_row_is_asked_for_by_the_code_or_used_by_another_row():
    asked = _asked_for()
    names = {name for kind, name in asked if kind != "family"}
    prefixes = [name for kind, name in asked if kind == "family"]
    used = {ref for row in ROWS.values() for ref in cues.REFERENCE.findall(row.source())}
    for name in ROWS:
        assert name in names or name in used or any(name.startswith(p) for p in prefixes), \
            f"{name} is in a table but nothing uses it"


def test_every_row_compiles_and_a_reference_to_a_missing_row_is_an_error():
    for name, row in ROWS.items():
        if not row.slots:
            cues.cue(name)
    with pytest.raises(KeyError):
        cues.cue("no_such_cue")


def test_the_package_imports_without_reading_the_tables():
    code = ("import importlib, pkgutil, assistant\n"
            "import assistant.lang.cues as c\n"
            "for m in ['assistant.answer.understand', 'assistant.answer.read', 'assistant.answer.write',"
            " 'assistant.answer.judge', 'assistant.answer.llm', 'assistant.lang.asking', 'assistant.lang.numbers',"
            " 'assistant.lang.fragments', 'assistant.lang.same', 'assistant.lang.text', 'assistant.app.reply']:\n"
            "    importlib.import_module(m)\n"
            "print(c.rows.cache_info().currsize)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0", out.stdout + out.stderr


def test_the_tables_name_nothing_of_the_shipped_domain():
    """The tables are part of the engine, which knows no platform, programme or tool by name: their
    rows and examples use neutral words (the same rule as the engine modules')."""
    from test_second_domain import _domain_words

    names = _domain_words()
    for name, row in ROWS.items():
        texts = [row.source(), row.means, *(str(v) for v in row.slots.values()),
                 *(x for xs in row.examples.values() for x in xs)]
        found = sorted({w for w in names for t in texts
                        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", t,
                                     re.I if w.isascii() and not w.isupper() else 0)})
        assert not found, f"{name} names {found}: such words belong in corpus/domain.yaml or the glossary"
