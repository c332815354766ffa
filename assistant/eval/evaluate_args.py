"""Arguments of `assistant eval` (kept apart so `assistant --help` imports nothing heavy)."""

from __future__ import annotations

import argparse
from pathlib import Path

SETS = ("curated", "real-style", "documents", "replies", "train", "dev", "sealed")


def add_eval_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=["run", "import-feedback"], default="run")
    p.add_argument("--set", nargs="+", choices=SETS, metavar="SET",
                   help="question sets to run: the regression sets curated, real-style, documents, replies and the pool's "
                        "splits train, dev, sealed (default: all that exist); sealed prints figures only")
    p.add_argument("--questions", nargs="*", type=Path,
                   help="ad-hoc JSONL files answered from the corpus (instead of --set)")
    p.add_argument("--evals-dir", type=Path, default=Path("evals"),
                   help="where questions/, documents/ and pool/ live (default: evals)")
    p.add_argument("--documents-dir", type=Path,
                   help="documents-as-found directory with its questions.jsonl (default: <evals dir>/documents)")
    p.add_argument("--retriever", choices=["hybrid", "dense", "keyword"])
    p.add_argument("--no-glossary", action="store_true", help="disable glossary tokenizer words and expansion")
    p.add_argument("--report", type=Path, help="report directory (default: <data dir>/reports/<timestamp>)")
    p.add_argument("--baseline", type=Path, help="compare with this baseline JSON per set; exit 1 on regressions")
    p.add_argument("--tolerance", type=float, default=0.02,
                   help="allowed move of a gated rate in the wrong direction vs the baseline")
    p.add_argument("--write-baseline", type=Path, help="write the run's figures as a new baseline")
    p.add_argument("--tutorial-baseline", action="store_true", help="also run the LangChain-tutorial RAG row per set")
    p.add_argument("--retrieval-only", action="store_true", help="retrieval metrics only (dense/keyword/hybrid)")
    p.add_argument("--fit-judge", type=Path, metavar="FILE",
                   help="fit the judge's relevance weights and thresholds on the selected sets (never sealed) and "
                        "write them to FILE (the engine reads assistant/learn/relevance.json); no answers are graded")
    p.add_argument("--fit-confidence", type=Path, metavar="FILE",
                   help="fit what a response's confidence means (how often responses of each raw probability are "
                        "right) on the selected sets (default train, never sealed), report it on dev, and write the "
                        "engine's relevance file with it to FILE")
    p.add_argument("--feedback", type=Path, help="feedback JSONL for import-feedback")
    p.add_argument("--out", type=Path, help="draft questions file for import-feedback")
