# Two commands a new machine needs: `make run` and `make test`. Everything installs from this repo.
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run test index eval eval-gate bench lint browser-deps clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# CPU torch first: an unpinned torch would pull a multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(BIN)/assistant ingest corpus

run: index
	$(BIN)/assistant serve --host 127.0.0.1 --port 7860

browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk) \
	  || echo "warning: could not install Debian chromium; browser tests will be skipped"; \
	fi

test: setup browser-deps
	$(BIN)/pytest -q

# all three sets (curated, real-style, documents-as-found), scored strictly; see evals/README.md
eval: setup
	$(BIN)/assistant --data-dir .assistant/eval eval --tutorial-baseline --report evals/reports/latest

# per set: fails when a gated figure moves the wrong way beyond the tolerance (CI runs this)
eval-gate: setup
	$(BIN)/assistant --data-dir .assistant/eval eval --baseline evals/baseline.json --report evals/reports/gate

bench: setup
	$(BIN)/assistant --data-dir .assistant/bench bench --out evals/reports/bench

clean:
	rm -rf .assistant evals/reports
