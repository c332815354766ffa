"""`assistant corpus check`: validates the knowledge base before it is indexed.

One line per problem, ``<file>: <field>: <what is wrong>``; an empty list means the corpus is valid.

Besides the shape of every document (ids, languages, dates, sources, glossary, coverage), the
check enforces honest provenance (corpus v2): a document either restates one source
(``voice: source``, dated with that source's own date or marked ``undated``) or is the knowledge
base's own summary (``voice: summary``, no ``published`` at all), so a citation never shows the
day a document was written as a source's date, and the knowledge base's own advice and "not
public" notes never appear inside a document attributed to a publisher.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..errors import DocumentError
from ..kb.files import parse_yaml, read_text
from .load import split_front_matter

TYPES = {"article", "faq", "notice", "glossary"}
VOICES = {"source", "summary"}
LANGS = ("zh", "en")
CONFIDENCE = {"high", "medium", "low"}
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
URL = re.compile(r"^https?://\S+$")
APPROX = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
FACT_ID = re.compile(r"^[A-Z]\d+$")
# "## J: managed models (facts-managed-models.md, J1–J34)" declares the rows the section must have
SECTION_RANGE = re.compile(r"^##\s.*\(\s*[\w.-]+\.md\s*,\s*([A-Z])1\s*[–—-]\s*\1?(\d+)\s*\)")
TERM_FIELDS = ("id", "zh", "en", "zh_synonyms", "en_synonyms", "abbreviations", "definition_zh", "definition_en", "articles")
SKIP = {"README.md", "COVERAGE.md", "CHANGELOG.md"}
NONE_CELLS = ("—", "–", "-", "")
# "## Known unknowns: money (facts-money.md, MG1–MG15)": what sellers ask that no source answers
GAP_ID = re.compile(r"^[A-Z]G\d+$")
GAP_RANGE = re.compile(r"^##\s.*\(\s*[\w.-]+\.md\s*,\s*([A-Z]G)1\s*[–—-]\s*(?:\1)?(\d+)\s*\)")


def _iso(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)))
    except ValueError:
        return False


def _bare_home_page(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query and not parts.fragment


def _check_sources(rel: str, sources: Any, errors: list[str]) -> None:
    if not isinstance(sources, list) or not sources:
        errors.append(f"{rel}: sources: must be a non-empty list of {{title, publisher, url, date}}")
        return
    for i, s in enumerate(sources):
        if not isinstance(s, dict):
            errors.append(f"{rel}: sources[{i}]: must be a mapping with title, publisher, url, date")
            continue
        for key in ("title", "publisher"):
            if not str(s.get(key) or "").strip():
                errors.append(f"{rel}: sources[{i}].{key}: missing")
        url = str(s.get("url") or "")
        if not URL.match(url):
            errors.append(f"{rel}: sources[{i}].url: missing or not an http(s) URL ({s.get('url')!r})")
        elif _bare_home_page(url) and not str(s.get("url_note") or "").strip():
            errors.append(f"{rel}: sources[{i}].url_note: '{url}' is a bare home page, not the article's own "
                          "address; give the article's URL or a url_note saying why it is missing")
        if not _iso(s.get("date")):
            errors.append(f"{rel}: sources[{i}].date: missing or not an ISO date YYYY-MM-DD ({s.get('date')!r})")


def _source_dates(sources: Any) -> set[str]:
    return {str(s.get("date")) for s in sources or [] if isinstance(s, dict) and s.get("date")}


def kb_voice_cues(root: Path) -> dict[str, list[re.Pattern[str]]]:
    """The knowledge base's own-voice cue phrases from ``domain.yaml`` (key ``kb_voice``), one
    pattern per phrase; "…" (or "...") inside a phrase stands for up to 12 characters of any
    text, as the engine reads it, so "以卖家后台…为准" also catches "以卖家后台公告为准"."""
    path = Path(root) / "domain.yaml"
    if not path.exists():
        return {}
    try:
        data = parse_yaml(read_text(path)) or {}
    except (yaml.YAMLError, DocumentError):
        return {}
    cues = data.get("kb_voice") if isinstance(data, dict) else None
    if not isinstance(cues, dict):
        return {}
    out: dict[str, list[re.Pattern[str]]] = {}
    for lang in LANGS:
        patterns = []
        for phrase in cues.get(lang) or []:
            parts = [re.escape(p.strip()) for p in re.split(r"…|\.\.\.", str(phrase)) if p.strip()]
            if parts:
                patterns.append(re.compile(r".{0,12}?".join(parts), re.IGNORECASE))
        out[lang] = patterns
    return out


def _check_provenance(rel: str, meta: dict[str, Any], errors: list[str]) -> None:
    voice = meta.get("voice")
    if voice in (None, ""):
        errors.append(f"{rel}: voice: missing (source: restates one source page; summary: the knowledge base's own summary)")
        return
    if voice not in VOICES:
        errors.append(f"{rel}: voice: '{voice}' must be source or summary")
        return
    published = meta.get("published")
    sources = meta.get("sources") if isinstance(meta.get("sources"), list) else []
    first = sources[0] if sources and isinstance(sources[0], dict) else {}
    if voice == "summary":
        if published not in (None, ""):
            errors.append(f"{rel}: published: a summary has no published date (its sources carry theirs); "
                          f"remove '{published}'")
        return
    if published in (None, ""):
        errors.append(f"{rel}: published: missing (the source's own date, or 'undated')")
        return
    if str(published) == "undated":
        if not APPROX.match(str(meta.get("approx_date") or "")):
            errors.append(f"{rel}: approx_date: an undated document needs approx_date YYYY, YYYY-MM or YYYY-MM-DD "
                          f"({meta.get('approx_date')!r})")
        if not str(meta.get("date_note") or "").strip():
            errors.append(f"{rel}: date_note: an undated document needs a date_note saying how its date was estimated")
        if first and not first.get("approx_date"):
            errors.append(f"{rel}: published: 'undated', but sources[0] carries the date {first.get('date')}; "
                          "use it as published")
        return
    if not _iso(published):
        errors.append(f"{rel}: published: '{published}' is not an ISO date YYYY-MM-DD or 'undated'")
        return
    if first.get("approx_date"):
        errors.append(f"{rel}: published: sources[0] is undated (approx_date: true), so published must be 'undated' "
                      f"with approx_date and date_note, not '{published}'")
    elif first and str(published) != str(first.get("date")):
        errors.append(f"{rel}: published: '{published}' is not the date of sources[0] ({first.get('date')})")


def check_document(path: Path, root: Path, cues: dict[str, list[re.Pattern[str]]] | None = None,
                   ) -> tuple[dict[str, Any] | None, list[str]]:
    rel = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
    errors: list[str] = []
    try:
        meta, body = split_front_matter(read_text(path), path)
    except DocumentError as exc:
        return None, [f"{rel}: front matter: {exc.reason}"]
    if not meta:
        return None, [f"{rel}: front matter: missing (the file must start with a '---' YAML block)"]
    parts = path.name.split(".")
    stem, lang_suffix = parts[0], parts[-2] if len(parts) >= 3 else ""
    for key in ("id", "lang", "title", "type", "sources", "topics"):
        if meta.get(key) in (None, "", []):
            errors.append(f"{rel}: {key}: missing")
    doc_id = str(meta.get("id") or "")
    if doc_id and not ID.match(doc_id):
        errors.append(f"{rel}: id: '{doc_id}' must be a lower-case slug [a-z0-9-]")
    if doc_id and doc_id != stem:
        errors.append(f"{rel}: id: '{doc_id}' does not match the file name '{stem}'")
    lang = meta.get("lang")
    if lang and lang not in LANGS:
        errors.append(f"{rel}: lang: '{lang}' must be zh or en")
    if lang and lang_suffix and lang != lang_suffix:
        errors.append(f"{rel}: lang: '{lang}' does not match the file suffix '.{lang_suffix}.md'")
    if meta.get("type") and meta["type"] not in TYPES:
        errors.append(f"{rel}: type: '{meta['type']}' must be one of {', '.join(sorted(TYPES))}")
    if meta.get("effective_from") not in (None, "") and not _iso(meta["effective_from"]):
        errors.append(f"{rel}: effective_from: '{meta['effective_from']}' is not an ISO date YYYY-MM-DD")
    if "sources" in meta:
        _check_sources(rel, meta["sources"], errors)
    _check_provenance(rel, meta, errors)
    published = meta.get("published")
    if _iso(published) and str(published) not in _source_dates(meta.get("sources")):
        errors.append(f"{rel}: published: '{published}' is a date none of its sources carries "
                      "(the day the document was written is never a source's date)")
    if "topics" in meta and (not isinstance(meta["topics"], list) or not meta["topics"]):
        errors.append(f"{rel}: topics: must be a non-empty list")
    if meta.get("confidence") not in (None, "") and meta["confidence"] not in CONFIDENCE:
        errors.append(f"{rel}: confidence: '{meta['confidence']}' must be high, medium or low")
    if meta.get("type") == "faq" and (not isinstance(meta.get("rests_on"), list) or not meta.get("rests_on")):
        errors.append(f"{rel}: rests_on: a FAQ entry must list the article ids it rests on")
    if "facts" in meta and not isinstance(meta["facts"], list):
        errors.append(f"{rel}: facts: must be a list of fact ids")
    if not body.strip():
        errors.append(f"{rel}: body: empty")
    if meta.get("voice") == "source" and cues:
        for pattern in cues.get(str(lang or lang_suffix), []):
            hit = pattern.search(body)
            if hit:
                errors.append(f"{rel}: body: '{hit.group(0)}' is the knowledge base's own voice (advice or a "
                              "'not public' note) inside a voice: source document; move it to a summary document")
    meta = dict(meta)
    meta["_rel"] = rel
    meta["_stem"] = stem
    meta["_lang"] = lang or lang_suffix
    return meta, errors


def check_glossary(path: Path, ids: set[str]) -> list[str]:
    rel = f"{path.parent.name}/{path.name}"
    try:
        data = parse_yaml(read_text(path))
    except (yaml.YAMLError, DocumentError) as exc:
        return [f"{rel}: yaml: not valid YAML ({exc})"]
    if not isinstance(data, dict):
        return [f"{rel}: yaml: must be a mapping with id, type, title, voice, sources, terms"]
    errors: list[str] = []
    if data.get("type") != "glossary":
        errors.append(f"{rel}: type: must be 'glossary'")
    # the glossary is the knowledge base's own summary of its sources: it has no date of its own
    if data.get("voice") != "summary":
        errors.append(f"{rel}: voice: must be 'summary' (the glossary is the knowledge base's own summary)")
    if data.get("published") not in (None, ""):
        errors.append(f"{rel}: published: a summary has no published date (its sources carry theirs); "
                      f"remove '{data.get('published')}'")
    _check_sources(rel, data.get("sources"), errors)
    terms = data.get("terms")
    if not isinstance(terms, list) or not terms:
        return errors + [f"{rel}: terms: must be a non-empty list"]
    seen: set[str] = set()
    for i, term in enumerate(terms):
        where = f"{rel}: terms[{i}]"
        if not isinstance(term, dict):
            errors.append(f"{where}: must be a mapping with {', '.join(TERM_FIELDS)}")
            continue
        where = f"{rel}: terms[{i}] ({term.get('id') or term.get('en') or '?'})"
        for key in TERM_FIELDS:
            if key not in term:
                errors.append(f"{where}.{key}: missing")
        for key in ("zh_synonyms", "en_synonyms", "abbreviations", "articles"):
            if key in term and not isinstance(term[key], list):
                errors.append(f"{where}.{key}: must be a list")
        for key in ("zh", "en", "definition_zh", "definition_en"):
            if key in term and not str(term[key] or "").strip():
                errors.append(f"{where}.{key}: empty")
        if term.get("id") in seen:
            errors.append(f"{where}.id: duplicate term id '{term.get('id')}'")
        seen.add(term.get("id"))
        for art in term.get("articles") or []:
            if art not in ids:
                errors.append(f"{where}.articles: '{art}' is not a document id in the corpus")
    return errors


def _cell_ids(cell: str) -> list[str]:
    return [x.strip() for x in re.split(r"[,，]", cell) if x.strip() not in NONE_CELLS]


def check_coverage(path: Path, docs: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """Every row's documents exist in both languages and list the fact; a high or medium fact has
    a document; a left-out fact says why; a section that declares its range ("J1–J34") has a row
    for every fact in it; and a document's ``facts:`` are all credited to it here."""
    rel = f"{path.parent.name}/{path.name}"
    errors: list[str] = []
    rows: dict[str, list[str]] = {}
    expected: list[str] = []
    for line in read_text(path).splitlines():
        ranged = SECTION_RANGE.match(line.strip())
        if ranged:
            expected += [f"{ranged.group(1)}{n}" for n in range(1, int(ranged.group(2)) + 1)]
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not FACT_ID.match(cells[0]):
            continue
        fact, conf = cells[0], cells[1].lower()
        if fact in rows:
            errors.append(f"{rel}: {fact}: more than one row")
        zh_ids, en_ids = _cell_ids(cells[2]), _cell_ids(cells[3])
        rows[fact] = zh_ids
        note = cells[4] if len(cells) > 4 else ""
        if conf.split()[0:1] and conf.split()[0] not in CONFIDENCE:
            errors.append(f"{rel}: {fact}: confidence '{cells[1]}' must be high, medium or low")
        if sorted(zh_ids) != sorted(en_ids):
            errors.append(f"{rel}: {fact}: the zh and en columns list different documents ({cells[2]} | {cells[3]})")
        if not zh_ids and not en_ids:
            if conf.startswith(("high", "medium")):
                errors.append(f"{rel}: {fact}: a {conf} fact has no document")
            elif not note:
                errors.append(f"{rel}: {fact}: left out without a reason in the note column")
        for lang, ids in (("zh", zh_ids), ("en", en_ids)):
            if conf.startswith(("high", "medium")) and not ids and (zh_ids or en_ids):
                errors.append(f"{rel}: {fact}: a {conf} fact has no {lang} document")
            for doc_id in ids:
                meta = docs.get((doc_id, lang))
                if meta is None:
                    errors.append(f"{rel}: {fact}: document '{doc_id}' has no {lang} version")
                elif fact not in (meta.get("facts") or []):
                    errors.append(f"{rel}: {fact}: {meta['_rel']} does not list {fact} in its facts")
    if not rows:
        errors.append(f"{rel}: table: no '| fact | confidence | zh documents | en documents | note |' rows found")
    for fact in expected:
        if fact not in rows:
            errors.append(f"{rel}: {fact}: no row (every fact of the section's table needs one: documents, or — and why)")
    for (doc_id, _lang), meta in sorted(docs.items()):
        for fact in meta.get("facts") or []:
            if isinstance(fact, str) and fact in rows and doc_id not in rows[fact]:
                errors.append(f"{rel}: {fact}: {meta['_rel']} lists {fact} in its facts but the row does not name '{doc_id}'")
    return errors


def check_gaps(path: Path, docs: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """Every known unknown a section declares ("MG1–MG15") is stated as a gap, in both languages,
    by a knowledge-base summary that lists it in ``gaps:``; and every gap a document lists is
    credited to it in the gap's row."""
    rel = f"{path.parent.name}/{path.name}"
    errors: list[str] = []
    rows: dict[str, list[str]] = {}
    expected: list[str] = []
    for line in read_text(path).splitlines():
        ranged = GAP_RANGE.match(line.strip())
        if ranged:
            expected += [f"{ranged.group(1)}{n}" for n in range(1, int(ranged.group(2)) + 1)]
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not GAP_ID.match(cells[0]):
            continue
        gap, zh_ids, en_ids = cells[0], _cell_ids(cells[2]), _cell_ids(cells[3])
        if gap in rows:
            errors.append(f"{rel}: {gap}: more than one row")
        rows[gap] = zh_ids
        if not zh_ids or sorted(zh_ids) != sorted(en_ids):
            errors.append(f"{rel}: {gap}: needs the same gap statement documents in the zh and en columns "
                          f"({cells[2] or '—'} | {cells[3] or '—'})")
        for lang, ids in (("zh", zh_ids), ("en", en_ids)):
            for doc_id in ids:
                meta = docs.get((doc_id, lang))
                if meta is None:
                    errors.append(f"{rel}: {gap}: document '{doc_id}' has no {lang} version")
                elif gap not in (meta.get("gaps") or []):
                    errors.append(f"{rel}: {gap}: {meta['_rel']} does not list {gap} in its gaps")
                elif meta.get("voice") != "summary":
                    errors.append(f"{rel}: {gap}: {meta['_rel']} states a gap but is not 'voice: summary' "
                                  "(what no source says is the knowledge base's own voice)")
    for gap in expected:
        if gap not in rows:
            errors.append(f"{rel}: {gap}: no row (every known unknown needs a gap statement in both languages)")
    for (doc_id, _lang), meta in sorted(docs.items()):
        for gap in meta.get("gaps") or []:
            if gap not in rows:
                errors.append(f"{meta['_rel']}: gaps: '{gap}' has no row under a 'Known unknowns' section of {rel}")
            elif doc_id not in rows[gap]:
                errors.append(f"{rel}: {gap}: {meta['_rel']} lists {gap} in its gaps but the row does not name '{doc_id}'")
    return errors


def check_labels(pool_dir: Path, root: Path) -> list[str]:
    """Every key fact of a labelled pool item still occurs in a document its label quotes: one
    alternative of its ``must_include`` group in the document's text. A corpus change that drops
    or rewords the fact makes the label stale. Problems name the item and the documents only,
    never the question or the fact, since some items are sealed."""
    texts: dict[tuple[str, str], str] = {}
    for path in root.rglob("*.md"):
        m = re.match(r"(.+)\.(zh|en)\.md$", path.name)
        if m and path.name not in SKIP:
            texts[(m.group(1), m.group(2))] = re.sub(r"\s+", "", read_text(path).lower())
    glossary = root / "glossary.yaml"
    if glossary.exists():
        texts[("glossary", "zh")] = texts[("glossary", "en")] = re.sub(r"\s+", "", read_text(glossary).lower())
    errors: list[str] = []
    for path in sorted(pool_dir.glob("*.jsonl")):
        rel = f"{pool_dir.name}/{path.name}"
        for line in read_text(path).splitlines():
            record = json.loads(line) if line.strip() else {}
            label = record.get("label")
            if not isinstance(label, dict):
                continue
            for n, fact in enumerate(label.get("facts") or [], 1):
                refs = [(r.get("doc"), r.get("lang")) for r in fact.get("kb") or []]
                alternatives = [re.sub(r"\s+", "", a.lower()) for a in str(fact.get("must_include") or "").split("|") if a.strip()]
                if not any(a in texts.get(ref, "") for ref in refs for a in alternatives):
                    docs = ", ".join(f"{d}.{lang}" for d, lang in refs) or "no document"
                    errors.append(f"{rel}: {record.get('id')}: key fact {n} no longer occurs in {docs} "
                                  "(relabel the item against the corpus)")
    return errors


def check_domain(path: Path) -> list[str]:
    """The domain file the engine loads: what it covers, where to check, comparison entities
    and aspects, synonyms (see :mod:`assistant.domain`)."""
    from ..kb.domain import problems

    rel = f"{path.parent.name}/{path.name}"
    if not path.exists():
        return [f"{rel}: file: missing (the engine's domain vocabulary: name, scope, check_where, ...)"]
    try:
        data = parse_yaml(read_text(path))
    except (yaml.YAMLError, DocumentError) as exc:
        return [f"{rel}: yaml: not valid YAML ({exc})"]
    return [f"{path.parent.name}/{p}" for p in problems(data)]


def check_corpus(root: Path, pool_dir: Path | None = None) -> list[str]:
    """Every problem of the corpus at ``root``, one line each; with ``pool_dir``, also the pool
    labels whose key facts the corpus no longer states."""
    root = Path(root)
    if not root.is_dir():
        return [f"{root}: not a directory"]
    errors: list[str] = []
    docs: dict[tuple[str, str], dict[str, Any]] = {}
    cues = kb_voice_cues(root)
    for path in sorted(root.rglob("*.md")):
        if path.name in SKIP or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # README-like files, and hidden folders (a virtualenv, .git) are not the corpus
        meta, errs = check_document(path, root, cues)
        errors.extend(errs)
        if meta is not None:
            key = (meta["_stem"], meta["_lang"])
            if key in docs:
                errors.append(f"{meta['_rel']}: id: '{key[0]}' ({key[1]}) also defined in {docs[key]['_rel']}")
            docs[key] = meta
    ids = {doc_id for doc_id, _ in docs}
    for doc_id in sorted(ids):
        for lang in LANGS:
            other = docs.get((doc_id, "en" if lang == "zh" else "zh"))
            if (doc_id, lang) not in docs and other is not None:  # neither: its lang error is reported
                errors.append(f"{other['_rel']}: lang: id '{doc_id}' has no {lang} version ({doc_id}.{lang}.md missing)")
        zh, en = docs.get((doc_id, "zh")), docs.get((doc_id, "en"))
        for key in ("facts", "gaps"):
            if zh and en and isinstance(zh.get(key) or [], list) and isinstance(en.get(key) or [], list):
                if sorted(map(str, zh.get(key) or [])) != sorted(map(str, en.get(key) or [])):
                    errors.append(f"{en['_rel']}: {key}: differs from {zh['_rel']} (both languages state the same {key})")
    for (doc_id, _lang), meta in docs.items():
        sup = meta.get("superseded_by")
        if sup and sup not in ids:
            errors.append(f"{meta['_rel']}: superseded_by: '{sup}' is not a document id in the corpus")
        for key in ("rests_on", "supersedes"):
            targets = meta.get(key) or []
            for target in targets if isinstance(targets, list) else [targets]:
                if target not in ids:
                    errors.append(f"{meta['_rel']}: {key}: '{target}' is not a document id in the corpus")
    glossary = root / "glossary.yaml"
    if glossary.exists():
        errors.extend(check_glossary(glossary, ids))
    else:
        errors.append(f"{root.name}/glossary.yaml: file: missing")
    errors.extend(check_domain(root / "domain.yaml"))
    coverage = root / "COVERAGE.md"
    if coverage.exists():
        errors.extend(check_coverage(coverage, docs))
        errors.extend(check_gaps(coverage, docs))
    if pool_dir is not None and Path(pool_dir).is_dir():
        errors.extend(check_labels(Path(pool_dir), root))
    return errors
