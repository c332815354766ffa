"""The question pool: real seller questions restated from public pages, split by site.

Each raw item records the page it was written from and that page's site. Every question from
one site goes to one split, so a phrasing learned from a site's questions never meets its
siblings in another split: ``train`` fits models, ``dev`` tunes and is read freely, ``sealed``
is only ever reported in aggregate. The assignment is a pure function of the sites, so adding
items from a new site never moves an old one.

    python -m assistant.eval.pool assemble evals/pool/raw/*.jsonl   # writes evals/pool/<split>.jsonl
    python -m assistant.eval.pool label labels.jsonl               # writes labels into them
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlparse

SPLITS = ("train", "dev", "sealed")
SHARES = {"train": 0.5, "dev": 0.25, "sealed": 0.25}
MAX_PER_PAGE = 4
# second-level labels under which a registry hands out names (example.com.cn, example.co.uk)
SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "co", "ac"})
POOL_DIR = Path("evals/pool")


def normalise_page(url: str) -> str:
    """A page's address without scheme, a leading www./m., or a trailing slash or .htm(l)."""
    u = url.strip().lower()
    u = re.sub(r"^https?://", "", u)
    u = re.sub(r"^(www\.|m\.)", "", u)
    return re.sub(r"(\.html?|/)$", "", u)


def site_of(url: str) -> str:
    """The registrable domain a page belongs to: sell.aliexpress.com and activities.aliexpress.com
    are one site, as are en.hb2b.com and hb2b.com."""
    host = (urlparse(url if "://" in url else f"http://{url}").hostname or "").lower()
    labels = [x for x in host.split(".") if x]
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _norm_question(text: str) -> str:
    return re.sub(r"[\s?？!！。.,，]+", "", text.lower())


def merge(raw: Iterable[dict]) -> list[dict]:
    """Raw items in order, without repeated questions and with at most ``MAX_PER_PAGE`` from one
    page (writers working side by side may both have used a page)."""
    seen: set[str] = set()
    per_page: Counter[str] = Counter()
    out = []
    for item in raw:
        key = _norm_question(item["question"])
        page = normalise_page(item["page"])
        if not key or key in seen or per_page[page] >= MAX_PER_PAGE:
            continue
        seen.add(key)
        per_page[page] += 1
        out.append({**item, "site": site_of(item["page"])})
    return out


def _rank(site: str) -> str:
    return hashlib.sha256(site.encode()).hexdigest()


def assign_splits(items: Sequence[dict], fixed: dict[str, str] | None = None) -> dict[str, str]:
    """Site -> split. A site already in a split (``fixed``) stays there; the others are taken in
    the order of their hash and each goes to the split furthest below its share, counted per
    language, so every split holds both languages in about the pool's proportions."""
    fixed = fixed or {}
    counts: dict[str, Counter[str]] = {}
    for item in items:
        counts.setdefault(item["site"], Counter())[item["lang"]] += 1
    totals = Counter(item["lang"] for item in items)
    have = {s: Counter() for s in SPLITS}
    out: dict[str, str] = {}
    for site, split in fixed.items():
        if site in counts:
            out[site] = split
            have[split].update(counts[site])
    for site in sorted(set(counts) - set(out), key=_rank):
        def deficit(split: str) -> float:
            return sum((SHARES[split] * totals[lang] - have[split][lang]) * n for lang, n in counts[site].items())
        split = max(SPLITS, key=lambda s: (deficit(s), -SPLITS.index(s)))
        out[site] = split
        have[split].update(counts[site])
    return out


def assemble(raw_files: Sequence[Path], out_dir: Path = POOL_DIR) -> dict[str, Counter[str]]:
    """Merge the raw files, number the items, and write one file per split; labels already in
    the split files (by page and question) are kept. Returns counts only: the sealed items are
    never shown."""
    raw = [json.loads(line) for f in raw_files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = merge(raw)
    old = {(normalise_page(i["page"]), i["question"]): i for s in SPLITS for i in load_split(s, out_dir)}
    used = {i["id"] for i in old.values()}
    fixed = {i["site"]: s for s in SPLITS for i in load_split(s, out_dir)}
    splits = assign_splits(items, fixed)
    written: dict[str, list[dict]] = {s: [] for s in SPLITS}
    next_no = Counter()
    for item in items:
        prior = old.get((normalise_page(item["page"]), item["question"]))
        if prior is not None:
            record = prior
        else:
            lang = item["lang"]
            while True:
                next_no[lang] += 1
                qid = f"pool-{lang}-{next_no[lang]:04d}"
                if qid not in used:
                    break
            used.add(qid)
            record = {"id": qid, "question": item["question"], "lang": lang, "type": "pool",
                      "page": item["page"], "site": item["site"], "form": item.get("form", ""),
                      "page_kind": item.get("page_kind", "")}
        written[splits[item["site"]]].append(record)
    out_dir.mkdir(parents=True, exist_ok=True)
    for split, rows in written.items():
        rows.sort(key=lambda r: r["id"])
        (out_dir / f"{split}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                               encoding="utf-8")
    return {s: Counter(r["lang"] for r in rows) for s, rows in written.items()}


def eval_item(record: dict) -> dict | None:
    """A labelled pool record as an eval item: answerable unless labelled "no", the label's key
    facts as the groups an answer must contain; None while unlabelled."""
    label = record.get("label")
    if not isinstance(label, dict) or label.get("answerable") not in ("yes", "partly", "no"):
        return None
    facts = label.get("facts") or []
    return {"id": record["id"], "question": record["question"], "lang": record["lang"], "type": "pool",
            "answerable": label["answerable"] != "no", "label": label["answerable"],
            "must_include": [f["must_include"] for f in facts if f.get("must_include")],
            "must_not_include": list(label.get("must_not_include") or []),
            "sources": list(dict.fromkeys(ref["doc"] for f in facts for ref in f.get("kb") or [] if ref.get("doc")))}


def merge_labels(label_files: Sequence[Path], directory: Path = POOL_DIR) -> Counter[str]:
    """Write labels (one JSON object a line with the item's ``id``) into the split files; a
    later label of an item replaces an earlier one. Returns counts of the labels written."""
    labels: dict[str, dict] = {}
    for f in label_files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                label = json.loads(line)
                labels[label.pop("id")] = label
    counts: Counter[str] = Counter()
    for split in SPLITS:
        rows = load_split(split, directory)
        for row in rows:
            if row["id"] in labels:
                row["label"] = labels[row["id"]]
                counts[row["label"].get("answerable", "?")] += 1
        (directory / f"{split}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                                 encoding="utf-8")
    return counts


def load_split(split: str, directory: Path = POOL_DIR) -> list[dict]:
    path = directory / f"{split}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.eval.pool")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("assemble", help="merge raw item files and write the split files")
    a.add_argument("raw", nargs="+", type=Path)
    a.add_argument("--out", type=Path, default=POOL_DIR)
    m = sub.add_parser("label", help="write labels (JSON lines with an id) into the split files")
    m.add_argument("labels", nargs="+", type=Path)
    m.add_argument("--out", type=Path, default=POOL_DIR)
    args = parser.parse_args(argv)
    if args.command == "label":
        written = merge_labels(args.labels, args.out)
        print("labels written: " + ", ".join(f"{k} {v}" for k, v in sorted(written.items())))
        return 0
    counts = assemble(args.raw, args.out)
    sites = {s: len({r["site"] for r in load_split(s, args.out)}) for s in SPLITS}
    for split, c in counts.items():
        print(f"{split}: {sum(c.values())} items ({', '.join(f'{k} {v}' for k, v in sorted(c.items()))}) "
              f"from {sites[split]} sites")
    return 0


if __name__ == "__main__":
    sys.exit(main())
