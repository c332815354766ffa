"""The bilingual glossary: surface forms of each term, for jieba and cross-language expansion."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


from .files import parse_yaml
from ..lang.text import CJK, to_simplified

# a character this common on its own (有, 的, 是, 在: zipf >= 6) is a word, not a typo in a term
FUNCTION_ZIPF = 6.0
# jieba's dictionary lists most of its words at about the lowest count it records (zipf below 2:
# old titles, names, set phrases such as 保正); one of those is no evidence of a real word
RARE_ZIPF = 2.0


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
        >>> g = Glossary([Term("lantern", "灯笼计划", "Lantern plan", ("灯笼计划", "Lantern plan", "Lantern"))])
        >>> g.expand("What does Lantern mean?")
        ['灯笼计划', 'Lantern plan']
    """

    terms: list[Term] = field(default_factory=list)

    def __post_init__(self) -> None:
        # forms prepared once: every question is matched against all of them
        self._cjk: list[tuple[str, int]] = []  # (simplified lower form, term index)
        latin: dict[str, list[int]] = {}
        for i, term in enumerate(self.terms):
            for form in term.forms:
                f = to_simplified(form).lower()
                if not f:
                    continue
                if re.search(r"[a-z0-9]", f[:1]):
                    latin.setdefault(dehyphen(f), []).append(i)
                else:
                    self._cjk.append((f, i))
        self._latin = latin
        alternation = "|".join(re.escape(f) for f in sorted(latin, key=len, reverse=True))
        self._latin_re = re.compile(rf"(?<![a-z0-9])(?=({alternation})(?![a-z0-9]))") if latin else None
        self._typo_forms = [f for f, _ in self._cjk if len(f) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", f)]
        self._forms = frozenset(f for f, _ in self._cjk)

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
        low = dehyphen(to_simplified(text).lower())
        hit: set[int] = {i for f, i in self._cjk if f in low}
        if self._latin_re is not None:
            for m in self._latin_re.finditer(low):
                # every form starting here, not only the longest alternative
                rest = low[m.start():]
                for f, ids in self._latin.items():
                    if rest.startswith(f) and not re.match(r"[a-z0-9]", rest[len(f):len(f) + 1]):
                        hit.update(ids)
        found = [t for i, t in enumerate(self.terms) if i in hit]
        return _drop_contained(found, low)

    def correct(self, text: str, zipf: Callable[[str], float | None] = lambda w: None) -> str:
        """Fix a one-character typo in a Chinese term ("灯龙计划" -> "灯笼计划") so retrieval finds it.
        ``zipf`` tells an ordinary word and how common it is: a character that makes a word with
        its neighbour outside the term ("店铺排名": 排名), or one of the language's commonest
        words on its own ("店铺有问题": 有), is not a typo of the term ("店铺券")."""
        head = text[:300]
        if not re.search(r"[\u4e00-\u9fff]", head):
            return text
        # characters already part of a real term are not a typo of another one
        taken = [False] * len(head)
        for f, _ in self._cjk:
            if len(f) >= 2:
                start = head.find(f)
                while start >= 0:
                    taken[start:start + len(f)] = [True] * len(f)
                    start = head.find(f, start + 1)
        for form in self._typo_forms:
            if form in head:
                continue
            n = len(form)
            for i in range(len(head) - n + 1):
                if head[i] != form[0] or any(taken[i:i + n]):
                    continue
                window = head[i : i + n]
                if sum(a != b for a, b in zip(window, form)) == 1 and not self._holds_term(window) \
                        and not _reads_as_words(head, i, n, form, zipf, self._forms):
                    return text[:i] + form + text[i + n :]
        return text

    def _holds_term(self, window: str) -> bool:
        """'预售比' already contains the real term '预售': not a typo of '预售品'."""
        return any(len(f) >= 2 and f in window for f, _ in self._cjk)

    def expand(self, text: str) -> list[str]:
        """Canonical zh and en forms of the matched terms that the text does not already contain."""
        low = to_simplified(text).lower()
        extra: list[str] = []
        for term in self.matches(text):
            for form in (term.zh, term.en):
                if form and form.lower() not in low and form not in extra:
                    extra.append(form)
        return extra


def dehyphen(text: str) -> str:
    """Latin words joined by a hyphen read as written apart ("full-time" = "full time")."""
    return re.sub(r"(?<=[a-z0-9])-(?=[a-z])", " ", text)


def names_form(text: str, form: str) -> bool:
    """Whether ``text`` names ``form``: a Latin form as whole words, a hyphen read as a space
    ("full-time" is "full time"), any other form anywhere; case aside."""
    low, f = dehyphen(text.lower()), dehyphen(form.lower())
    if f.isascii():
        return bool(re.search(rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])", low))
    return f in low


def _reads_as_words(head: str, i: int, n: int, form: str, zipf: Callable[[str], float | None],
                    forms: frozenset[str]) -> bool:
    """Whether the one differing character of ``head[i:i+n]`` is not a Chinese character ("店铺？"
    is no typo of "店铺券"), is one of the language's commonest words by itself ("店铺有问题"),
    makes a real word of up to four characters with its neighbours inside or just outside the
    window, one the glossary or jieba's dictionary knows beyond its rarest entries ("店铺排名" is no
    typo of "店铺改名", "申请退款" of "申请退货", "服务费" of a term one character away; 保正 does not
    make 保正金 a word), or follows a whole word the term begins with ("品牌商" and "品牌方" are no
    typos of "品牌名", "发货吗" of "发货期": the question goes on differently after that word):
    only what no dictionary knows is corrected."""
    at = next(k for k in range(n) if head[i + k] != form[k])
    char = head[i + at]
    if not CJK.match(char) or (zipf(char) or 0.0) >= FUNCTION_ZIPF:
        return True

    def known(word: str) -> bool:
        return all(CJK.match(c) for c in word) and ((zipf(word) or 0.0) >= RARE_ZIPF or word in forms)

    p = i + at
    spans = {head[s:e] for s in range(max(0, p - 3), p + 1) for e in range(p + 1, min(len(head), p + 4) + 1)
             if 2 <= e - s <= 4}
    return any(known(w) for w in spans) or at >= 2 and known(head[i:p])


def _drop_contained(terms: list[Term], text: str) -> list[Term]:
    """'灯笼计划' also contains '计划': keep only the longest match covering a span."""
    spans = []
    for term in terms:
        best = max((dehyphen(f.lower()) for f in term.forms if dehyphen(f.lower()) in text), key=len, default="")
        spans.append((term, best))
    keep = []
    for term, form in spans:
        if not form or not any(form != other and form in other for _, other in spans):
            keep.append(term)
    return keep
