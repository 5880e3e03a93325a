# The README's two commands: `make book` (install, then build the book: English in
# _build/html/index.html, Chinese in _build/html/zh_CN/index.html) and
# `make test` (install, then run the unit tests and every notebook in quick mode).
# Both install into .venv from requirements.txt, once (again when requirements change).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BOOKFLAGS ?=
PYTESTFLAGS ?=

# Offline use: when VAECORE_DATA_DIR is unset and a ../shared/data folder sits beside the
# repository (as on the project's CI), read the datasets from there.
ifeq ($(VAECORE_DATA_DIR),)
  ifneq ($(wildcard ../shared/data),)
    export VAECORE_DATA_DIR := $(abspath ../shared/data)
  endif
endif

# In every PyTorch process these targets start, an idle OpenMP thread spins only briefly, so that
# a busy machine does not collapse (vaecore.runtime: importing vaecore first does the same).
export GOMP_SPINCOUNT ?= 30000

.PHONY: install web-runtime book translations test lint browser-test pdf bench-quick clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Progress bars are for live readers; in the built pages each chapter prints its own summary.
# The Jupyter cache (_build/.jupyter_cache) re-runs a notebook whose code changed; before the
# build, tools/chapter_cache.py also forgets each chapter whose other inputs changed (the mode,
# the vaecore modules it runs, their data, the pinned environment), so outputs of one setting
# never stand in for another's and an edit re-executes only the chapters it can change.
#
# The Chinese edition (tools/translation.py) is built from the same executed outputs, in the
# Jupyter cache, and the catalogs in locales/zh_CN: no chapter runs twice. Once every chapter is
# in the cache, the two editions are built side by side (each Sphinx build uses one CPU), the
# Chinese edition's messages shown after the English edition's.
#
# Each latent explorer's decoder goes with its page, exported to ONNX when its chapter runs, into
# _build/web-models; the build copies them and ONNX Runtime Web (npm, pinned in tools/web) into
# the book, where the page runs them from the reader's first move (tools/book_web.py).
book: export VAECORE_WEB_MODELS := $(abspath _build/web-models)
book: install web-runtime
	$(BIN)/python tools/chapter_cache.py prune _build
	VAECORE_PROGRESS=0 $(BIN)/python tools/chapter_cache.py execute _build $(if $(BOOK_JOBS),--jobs $(BOOK_JOBS))
	VAECORE_PROGRESS=0 $(BIN)/python tools/translation.py build $(BOOKFLAGS) > _build/zh_CN.log 2>&1 & \
	  zh=$$!; VAECORE_PROGRESS=0 $(BIN)/jupyter-book build . $(BOOKFLAGS); en=$$?; \
	  wait $$zh; zh=$$?; cat _build/zh_CN.log; test $$en -eq 0 && test $$zh -eq 0

# ONNX Runtime Web, as tools/web/package-lock.json pins it; without npm the book builds with a
# warning, and its explorers show only their precomputed frames.
web-runtime: tools/web/node_modules/.package-lock.json
tools/web/node_modules/.package-lock.json: tools/web/package-lock.json
	@if command -v npm >/dev/null; then cd tools/web && npm ci --ignore-scripts --no-audit --no-fund; \
	  else echo "warning: no npm: the book's explorers will show only their precomputed frames" >&2; fi

# After editing English text: bring the Chinese catalogs in step and list what to translate
# (needs the English build's outputs: make book first). CONTRIBUTING.md, "The Chinese edition".
translations: install
	$(BIN)/python tools/translation.py update

test: install
	$(BIN)/python -m pytest $(PYTESTFLAGS)

# The style and type checks CI runs (configured in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Headless Chromium (run `make book` first): in the built book every latent explorer must answer
# the keyboard and the mouse with its precomputed frames, and in JupyterLab the live explorer
# must redraw from the kernel. Needs node/npm and Debian's chromium (`apt-get install
# chromium`); playwright-core drives it and downloads no browser.
browser-test: install
	@test -f _build/html/index.html || { echo "no built book: run make book first" >&2; exit 1; }
	@test -x "$${CHROMIUM:-$$(command -v chromium)}" || { echo "needs Debian's chromium (apt-get install chromium) or CHROMIUM=/path/to/chrome" >&2; exit 1; }
	cd tests/browser && npm ci --no-audit --no-fund && JUPYTER=$(abspath $(BIN))/jupyter npm test

# The book as one PDF per edition, book.pdf beside each edition's index.html (run `make book`
# first): Chromium prints every page and tools/book_pdf.py binds them. Needs what browser-test
# needs, and for the Chinese edition a font with Chinese characters (apt-get install
# fonts-wqy-microhei).
pdf: install
	@test -f _build/html/index.html || { echo "no built book: run make book first" >&2; exit 1; }
	@test -x "$${CHROMIUM:-$$(command -v chromium)}" || { echo "needs Debian's chromium (apt-get install chromium) or CHROMIUM=/path/to/chrome" >&2; exit 1; }
	cd tests/browser && npm ci --no-audit --no-fund
	$(BIN)/python tools/book_pdf.py _build/html

# Every benchmark in its --quick setting: seconds each, to show they run (CI does this).
# Full runs are by hand; see each script's docstring and vaecore/book/results/.
# BOOK_BUILD=DIR: the book benchmark builds in DIR/_build and leaves it there, so that a
# `make book` after it (CI's, with BOOK_BUILD=.) finds every chapter executed.
BOOK_BUILD ?=
# BOOK_JOBS=N: chapters run N at a time (make book: the usable CPUs; the book benchmark: 1).
BOOK_JOBS ?=
# BENCH_JOBS=N: the quick benchmarks run N at a time; busy_machine runs alone after them, since
# it times an idle machine.
BENCH_JOBS ?= 1
# Longest first (by each one's --quick time alone), so that two at a time finish together rather
# than leave one long run alone at the end.
QUICK_BENCHMARKS = questions gan_vs_vae vaegan side_by_side_seeds gan_modes vrnn_vs_rnn \
  train_speed explorer_update vae_drawbacks burda_nll
bench-quick: install web-runtime
	cd benchmarks && printf '%s\n' $(QUICK_BENCHMARKS) | xargs -P $(BENCH_JOBS) -I{} sh -c \
	  'VAECORE_PROGRESS=0 $(abspath $(BIN))/python {}.py --quick > /dev/null && echo "{} --quick: ok"'
	cd benchmarks && VAECORE_PROGRESS=0 $(abspath $(BIN))/python busy_machine.py --quick > /dev/null
	@echo "busy_machine --quick: ok"
	cd benchmarks && VAECORE_PROGRESS=0 $(abspath $(BIN))/python book.py --quick $(if $(BOOK_BUILD),--path-output $(abspath $(BOOK_BUILD))) $(if $(BOOK_JOBS),--jobs $(BOOK_JOBS)) > /dev/null
	@echo "book --quick: ok"

clean:
	rm -rf _build
