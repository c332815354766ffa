"""Reading the knowledge base's files: text in UTF-8 (with or without BOM) or GB18030, and YAML
whose dates stay text. The loaders, the corpus check and the domain and glossary files all read
through here."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import DocumentError
from ..lang.text import clean_text


class _TextDatesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when PyYAML has it
    """YAML without implicit timestamps: dates stay strings, so a bad date is reported by field
    instead of crashing the parser."""


_TextDatesLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str):
    return yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a SafeLoader subclass


def read_text(path: Path) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030; refuse binary or undecodable files."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise DocumentError(str(path), "looks like a binary file (contains NUL bytes), not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and not _plausible_chinese(text):
            break
        return clean_text(text)
    raise DocumentError(str(path), "text is neither UTF-8 nor GB18030; re-save it as UTF-8")

def _plausible_chinese(text: str) -> bool:
    """GB18030 decodes almost any bytes; accept it only when the result is mostly common Han text."""
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    odd = sum(1 for ch in text if "\u3400" <= ch <= "\u4dff" or "\ue000" <= ch <= "\uf8ff" or ch in "\ufffd")
    return han > 0 and odd * 20 < han
