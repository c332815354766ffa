"""`assistant corpus check`: validates the knowledge base before it is indexed.

One line per problem, ``<file>: <field>: <what is wrong>``; an empty list means the corpus is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import DocumentError
from .load import parse_yaml, read_text, split_front_matter

TYPES = {"article", "faq", "notice", "glossary"}
LANGS = ("zh", "en")
CONFIDENCE = {"high", "medium", "low"}
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
URL = re.compile(r"^https?://\S+$")
TERM_FIELDS = ("id", "zh", "en", "zh_synonyms", "en_synonyms", "abbreviations", "definition_zh", "definition_en", "articles")
SKIP = {"README.md", "COVERAGE.md", "CHANGELOG.md"}


def _iso(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)))
    except ValueError:
        return False


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
        if not URL.match(str(s.get("url") or "")):
            errors.append(f"{rel}: sources[{i}].url: missing or not an http(s) URL ({s.get('url')!r})")
        if not _iso(s.get("date")):
            errors.append(f"{rel}: sources[{i}].date: missing or not an ISO date YYYY-MM-DD ({s.get('date')!r})")


def check_document(path: Path, root: Path) -> tuple[dict[str, Any] | None, list[str]]:
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
    for key in ("id", "lang", "title", "type", "published", "sources", "topics"):
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
    for key in ("published", "effective_from"):
        if meta.get(key) not in (None, "") and not _iso(meta[key]):
            errors.append(f"{rel}: {key}: '{meta[key]}' is not an ISO date YYYY-MM-DD")
    if "sources" in meta:
        _check_sources(rel, meta["sources"], errors)
    if "topics" in meta and (not isinstance(meta["topics"], list) or not meta["topics"]):
        errors.append(f"{rel}: topics: must be a non-empty list")
    if meta.get("confidence") not in (None, "") and meta["confidence"] not in CONFIDENCE:
        errors.append(f"{rel}: confidence: '{meta['confidence']}' must be high, medium or low")
    if meta.get("type") == "faq" and (not isinstance(meta.get("rests_on"), list) or not meta.get("rests_on")):
        errors.append(f"{rel}: rests_on: a FAQ entry must list the article ids it rests on")
    if not body.strip():
        errors.append(f"{rel}: body: empty")
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
        return [f"{rel}: yaml: must be a mapping with id, type, title, published, sources, terms"]
    errors: list[str] = []
    if data.get("type") != "glossary":
        errors.append(f"{rel}: type: must be 'glossary'")
    if not _iso(data.get("published")):
        errors.append(f"{rel}: published: missing or not an ISO date")
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


def check_coverage(path: Path, docs: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    rel = f"{path.parent.name}/{path.name}"
    errors: list[str] = []
    rows = 0
    for line in read_text(path).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not re.fullmatch(r"[A-Z]\d+", cells[0]):
            continue
        rows += 1
        fact, conf = cells[0], cells[1].lower()
        if not conf.startswith(("high", "medium")):
            continue
        for lang, col in (("zh", cells[2]), ("en", cells[3])):
            ids = [x.strip() for x in re.split(r"[,，]", col) if x.strip() and x.strip() not in ("—", "-")]
            if not ids:
                errors.append(f"{rel}: {fact}: a {conf} fact has no {lang} document")
            for doc_id in ids:
                meta = docs.get((doc_id, lang))
                if meta is None:
                    errors.append(f"{rel}: {fact}: document '{doc_id}' has no {lang} version")
                elif fact not in (meta.get("facts") or []):
                    errors.append(f"{rel}: {fact}: {meta['_rel']} does not list {fact} in its facts")
    if rows == 0:
        errors.append(f"{rel}: table: no '| fact | confidence | zh documents | en documents | note |' rows found")
    return errors


def check_corpus(root: Path) -> list[str]:
    root = Path(root)
    if not root.is_dir():
        return [f"{root}: not a directory"]
    errors: list[str] = []
    docs: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(root.rglob("*.md")):
        if path.name in SKIP:
            continue
        meta, errs = check_document(path, root)
        errors.extend(errs)
        if meta is not None:
            key = (meta["_stem"], meta["_lang"])
            if key in docs:
                errors.append(f"{meta['_rel']}: id: '{key[0]}' ({key[1]}) also defined in {docs[key]['_rel']}")
            docs[key] = meta
    ids = {doc_id for doc_id, _ in docs}
    for doc_id in sorted(ids):
        for lang in LANGS:
            if (doc_id, lang) not in docs:
                other = docs[(doc_id, "en" if lang == "zh" else "zh")]
                errors.append(f"{other['_rel']}: lang: id '{doc_id}' has no {lang} version ({doc_id}.{lang}.md missing)")
    for (doc_id, _lang), meta in docs.items():
        sup = meta.get("superseded_by")
        if sup and sup not in ids:
            errors.append(f"{meta['_rel']}: superseded_by: '{sup}' is not a document id in the corpus")
        for target in meta.get("rests_on") or []:
            if target not in ids:
                errors.append(f"{meta['_rel']}: rests_on: '{target}' is not a document id in the corpus")
    glossary = root / "glossary.yaml"
    if glossary.exists():
        errors.extend(check_glossary(glossary, ids))
    else:
        errors.append(f"{root.name}/glossary.yaml: file: missing")
    coverage = root / "COVERAGE.md"
    if coverage.exists():
        errors.extend(check_coverage(coverage, docs))
    return errors
