"""`assistant bench`: cold start, warm latency per stage, ingest throughput, scale curve,
concurrency against the API, and the tutorial RAG for comparison. JSON + PNG out."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..settings import Settings


def _pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    a = np.asarray(values)
    return {"p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2),
            "p99": round(float(np.percentile(a, 99)), 2), "n": len(values)}


def _questions() -> list[str]:
    from .evaluate import load_questions

    items = load_questions(sorted(Path("evals/questions").glob("*.jsonl")))
    return [i["question"] for i in items if not i.get("history")]


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def bench_ingest(settings: Settings) -> dict[str, Any]:
    from ..pipeline import Assistant

    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(settings.model_copy(update={"data_dir": Path(tmp), "chroma_url": None}))
        _ = a.embedder.encode(["warm"])  # model load is cold start, not ingest
        _ = a.tokenizer.tokenize("预热")
        report = a.ingest([settings.corpus_dir])
        return {"chunks": report.chunks_written, "seconds": round(report.seconds, 2),
                "chunks_per_s": round(report.chunks_written / report.seconds, 1), "index_bytes": _dir_size(Path(tmp))}


def bench_cold_start(settings: Settings) -> dict[str, Any]:
    times = []
    env = dict(os.environ)
    if settings.chroma_url:
        env["ASSISTANT_CHROMA_URL"] = settings.chroma_url
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(settings.data_dir), "ask", "什么是半托管？", "--json"],
                       capture_output=True, check=True, env=env)
        times.append((time.perf_counter() - t) * 1000)
    return {"ms": _pct(times)}


def bench_warm(assistant, questions: list[str], repeat: int) -> dict[str, Any]:
    stages: dict[str, list[float]] = {}
    for _ in range(repeat):
        for q in questions:
            a = assistant.ask(q)
            for k, v in a.timings_ms.items():
                stages.setdefault(k, []).append(v)
    return {k: _pct(v) for k, v in sorted(stages.items())}


def synthetic_docs(assistant, n_chunks: int, seed: int = 7):
    """Documents made by recombining corpus sentences (keeping their language), ~4 per chunk."""
    from ..schema import Document

    rng = random.Random(seed)
    pools = {"zh": [], "en": []}
    for rec in assistant.index.records.values():
        pools.setdefault(rec.lang, []).extend(rec.sentences)
    from ..ingest.chunk import chunk_document

    docs = []
    total = 0
    i = 0
    while total < n_chunks:
        lang = "zh" if i % 2 else "en"
        sents = [rng.choice(pools[lang]) for _ in range(18)]
        sep = "" if lang == "zh" else " "
        text = "\n".join(sep.join(sents[j:j + 3]) for j in range(0, len(sents), 3))
        doc = Document(doc_id=f"syn-{i}", lang=lang, title=f"synthetic {i}", text=text, path=f"synthetic/{i}",
                       type="notice", published="2026-01-01")
        docs.append(doc)
        total += len(chunk_document(doc))
        i += 1
    return docs


def _scale_one(settings: Settings, n: int, questions: list[str]) -> dict[str, Any]:
    """One corpus size, in a process of its own so its peak RSS is its own."""
    from ..pipeline import Assistant
    from ..ingest.ingest import Ingestor

    base = Assistant(settings)
    docs = synthetic_docs(base, n)
    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(settings.model_copy(update={"data_dir": Path(tmp)}))
        ing = Ingestor(a.index, a.embedder, a.tokenizer)
        t = time.perf_counter()
        written = 0
        for i in range(0, len(docs), 2000):
            written += ing.add_documents(docs[i:i + 2000], f"synthetic-{i}").chunks_written
        secs = time.perf_counter() - t
        a.retriever.search(questions[0])
        lat = []
        for q in questions[:60]:
            t = time.perf_counter()
            a.retriever.search(q)
            lat.append((time.perf_counter() - t) * 1000)
        return {"chunks": written, "ingest_chunks_per_s": round(written / secs, 1), "retrieval_ms": _pct(lat),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "index_bytes": _dir_size(Path(tmp))}


def bench_scale(settings: Settings, sizes: list[int], questions: list[str]) -> list[dict[str, Any]]:
    """Synthetic corpora of each size, built from the bundled corpus's sentences (each keeps its
    language). Sentences repeat across synthetic documents, and ingest embeds a repeated sentence
    once, so these ingest rates are higher than for all-new text (see the bundled-corpus rate)."""
    import multiprocessing

    out = []
    ctx = multiprocessing.get_context("spawn")
    for n in sizes:
        with ctx.Pool(1) as pool:
            out.append(pool.apply(_scale_one, (settings, n, questions)))
        print(f"scale {out[-1]['chunks']} chunks: retrieval p95 {out[-1]['retrieval_ms']['p95']} ms, "
              f"peak RSS {out[-1]['peak_rss_mb']} MB, ingest {out[-1]['ingest_chunks_per_s']} chunks/s", file=sys.stderr)
    return out


def bench_concurrency(settings: Settings, levels: list[int], duration: float, questions: list[str]) -> list[dict[str, Any]]:
    """Requests per second and latency against ``assistant serve`` in its own process, as clients
    meet it (the data dir is already indexed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "assistant", "--data-dir", str(settings.data_dir), "serve",
                               "--host", "127.0.0.1", "--port", str(port)],
                              env={**os.environ, **({"ASSISTANT_CHROMA_URL": settings.chroma_url} if settings.chroma_url else {})},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/healthz", server)
        return _load(f"http://127.0.0.1:{port}/api/ask", levels, duration, questions)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_serving(url: str, server: subprocess.Popen, timeout_s: float = 120.0) -> None:
    import httpx

    stop = time.monotonic() + timeout_s
    while time.monotonic() < stop:
        if server.poll() is not None:
            raise RuntimeError(f"assistant serve exited with code {server.returncode} before serving")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"assistant serve did not answer {url} within {timeout_s:.0f} s")


def _load(url: str, levels: list[int], duration: float, questions: list[str]) -> list[dict[str, Any]]:
    import httpx

    results = []
    for level in levels:
        lat: list[float] = []
        errors = [0]
        stop = time.monotonic() + duration

        def client(k: int) -> None:
            with httpx.Client(timeout=30) as c:
                i = k
                while time.monotonic() < stop:
                    t = time.perf_counter()
                    try:
                        r = c.post(url, json={"question": questions[i % len(questions)]})
                        if r.status_code != 200:
                            errors[0] += 1
                    except httpx.HTTPError:
                        errors[0] += 1
                    lat.append((time.perf_counter() - t) * 1000)
                    i += level

        threads = [threading.Thread(target=client, args=(k,)) for k in range(level)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        results.append({"clients": level, "requests": len(lat), "rps": round(len(lat) / duration, 1),
                        "latency_ms": _pct(lat), "errors": errors[0]})
        print(f"concurrency {level}: {results[-1]['rps']} req/s, p95 {results[-1]['latency_ms'].get('p95')} ms, "
              f"{errors[0]} errors", file=sys.stderr)
    return results


def bench_tutorial(settings: Settings, assistant, questions: list[str]) -> dict[str, Any]:
    """The LangChain-tutorial RAG over the same corpus and embedder: its whole answer path is one
    top-3 similarity search."""
    from .evaluate import TutorialRAG

    tutorial = TutorialRAG.build(settings.corpus_dir, assistant.embedder)
    try:
        times = []
        for q in questions:
            t = time.perf_counter()
            tutorial.store.similarity_search(q, k=3)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        tutorial.close()
    return {"total": _pct(times)}


def chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    warm = result["warm_ms"]
    names = [k for k in warm if warm[k]]
    axes[0].bar([f"{n}\np50" for n in names], [warm[n]["p50"] for n in names], color="#3b82f6")
    axes[0].bar([f"{n}\np95" for n in names], [warm[n]["p95"] for n in names], color="#93c5fd")
    axes[0].set_title("warm latency per stage (ms)")
    axes[0].tick_params(axis="x", labelsize=7)
    if result.get("scale"):
        xs = [s["chunks"] for s in result["scale"]]
        axes[1].plot(xs, [s["retrieval_ms"]["p95"] for s in result["scale"]], marker="o", label="retrieval p95 ms")
        axes[1].plot(xs, [s["peak_rss_mb"] / 10 for s in result["scale"]], marker="s", label="peak RSS (x10 MB)")
        axes[1].set_xscale("log")
        axes[1].legend()
        axes[1].set_title("growth with corpus size")
    else:
        axes[1].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    from ..pipeline import Assistant

    if args.chroma_url:
        settings = settings.model_copy(update={"chroma_url": args.chroma_url})
    out = args.out or settings.data_dir / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    assistant = Assistant(settings)
    report = assistant.ingest([settings.corpus_dir])
    questions = _questions()
    if args.quick:
        questions = questions[:20]
    result: dict[str, Any] = {"settings": {"chroma_url": settings.chroma_url, "embedder": settings.embedder,
                                           "threads": settings.threads}, "corpus_chunks": len(assistant.index.chunks)}
    result["ingest"] = bench_ingest(settings) if not settings.chroma_url else {"chunks": report.chunks_written}
    result["cold_start"] = bench_cold_start(settings)
    assistant.warm_up()
    result["warm_ms"] = bench_warm(assistant, questions, 1 if args.quick else args.repeat)
    result["tutorial_ms"] = bench_tutorial(settings, assistant, questions)
    ours, theirs = result["warm_ms"]["total"]["p50"], result["tutorial_ms"]["total"]["p50"]
    result["tutorial_ratio_p50"] = round(ours / theirs, 2) if theirs else None
    if args.scale:
        result["scale"] = bench_scale(settings, args.scale, questions)
    if args.concurrency:
        result["concurrency"] = bench_concurrency(settings, args.concurrency, args.duration, questions)
    (out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    chart(result, out / "bench.png")
    w = result["warm_ms"]["total"]
    print(f"bench: warm answer p50 {w['p50']} ms, p95 {w['p95']} ms; retrieve p50 {result['warm_ms']['retrieve']['p50']} ms; "
          f"cold start p50 {result['cold_start']['ms']['p50']} ms; ingest {result['ingest'].get('chunks_per_s')} chunks/s; "
          f"tutorial RAG p50 {theirs} ms; written to {out}")
    return 0
