"""Arguments of `assistant bench`."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, help="output directory for bench.json and bench.png")
    p.add_argument("--repeat", type=int, default=5, help="passes over the question set for warm latency")
    p.add_argument("--scale", nargs="*", type=int, default=[], help="synthetic corpus sizes in chunks, e.g. 10000 100000")
    p.add_argument("--concurrency", nargs="*", type=int, default=[], help="parallel API clients, e.g. 1 8 32")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per concurrency level")
    p.add_argument("--chroma-url", help="run against this Chroma server")
    p.add_argument("--quick", action="store_true", help="small sizes, for tests")
