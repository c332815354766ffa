"""The same code against a real Chroma server on 127.0.0.1 retrieves what embedded mode does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, free_port, wait_for_http


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        exe = shutil.which("chroma")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([str(exe), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/api/v2/heartbeat", proc, 60, "chroma server")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.integration
def test_server_mode_retrieves_the_same_documents_as_embedded(chroma_server, tmp_path, assistant):
    from assistant import Assistant, Settings

    server = Assistant(Settings(data_dir=tmp_path / "replica", corpus_dir=CORPUS, chroma_url=chroma_server))
    report = server.ingest([CORPUS])
    assert report.ok and report.chunks_written == server.index.store.count()
    for q in ("半托管谁定价？", "What does JIT mean?", "96小时上网规则从哪天开始？", "Choice share of orders"):
        a = [p.chunk_id for p in assistant.retriever.search(q, k=5).passages]
        b = [p.chunk_id for p in server.retriever.search(q, k=5).passages]
        assert a == b, q
    assert server.ask("什么是JIT？").citations


def test_unreachable_server_is_a_clear_config_error(tmp_path):
    from assistant import Assistant, Settings
    from assistant.errors import ConfigError

    a = Assistant(Settings(data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(ConfigError, match="cannot reach the Chroma server"):
        _ = a.index


@pytest.mark.integration
def test_a_stateless_replica_rebuilds_from_the_server_and_sees_new_notices(chroma_server, tmp_path):
    from assistant import Assistant, Settings
    from conftest import write_doc

    url = chroma_server
    writer = Assistant(Settings(data_dir=tmp_path / "writer", corpus_dir=CORPUS, chroma_url=url, collection="replicas"))
    assert writer.ingest([CORPUS]).ok
    replica = Assistant(Settings(data_dir=tmp_path / "replica", corpus_dir=CORPUS, chroma_url=url,
                                 collection="replicas", sync_interval_s=0))
    for q in ("半托管谁定价？", "What does JIT mean?"):
        a, b = writer.ask(q), replica.ask(q)
        assert [c.quote for c in a.citations] == [c.quote for c in b.citations], q
    assert set(replica.index.keyword.ids) == set(writer.index.keyword.ids)

    notice = write_doc(tmp_path / "up", "quokka-lamp", "en", "Quokka Lamp handling time",
                       "From 1 December 2026, Quokka Lamp products must be handed to the carrier within 48 hours.")
    assert writer.ingest([notice]).ok
    answer = replica.ask("How many hours do Quokka Lamp products have before handover to the carrier?")
    assert answer.citations[0].doc_id == "quokka-lamp" and "48 hours" in answer.answer


@pytest.mark.integration
def test_bench_runs_against_a_chroma_server(chroma_server, tmp_path):
    import json
    import os
    import subprocess

    from conftest import ROOT

    out = tmp_path / "bench"
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(CORPUS), "ASSISTANT_COLLECTION": "bench"}
    result = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "d"), "bench", "--quick",
                             "--chroma-url", chroma_server, "--out", str(out)], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads((out / "bench.json").read_text())
    assert figures["settings"]["chroma_url"] == chroma_server
    assert figures["corpus_chunks"] > 100
    assert figures["warm_ms"]["total"]["p50"] > 0 and figures["cold_start"]["ms"]["p50"] > 0
    assert (out / "bench.png").stat().st_size > 1000
