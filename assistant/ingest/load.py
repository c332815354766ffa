"""Loaders: Markdown with YAML front matter, plain text, HTML, PDF, DOCX and the glossary YAML.

Each loader turns its format into one Markdown-like text (``#`` headings, list items, ``|`` table
rows, blank lines between paragraphs); :mod:`assistant.structure` reads the blocks from it and
:mod:`assistant.pagetext` removes page boilerplate and reads the title and dates of a page that
has no front matter. Every failure raises :class:`DocumentError` naming the file.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..errors import DocumentError
from ..kb.files import parse_yaml, read_text
from .pagetext import clean_html_title, clean_page, drop_repeated_title, guess_title, rule_dates
from ..schema import Document, Source
from .structure import parse_blocks, render
from ..lang.cues import cue
from ..lang.text import clean_text, detect_lang

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".yaml", ".yml")
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 120


def load_path(path: Path, max_bytes: int | None = None) -> list[Document]:
    """Load one file into one or more documents (the glossary yields one per language)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(str(path), f"unsupported file type '{suffix}' (supported: {', '.join(SUPPORTED)})")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(str(path), f"cannot read file ({exc.strerror})") from exc
    if size == 0:
        raise DocumentError(str(path), "file is empty")
    if max_bytes is not None and size > max_bytes:
        raise DocumentError(str(path), f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit")
    loader = LOADERS[suffix]
    try:
        return loader(path)
    except DocumentError:
        raise
    except Exception as exc:  # a parser library failing on a corrupt file
        raise DocumentError(str(path), f"could not be parsed as {suffix[1:]} ({type(exc).__name__}: {exc})") from exc


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        return {}, text
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|$)", text, re.DOTALL)
    if not match:
        raise DocumentError(str(path), "front matter starts with '---' but has no closing '---' line")
    try:
        meta = parse_yaml(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise DocumentError(str(path), f"front matter is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(meta, dict):
        raise DocumentError(str(path), "front matter must be a YAML mapping (key: value lines)")
    return meta, text[match.end() :]


def markdown_to_text(body: str) -> str:
    """Markdown as the loaders' common text: headings, list items and table rows keep their
    marks (the structure parser reads them); links, images, emphasis and quote marks go."""
    body = re.sub(r"<!--.*?-->", "", body, flags=re.DOTALL)
    lines: list[str] = []
    for raw in body.splitlines():
        line = raw.rstrip()
        if not line.strip():
            lines.append("")
            continue
        heading = re.match(r"^\s{0,3}(#{1,6})\s+(.*)$", line)
        if heading:
            lines.append(f"{heading.group(1)} {_inline(heading.group(2))}")
            continue
        line = re.sub(r"^(\s*)>\s?", r"\1", line)
        item = re.match(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$", line)
        if item:
            lines.append(f"{item.group(2)} {_inline(item.group(3))}")
        elif line.lstrip().startswith("|"):
            lines.append(line.strip())
        else:
            lines.append(_inline(line.strip()))
    return "\n".join(lines).strip()


def _inline(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"(?<!\w)[*_](\S[^*_]*\S|\S)[*_](?!\w)", r"\1", text)
    return text.strip()


def _slug(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9\u4e00-\u9fff]+", "-", stem.lower()).strip("-")
    return slug or "document"


def _date(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value) if value else ""


def build_document(path: Path, meta: dict[str, Any], text: str, default_type: str = "notice",
                   title_hint: str = "", plain: bool = False) -> Document:
    """Turn front matter (possibly empty) and the loader's text into a Document.

    A page without front matter is read as found: boilerplate removed, title and dates taken
    from the page itself; with none stated it stays undated (never the file's date).
    """
    removed: list[str] = []
    found_published = found_effective = ""
    if not meta:
        text, removed, dates = clean_page(text)
        found_published, found_effective = dates.published, dates.effective_from
    text = text.strip()
    if not text:
        raise DocumentError(str(path), "no text left after removing front matter and page boilerplate")
    stem = path.name.split(".")[0]
    title = str(meta.get("title") or title_hint or guess_title(text) or stem).strip()[:200]
    if not meta:
        text = drop_repeated_title(text, title)
    blocks = parse_blocks(text, plain=plain)
    body = render(blocks)
    if not body:
        raise DocumentError(str(path), "no text left after removing front matter and page boilerplate")
    name_lang = path.suffixes[-2][1:] if len(path.suffixes) >= 2 and path.suffixes[-2][1:] in ("zh", "en") else ""
    lang = str(meta.get("lang") or name_lang or detect_lang(body, default="en"))
    if lang == "other":
        lang = "en"
    sources = [
        Source(
            title=str(s.get("title", "")),
            publisher=str(s.get("publisher", "")),
            url=str(s.get("url", "")),
            date=_source_date(s),
        )
        for s in (meta.get("sources") or [])
        if isinstance(s, dict)
    ]
    voice = "summary" if str(meta.get("voice") or "") == "summary" else "source"
    published = _date(meta.get("published"))
    if published == "undated" or voice == "summary":
        published = ""
    known = {"id", "lang", "title", "type", "published", "effective_from", "effective_until", "superseded_by",
             "confidence", "sources", "topics", "voice", "approx_date"}
    start, end = _date(meta.get("effective_from")) or found_effective, _date(meta.get("effective_until"))
    if str(meta.get("type") or default_type) == "notice" and not (start and end):
        # a notice states when its rule starts (and, for a temporary one, ends) in its own words
        said_start, said_end = rule_dates(body)
        start, end = start or said_start, end or said_end
        if start and end and start >= end:
            start = ""  # "until 9 September 2024, when the new rule took effect": that day ends this rule
    return Document(
        doc_id=str(meta.get("id") or _slug(stem)),
        lang=lang,
        title=title,
        text=body,
        path=str(path),
        type=str(meta.get("type") or default_type),
        published=published or ("" if meta.get("published") else found_published),
        effective_from=start,
        effective_until=end,
        superseded_by=str(meta.get("superseded_by") or ""),
        confidence=str(meta.get("confidence") or ""),
        sources=sources,
        topics=[str(t) for t in (meta.get("topics") or [])],
        extra={k: v for k, v in meta.items() if k not in known},
        blocks=blocks,
        voice=voice,  # type: ignore[arg-type]
        approx_date=_date(meta.get("approx_date")) if meta.get("approx_date") is not True else "",
        removed=removed,
    )


def _source_date(source: dict[str, Any]) -> str:
    """A source's date as shown with citations: ISO, or "≈YYYY-MM" when it is an estimate."""
    date = _date(source.get("date"))
    if date and date != "undated" and source.get("approx_date"):
        return "≈" + date[:7]
    return date


def load_markdown(path: Path) -> list[Document]:
    meta, body = split_front_matter(read_text(path), path)
    return [build_document(path, meta, markdown_to_text(body), default_type="article" if meta else "notice")]


def load_text(path: Path) -> list[Document]:
    text = read_text(path)
    meta, body = split_front_matter(text, path)
    return [build_document(path, meta, body, plain=not meta)]


def load_html(path: Path) -> list[Document]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text(path), "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "iframe", "form", "nav", "header", "footer", "aside", "button", "svg"]):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.attrs is None:
            continue
        marker = " ".join([*(tag.get("class") or []), str(tag.get("id") or ""), str(tag.get("role") or "")])
        if marker.strip() and cue("page_chrome_class").search(marker) and tag.name not in ("html", "body", "main", "article"):
            tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    h1 = root.find("h1")
    h1_text = h1.get_text(" ", strip=True) if h1 else ""
    _mark_html_structure(root)
    text = clean_text(root.get_text())
    text = "\n".join(re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.splitlines())
    return [build_document(path, {}, text, title_hint=clean_html_title(title, h1_text))]


def _mark_html_structure(root) -> None:
    """Rewrite structural tags as the loaders' common text: table rows as ``| a | b |``, list
    items as ``-``/``1.``, definition lists as Q:/A:, headings as ``#`` lines, paragraphs apart."""
    def inline(tag) -> str:
        return re.sub(r"\s+", " ", tag.get_text(" ", strip=True))

    for tr in root.find_all("tr"):
        cells = [inline(c).replace("|", "/") for c in tr.find_all(["th", "td"])]
        tr.replace_with(f"\n| {' | '.join(cells)} |\n" if any(cells) else "\n")
    for table in root.find_all("table"):
        table.insert_before("\n\n")
        table.insert_after("\n\n")
    for li in reversed(root.find_all("li")):  # innermost first
        parent = li.find_parent(["ol", "ul"])
        mark = f"{len(li.find_previous_siblings('li')) + 1}." if parent is not None and parent.name == "ol" else "-"
        li.replace_with(f"\n{mark} {inline(li)}\n")
    for tag, prefix in (("dt", "Q: "), ("dd", "A: ")):
        for el in root.find_all(tag):
            el.replace_with(f"\n{prefix}{inline(el)}\n")
    for level in range(1, 7):
        for h in root.find_all(f"h{level}"):
            h.replace_with(f"\n\n{'#' * level} {inline(h)}\n\n")
    for br in root.find_all("br"):
        br.replace_with("\n")
    for block in root.find_all(["p", "div", "section", "ul", "ol", "dl", "blockquote", "pre"]):
        block.insert_before("\n\n")
        block.insert_after("\n\n")


def load_pdf(path: Path) -> list[Document]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [(page.extract_text(extraction_mode="layout") or "").strip() for page in reader.pages]
    text = clean_text("\n\n".join(p for p in pages if p))
    if not text.strip():
        raise DocumentError(str(path), "PDF has no text layer (a scanned image?); run OCR on it first")
    return [build_document(path, {}, _pdf_lines(text), plain=True)]


def _pdf_lines(text: str) -> str:
    """PDF text laid out by position: indentation and wide gaps dropped, and a numbered line
    ("1   Limited-time discounts", numbers counting up) written as a list item."""
    out: list[str] = []
    expected = 1
    for raw in text.splitlines():
        line = re.sub(r"[ \t]{3,}", "   ", raw.strip())
        m = re.match(r"^(\d{1,2})\s+(?=\S)(.*)$", line)
        if m and int(m.group(1)) in (1, expected):
            expected = int(m.group(1)) + 1
            line = f"{m.group(1)}. {m.group(2)}"
        elif line and not re.match(r"^\d{1,2}[.)、]", line):
            expected = 1 if not out or not out[-1] else expected
        out.append(line)
    return "\n".join(out)


def load_docx(path: Path) -> list[Document]:
    _check_zip(path)
    import docx
    from docx.table import Table

    document = docx.Document(str(path))
    lines: list[str] = []
    title = ""
    for part in document.iter_inner_content():
        if isinstance(part, Table):
            lines.append("")
            for row in part.rows:
                cells = [c.text.strip().replace("|", "/") for c in row.cells]
                lines.append(f"| {' | '.join(cells)} |")
            lines.append("")
            continue
        style = ((part.style.name if part.style is not None else "") or "").lower()
        text = part.text.strip()
        if not text:
            lines.append("")
            continue
        level = re.search(r"heading (\d)", style)
        if style == "title" or level:
            title = title or (text if style == "title" or level and level.group(1) == "1" else "")
            lines += ["", f"{'#' * (int(level.group(1)) if level else 1)} {text}", ""]
        elif "list" in style or part._p.pPr is not None and part._p.pPr.numPr is not None:
            lines.append(f"{'1.' if 'number' in style else '-'} {text}")
        else:
            lines += [text, ""]
    return [build_document(path, {}, clean_text("\n".join(lines)), title_hint=title)]


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise DocumentError(str(path), "not a valid DOCX (zip) file") from exc
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNZIPPED or total / packed > MAX_ZIP_RATIO:
        raise DocumentError(str(path), f"refused: unpacks to {total / 1e6:.0f} MB ({total / packed:.0f}x), a zip bomb?")


def load_glossary(path: Path) -> list[Document]:
    """The glossary YAML becomes one document per language, one sentence per term."""
    try:
        data = parse_yaml(read_text(path))
    except yaml.YAMLError as exc:
        raise DocumentError(str(path), f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "glossary" or not isinstance(data.get("terms"), list):
        raise DocumentError(str(path), "only the glossary YAML (type: glossary, with terms:) can be ingested")
    titles = data.get("title") or {}
    docs = []
    for lang in ("zh", "en"):
        lines = []
        for term in data["terms"]:
            lines.append(glossary_sentence(term, lang))
        meta = {"voice": "summary", **data, "lang": lang,
                "title": titles.get(lang, "Glossary") if isinstance(titles, dict) else str(titles)}
        meta.pop("terms", None)
        docs.append(build_document(path, meta, "\n\n".join(lines), default_type="glossary"))
    return docs


def glossary_sentence(term: dict[str, Any], lang: str) -> str:
    """One quotable line per term: the term, its counterpart in the other language, its definition.
    Synonyms stay out of the sentence (they reach retrieval through query expansion)."""
    if lang == "zh":
        return f"{term.get('zh', '')}（{term.get('en', '')}）：{str(term.get('definition_zh', '')).strip()}"
    return f"{term.get('en', '')} ({term.get('zh', '')}): {str(term.get('definition_en', '')).strip()}"


LOADERS: dict[str, Callable[[Path], list[Document]]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".yaml": load_glossary,
    ".yml": load_glossary,
}
