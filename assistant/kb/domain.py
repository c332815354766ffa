"""The domain as data: what the knowledge base is about, loaded from ``<corpus>/domain.yaml``.

The engine knows no platform, programme or tool by name. Everything a knowledge manager may
need to change lives in the domain file beside the glossary:

- ``name``: what the knowledge base covers, per language ("Moonbeam Market seller rules");
- ``title``: what the assistant is called in the web UI;
- ``scope``: words that name the platform itself (they say nothing about a question's topic);
- ``generic_words``: everyday words of this domain that never make a topic on their own;
- ``other_platforms``: names of platforms the knowledge base does not cover;
- ``check_where``: where a user can check what the knowledge base does not hold;
- ``entities`` and ``aspects``: what a comparison table compares, and on which rows;
- ``options``: the kinds of thing the knowledge base advises choosing among ("model", "shipping
  method"); a which-one-should-I-use question about another kind of thing (which software,
  which forwarder) is outside it;
- ``query_synonyms``: everyday question words and the words the documents use for them;
- ``money_words``: the domain's names for sums of money (a question asking "how much" of one
  wants an amount, not any number);
- ``kb_voice``: phrases of the knowledge base's own voice (advice, "not public" notes);
- ``examples``: example questions the web UI offers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DocumentError
from .files import parse_yaml, read_text
from .glossary import names_form


@dataclass(frozen=True)
class Entity:
    """Something a comparison table has a column for (a programme, a model, a plan)."""

    id: str
    label: dict[str, str]
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Aspect:
    """A row of a comparison table and the words that show a sentence speaks to it."""

    id: str
    label: dict[str, str]
    words: dict[str, tuple[str, ...]]


@dataclass
class Domain:
    name: dict[str, str] = field(default_factory=lambda: {"zh": "知识库", "en": "the knowledge base"})
    title: dict[str, str] = field(default_factory=lambda: {"zh": "政策助手", "en": "Policy Assistant"})
    scope: tuple[str, ...] = ()
    generic_words: frozenset[str] = frozenset()
    other_platforms: tuple[str, ...] = ()
    check_where: dict[str, str] = field(default_factory=lambda: {"zh": "", "en": ""})
    entities: tuple[Entity, ...] = ()
    aspects: tuple[Aspect, ...] = ()
    options: tuple[str, ...] = ()
    query_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    money_words: tuple[str, ...] = ()
    kb_voice: dict[str, tuple[str, ...]] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    named: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind (places, companies, ...) -> names

    @classmethod
    def from_file(cls, path: Path) -> "Domain":
        """Load a domain file; a missing file gives an empty domain (the engine still works)."""
        if not Path(path).exists():
            return cls()
        try:
            data = parse_yaml(read_text(Path(path))) or {}
        except yaml.YAMLError as exc:
            raise DocumentError(str(path), f"not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise DocumentError(str(path), "the domain file must be a YAML mapping")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Domain":
        base = cls()
        return cls(
            name=_langs(data.get("name")) or base.name,
            title=_langs(data.get("title")) or base.title,
            scope=_strings(data.get("scope")),
            generic_words=frozenset(w.lower() for lang in ("zh", "en")
                                    for w in _strings((data.get("generic_words") or {}).get(lang))),
            other_platforms=_strings(data.get("other_platforms")),
            check_where=_langs(data.get("check_where")) or base.check_where,
            entities=tuple(Entity(str(e["id"]), _langs(e.get("label")), _strings(e.get("forms")))
                           for e in data.get("entities") or [] if isinstance(e, dict) and e.get("id")),
            aspects=tuple(Aspect(str(a["id"]), _langs(a.get("label")),
                                 {lang: _strings((a.get("words") or {}).get(lang)) for lang in ("zh", "en")})
                          for a in data.get("aspects") or [] if isinstance(a, dict) and a.get("id")),
            options=_strings(data.get("options")),
            query_synonyms={str(k).lower(): _strings(v) for k, v in (data.get("query_synonyms") or {}).items()},
            money_words=_strings(data.get("money_words")),
            kb_voice={lang: _strings((data.get("kb_voice") or {}).get(lang)) for lang in ("zh", "en")},
            examples=_strings(data.get("examples")),
            named={str(kind): _strings(names) for kind, names in (data.get("named") or {}).items()},
        )

    def __post_init__(self) -> None:
        self._platforms = _names_regex(self.other_platforms)
        self._scope = _names_regex(self.scope)
        self._named = _names_regex(tuple(n for names in self.named.values() for n in names))

    def in_scope_word(self, word: str) -> bool:
        low = word.lower()
        return any(low == s.lower() for s in self.scope)

    def other_platforms_in(self, text: str) -> list[str]:
        """Other platforms a text names (whole words for Latin names, so 'Sun' is not found
        inside 'Sunday'), each once, as the text writes it."""
        if self._platforms is None:
            return []
        return list(dict.fromkeys(m.group(1) for m in self._platforms.finditer(text)))

    def is_option(self, thing: str) -> bool:
        """Whether the knowledge base advises choosing among things of this kind ("which
        shipping method", "哪种模式")."""
        low = thing.lower()
        return any(c.lower() in low for c in self.options)

    def names_scope(self, text: str) -> bool:
        return self._scope is not None and self._scope.search(text) is not None

    def entities_in(self, text: str) -> list[Entity]:
        """The entities (models) a text names, by any of their forms."""
        return [e for e in self.entities if any(names_form(text, f) for f in e.forms)]

    def named_in(self, text: str) -> list[str]:
        """The named things (a country, a company, a product category) a text names."""
        if self._named is None:
            return []
        return list(dict.fromkeys(m.group(1) for m in self._named.finditer(text)))


def _names_regex(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for a list of names: Latin names as whole words, Chinese ones anywhere."""
    if not names:
        return None
    parts = [rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])" if n.isascii() else re.escape(n)
             for n in sorted(set(names), key=len, reverse=True)]
    return re.compile("(" + "|".join(parts) + ")", re.I)


def problems(data: Any) -> list[str]:
    """What is wrong with a domain file's content, one line each (for ``corpus check``)."""
    if not isinstance(data, dict):
        return ["domain.yaml: must be a YAML mapping"]
    errors = []
    for key in ("name", "title", "check_where"):
        value = data.get(key)
        if key in data and (not isinstance(value, dict) or not all(str(value.get(lang) or "").strip() for lang in ("zh", "en"))):
            errors.append(f"domain.yaml: {key}: needs a zh and an en text")
    for key in ("scope", "other_platforms", "examples", "money_words", "options"):
        if key in data and not isinstance(data[key], list):
            errors.append(f"domain.yaml: {key}: must be a list")
    ids: set[str] = set()
    for kind in ("entities", "aspects"):
        for i, item in enumerate(data.get(kind) or []):
            where = f"domain.yaml: {kind}[{i}]"
            if not isinstance(item, dict) or not item.get("id"):
                errors.append(f"{where}: needs an id")
                continue
            if item["id"] in ids:
                errors.append(f"{where}: duplicate id '{item['id']}'")
            ids.add(item["id"])
            if not all(str((item.get("label") or {}).get(lang) or "").strip() for lang in ("zh", "en")):
                errors.append(f"{where} ({item['id']}): label needs zh and en")
            if kind == "entities" and not item.get("forms"):
                errors.append(f"{where} ({item['id']}): forms: at least one surface form")
            if kind == "aspects" and not all((item.get("words") or {}).get(lang) for lang in ("zh", "en")):
                errors.append(f"{where} ({item['id']}): words needs zh and en lists")
    named = data.get("named")
    if named is not None and not (isinstance(named, dict) and all(isinstance(v, list) for v in named.values())):
        errors.append("domain.yaml: named: must map a kind (places, companies, categories) to a list of names")
    syn = data.get("query_synonyms")
    if syn is not None and not (isinstance(syn, dict) and all(isinstance(v, list) for v in syn.values())):
        errors.append("domain.yaml: query_synonyms: must map a word to a list of words")
    return errors


def _strings(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v).strip() for v in value if v is not None and str(v).strip())


def _langs(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {lang: str(value.get(lang) or "").strip() for lang in ("zh", "en")}
    return {}


def synonyms(text: str, domain: Domain) -> list[str]:
    """Words the documents use for everyday question words in ``text`` (query side only)."""
    low = text.lower()
    return [syn for word, syns in domain.query_synonyms.items()
            if (re.search(rf"\b{re.escape(word)}\b", low) if word.isascii() else word in low) for syn in syns]
