"""Cue tables: what the code knows about how Chinese and English ask, state, point and hedge, as
rows of data with their own examples (``tables/*.yaml``), the same face a model would have.

A row is one cue the code asks for by its name (``cue(name).search(text)``)::

    - name: kind_comparison        # unique across the tables
      means: asks how two things differ ...   # one line: what it detects and why
      flags: [ignorecase]          # optional: ignorecase, multiline, dotall
      zh: [区别, 不同, 差异]          # the alternatives, each a regular-expression fragment
      en: [versus, difference]     # (a plain word is one); joined in the order written
      any: ['\\d+\\s*%']             # optional: alternatives of no one language
      whole_words: true            # optional: each ``en`` alternative stands as a whole word
      form: '^{words}'             # optional: where the joined alternatives sit ({words})
      use: match                   # optional: how the code applies it, and so its examples
                                   # (search, the default; match; fullmatch)
      examples:                    # the row's tests: each phrasing must match ...
        zh: [两种模式有什么区别, ...]   # at least three per language the row covers
        en: [How do they differ?, ...]
        not: [这个规则适用哪些商品]     # ... and each of these must not

A row that needs groups, lookarounds or an order of its own gives the whole expression as
``pattern:`` and names the languages it covers in ``langs:``. In a pattern or an alternative,
``{other_row}`` stands for another row's expression (its flags are the including row's), and a
``{slot}`` the row lists in ``slots`` (with an example value for its tests, one or one per
language) is filled by the code that asks: ``cue(name, form=re.escape(word))``.

Nothing is read at import: the tables are read and a row compiled the first time it is asked for.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TABLES = Path(__file__).with_name("tables")
LANGS = ("zh", "en", "any")
ROW_KEYS = frozenset("name means flags pattern langs whole_words form use slots examples".split())
FLAGS = {"ignorecase": re.IGNORECASE, "multiline": re.MULTILINE, "dotall": re.DOTALL}
# "{name}": another row, or a slot of this one; regex counts ("{0,20}") are digits and stay
REFERENCE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_COMPILED: dict[str, re.Pattern[str]] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Row:
    """One cue: its name, what it means, its alternatives per language (or its whole pattern),
    flags, and the examples that are its tests."""

    name: str
    means: str
    table: str
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pattern: str = ""
    langs: tuple[str, ...] = ()
    flags: int = 0
    whole_words: bool = False
    form: str = "{words}"
    use: str = "search"
    slots: Mapping[str, Any] = field(default_factory=dict)
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def alternatives(self) -> list[str]:
        """The row's alternatives in the order written; ``en`` ones bounded when whole words."""
        out = []
        for lang, alts in self.words.items():
            for alt in alts:
                if lang == "en" and self.whole_words:
                    alt = rf"\b{alt}\b" if _single(alt) else rf"\b(?:{alt})\b"
                out.append(alt)
        return out

    def source(self) -> str:
        """The row's own expression, before other rows and slots are filled in."""
        if self.pattern:
            return self.pattern
        return self.form.replace("{words}", "(?:" + "|".join(self.alternatives()) + ")")


def _single(alt: str) -> bool:
    """Whether a fragment has no alternation outside its groups and classes (so the word
    boundaries put around it bound all of it)."""
    depth, klass, escaped = 0, False, False
    for ch in alt:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif klass:
            klass = ch != "]"
        elif ch == "[":
            klass = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return False
    return True


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        # YAML reads a bare no / yes / on as a boolean: such words must be quoted
        raise ValueError(f"{where}: must be a list of quoted strings, got {value!r}")
    return tuple(value)


def _row(data: dict[str, Any], table: str) -> Row:
    name = data.get("name")
    where = f"{table}.yaml: {name or data}"
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: a row needs a name")
    unknown = set(data) - ROW_KEYS - set(LANGS)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    words = {lang: _strings(data[lang], f"{where}: {lang}") for lang in data if lang in LANGS}
    pattern = data.get("pattern", "")
    if bool(words) == bool(pattern):
        raise ValueError(f"{where}: give either alternatives (zh / en / any) or a pattern")
    flags = 0
    for flag in _strings(data.get("flags", []), f"{where}: flags"):
        if flag not in FLAGS:
            raise ValueError(f"{where}: unknown flag {flag!r}")
        flags |= FLAGS[flag]
    use = data.get("use", "search")
    if use not in ("search", "match", "fullmatch"):
        raise ValueError(f"{where}: use is search, match or fullmatch, not {use!r}")
    examples = data.get("examples") or {}
    if not isinstance(examples, dict):
        raise ValueError(f"{where}: examples must map zh / en / not to phrasings")
    langs = _strings(data["langs"], f"{where}: langs") if "langs" in data else tuple(x for x in words if x != "any")
    return Row(name=name, means=str(data.get("means", "")), table=table, words=words, pattern=str(pattern),
               langs=langs, flags=flags, whole_words=bool(data.get("whole_words", False)),
               form=str(data.get("form", "{words}")), use=use, slots=dict(data.get("slots") or {}),
               examples={str(k): _strings(v, f"{where}: examples: {k}") for k, v in examples.items()})


@functools.lru_cache(maxsize=1)
def rows() -> dict[str, Row]:
    """Every row of every table, by name, in table order (tables by file name, rows as written)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: dict[str, Row] = {}
    for path in sorted(TABLES.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or []
        if not isinstance(data, list):
            raise ValueError(f"{path.name}: a table is a list of rows")
        for item in data:
            row = _row(item, path.stem)
            if row.name in out:
                raise ValueError(f"{path.name}: {row.name} is also a row of {out[row.name].table}.yaml")
            out[row.name] = row
    return out


def source(name: str, _seen: tuple[str, ...] = ()) -> str:
    """A row's expression with the rows it names filled in (its slots left as ``{slot}``)."""
    table = rows()
    if name not in table:
        raise KeyError(f"no cue named {name!r} in {TABLES}")
    if name in _seen:
        raise ValueError(f"cue {name!r} includes itself: {' -> '.join((*_seen, name))}")
    row = table[name]

    def fill(m: re.Match[str]) -> str:
        ref = m.group(1)
        return m.group(0) if ref in row.slots else source(ref, (*_seen, name))

    return REFERENCE.sub(fill, row.source())


def _compiled(name: str) -> re.Pattern[str]:
    found = _COMPILED.get(name)
    if found is None:
        with _LOCK:  # one object per row, whichever thread asks first: code compares them by identity
            found = _COMPILED.get(name)
            if found is None:
                text = source(name)
                row = rows()[name]
                if row.slots:
                    raise TypeError(f"cue {name!r} has slots {sorted(row.slots)} the caller must fill")
                found = _COMPILED[name] = re.compile(text, row.flags)
    return found


@functools.lru_cache(maxsize=4096)
def _filled(name: str, slots: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    text = source(name)
    row = rows()[name]
    if {k for k, _ in slots} != set(row.slots):
        raise TypeError(f"cue {name!r} takes slots {sorted(row.slots)}, got {sorted(k for k, _ in slots)}")
    given = dict(slots)
    return re.compile(REFERENCE.sub(lambda m: given.get(m.group(1), m.group(0)), text), row.flags)


def cue(name: str, **slots: str) -> re.Pattern[str]:
    """The compiled row ``name`` (the same object each time); with ``slots``, its expression with
    them filled in (each slot a regular-expression fragment: ``re.escape`` a literal word)."""
    if not slots:
        return _compiled(name)
    return _filled(name, tuple(sorted(slots.items())))


@functools.lru_cache(maxsize=None)
def family(prefix: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The rows whose names start with ``prefix``, in table order, as (the rest of the name, the
    compiled row): the prefix asking_ gives (("deadline", …), ("figure", …), …)."""
    found = tuple((name[len(prefix):], cue(name)) for name in rows() if name.startswith(prefix))
    if not found:
        raise KeyError(f"no cue named {prefix}… in {TABLES}")
    return found


@functools.lru_cache(maxsize=None)
def words(name: str, lang: str = "en") -> tuple[str, ...]:
    """A row's alternatives of one language as written (a row of plain words read as a word list)."""
    return rows()[name].words.get(lang, ())

