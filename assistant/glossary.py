"""The bilingual glossary: surface forms of each term, for jieba and cross-language expansion."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


from .load import parse_yaml
from .text import to_simplified


@dataclass(frozen=True)
class Term:
    term_id: str
    zh: str
    en: str
    forms: tuple[str, ...]
    articles: tuple[str, ...] = ()


@dataclass
class Glossary:
    """Terms and their surface forms; ``expand`` maps a question to the other forms it implies.

    Example:
        >>> g = Glossary([Term("semi", "半托管", "semi-managed", ("半托管", "semi-managed", "semi-hosted"))])
        >>> g.expand("What does semi-hosted mean?")
        ['半托管', 'semi-managed']
    """

    terms: list[Term] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path) -> "Glossary":
        if not path.exists():
            return cls()
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
        terms = []
        for raw in data.get("terms") or []:
            if not isinstance(raw, dict):
                continue
            forms = [raw.get("zh"), raw.get("en"), *(raw.get("zh_synonyms") or []),
                     *(raw.get("en_synonyms") or []), *(raw.get("abbreviations") or [])]
            clean = tuple(dict.fromkeys(str(f).strip() for f in forms if f and str(f).strip()))
            terms.append(Term(str(raw.get("id", "")), str(raw.get("zh", "")), str(raw.get("en", "")), clean,
                              tuple(raw.get("articles") or ())))
        return cls(terms)

    def words(self) -> list[str]:
        """Every surface form, for the tokenizer's user dictionary."""
        return [to_simplified(f) for t in self.terms for f in t.forms]

    def matches(self, text: str) -> list[Term]:
        """Terms any of whose forms occurs in the text (whole words for Latin forms)."""
        low = to_simplified(text).lower()
        found = []
        for term in self.terms:
            for form in term.forms:
                f = to_simplified(form).lower()
                if not f:
                    continue
                if re.search(r"[a-z0-9]", f[:1]):
                    if re.search(r"(?<![a-z0-9])" + re.escape(f) + r"(?![a-z0-9])", low):
                        found.append(term)
                        break
                elif f in low:
                    found.append(term)
                    break
        return _drop_contained(found, low)

    def correct(self, text: str) -> str:
        """Fix a one-character typo in a Chinese term ("半拖管" -> "半托管") so retrieval finds it."""
        head = text[:300]
        if not re.search(r"[\u4e00-\u9fff]", head):
            return text
        # characters already part of a real term are not a typo of another one
        taken = [False] * len(head)
        for term in self.terms:
            for form in term.forms:
                if len(form) >= 2:
                    for m in re.finditer(re.escape(form), head):
                        taken[m.start():m.end()] = [True] * (m.end() - m.start())
        for term in self.terms:
            for form in term.forms:
                if len(form) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", form) or form in head:
                    continue
                n = len(form)
                for i in range(len(head) - n + 1):
                    window = head[i : i + n]
                    if sum(a != b for a, b in zip(window, form)) == 1 and window[0] == form[0] \
                            and not any(taken[i:i + n]) and not self._holds_term(window):
                        return text[:i] + form + text[i + n :]
        return text

    def _holds_term(self, window: str) -> bool:
        """'仓发比' already contains the real term '仓发': not a typo of '仓发品'."""
        return any(len(f) >= 2 and f in window for t in self.terms for f in t.forms)

    def expand(self, text: str) -> list[str]:
        """Canonical zh and en forms of the matched terms that the text does not already contain."""
        low = to_simplified(text).lower()
        extra: list[str] = []
        for term in self.matches(text):
            for form in (term.zh, term.en):
                if form and form.lower() not in low and form not in extra:
                    extra.append(form)
        return extra


def _drop_contained(terms: list[Term], text: str) -> list[Term]:
    """'半托管' also contains '托管': keep only the longest match covering a span."""
    spans = []
    for term in terms:
        best = max((f for f in term.forms if f.lower() in text), key=len, default="")
        spans.append((term, best.lower()))
    keep = []
    for term, form in spans:
        if not form or not any(form != other and form in other for _, other in spans):
            keep.append(term)
    return keep
