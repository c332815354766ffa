"""Load: 50 concurrent clients against the API on 127.0.0.1 for 60 s: zero errors, memory flat.

The server runs in its own process (as in production) so its memory can be watched; the run
length can be shortened with LOAD_SECONDS for a quick local check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import psutil
import pytest

from conftest import CORPUS, ROOT, free_port, wait_for_http

CLIENTS = 50
QUESTIONS = ["什么是半托管？", "What does JIT mean?", "POP、半托管和全托管有什么区别？", "96小时上网规则从哪天开始？",
             "What is the commission rate for POP sellers?", "Choice订单占比是多少？", "Is warehouse shipping mandatory?"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("load-data")
    port = free_port()
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(CORPUS), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "--data-dir", str(data), "serve", "--ingest",
                             "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/healthz", proc, 180, "assistant server")
    yield url, psutil.Process(proc.pid)
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.slow
def test_fifty_clients_for_a_minute_get_answers_without_errors_and_memory_stays_flat(server, tmp_path):
    url, proc = server
    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        with httpx.Client(timeout=60) as c:
            i = k
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    r = c.post(f"{url}/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
                    ok = r.status_code == 200 and r.json()["answer"]
                    if not ok:
                        with lock:
                            errors.append(f"{r.status_code}: {r.text[:100]}")
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(repr(exc))
                with lock:
                    latencies.append((time.perf_counter() - t) * 1000)
                i += CLIENTS

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(min(10, seconds / 4))
    rss_early = proc.memory_info().rss
    for t in threads:
        t.join()
    rss_end = proc.memory_info().rss
    figures = {"clients": CLIENTS, "seconds": seconds, "requests": len(latencies),
               "rps": round(len(latencies) / seconds, 1), "p50_ms": round(float(np.percentile(latencies, 50)), 1),
               "p95_ms": round(float(np.percentile(latencies, 95)), 1), "errors": len(errors),
               "rss_early_mb": round(rss_early / 2**20), "rss_end_mb": round(rss_end / 2**20)}
    (tmp_path / "load.json").write_text(json.dumps(figures))
    print("load:", figures)
    assert not errors, errors[:5]
    assert len(latencies) > CLIENTS
    assert rss_end < rss_early * 1.25 + 64 * 2**20, figures
