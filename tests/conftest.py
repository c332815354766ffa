"""Shared fixtures: an Assistant over the real corpus (ingested once per session) and helpers to
build small corpora, start servers on 127.0.0.1 and find free ports."""

from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def wait_for_http(url: str, proc, timeout_s: float, what: str) -> None:
    """Poll ``url`` until it answers 200; kill ``proc`` and fail the test if it never does."""
    import time

    import httpx

    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail(f"{what} did not start within {timeout_s:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    """The real corpus, indexed once with the default USE embedder."""
    from assistant import Assistant, Settings

    data = tmp_path_factory.mktemp("assistant-data")
    a = Assistant(Settings(data_dir=data, corpus_dir=CORPUS, admin_token="test-token"))
    report = a.ingest([CORPUS])
    assert report.ok, report.errors
    return a


@pytest.fixture
def make_assistant(tmp_path):
    """A fresh Assistant over its own data dir (for ingest tests that change the index)."""
    from assistant import Assistant, Settings

    def build(**overrides):
        overrides.setdefault("data_dir", tmp_path / "data")
        overrides.setdefault("corpus_dir", CORPUS)
        return Assistant(Settings(**overrides))

    return build


def write_doc(directory: Path, doc_id: str, lang: str, title: str, body: str, **meta) -> Path:
    """A small front-matter Markdown document, as a knowledge manager would write it."""
    lines = ["---", f"id: {doc_id}", f"lang: {lang}", f'title: "{title}"', f"type: {meta.pop('type', 'notice')}",
             f"published: {meta.pop('published', '2026-11-01')}"]
    for key, value in meta.items():
        lines.append(f"{key}: {value}")
    lines += ["sources:", "  - title: Test notice", "    publisher: Test", "    url: https://example.com/n",
              "    date: 2026-11-01", "topics: [test]", "---", body, ""]
    path = directory / f"{doc_id}.{lang}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def web_assistant(tmp_path_factory):
    """The real corpus in its own data dir for the web tests, which upload notices and write
    feedback; kept apart from ``assistant`` so those changes never reach other tests."""
    from assistant import Assistant, Settings

    data = tmp_path_factory.mktemp("web-data")
    a = Assistant(Settings(data_dir=data, corpus_dir=CORPUS, admin_token="test-token"))
    report = a.ingest([CORPUS])
    assert report.ok, report.errors
    return a


@contextmanager
def serving(app):
    """``app`` served by uvicorn on 127.0.0.1 in a background thread, as a client meets it (real
    sockets, kept-alive connections); yields the base URL (no trailing slash)."""
    import threading
    import time

    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test web server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(web_assistant):
    """``create_app(web_assistant)`` served on 127.0.0.1; yields the base URL."""
    from assistant.app.web import create_app

    with serving(create_app(web_assistant)) as url:
        yield url


SCREENSHOTS_KEY = pytest.StashKey[list]()


@pytest.fixture
def screenshot(request):
    """``screenshot(page, name)`` saves a full-page PNG under ``$SCREENSHOT_DIR`` (default
    ``evals/reports/screenshots``), records its path on the test (``record_property``, so JUnit XML
    carries it) and lists it in the terminal summary: screenshots travel with the test report."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "evals" / "reports" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    shots = request.config.stash.setdefault(SCREENSHOTS_KEY, [])

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        request.node.user_properties.append(("screenshot", str(path)))
        shots.append((request.node.nodeid, path))
        return path

    return take


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    shots = config.stash.get(SCREENSHOTS_KEY, [])
    if shots:
        terminalreporter.section("screenshots")
        for nodeid, path in shots:
            terminalreporter.write_line(f"{path}  ({nodeid})")
