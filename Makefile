# Everything a fresh machine needs: a virtualenv with pinned versions (constraints.txt), then the job.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)

.PHONY: setup demo test lint eval compare benchmarks peer
setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,ray,export]'
	rm -f $(VENV)/.installed-* && touch $@

demo: setup  ## extract the bundled ImmunoGen-Genentech filing with the embedded model
	$(BIN)/eightk extract --sample genentech

test: setup  ## offline suite + eval replay + one live run of the embedded model
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q --block-network  # pytest-recording: loopback only (eightk.testing), cassettes replayed

eval: setup
	$(BIN)/eightk eval --check-baseline

compare: setup
	$(BIN)/eightk compare v1 v2 --markdown reports/compare.md --html reports/compare.html

benchmarks: setup
	for b in concurrency distributed ratelimit tokens replay embedded; do $(BIN)/python -m benchmarks.$$b || exit 1; done

PEER_VENV ?= .venv-peer
peer:  ## langextract on the same embedded model (its own venv: google-genai needs an older tenacity)
	test -x $(PEER_VENV)/bin/python || $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-peer.txt
	$(PEER_VENV)/bin/python -m benchmarks.peer_langextract
