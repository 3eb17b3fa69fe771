# One-command set-up: `make demo` and `make test` install whatever is missing first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-quick lint setup system-deps pythons clean fuzz

setup: system-deps $(STAMP) pythons

# The packaging test installs the wheel on the oldest and newest supported Pythons (pyenv's).
pythons:
	@for v in 3.10 3.13; do \
	  ls $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v.*/bin/python$$v >/dev/null 2>&1 || \
	    { command -v pyenv >/dev/null 2>&1 && pyenv install -s $$v; } || \
	    echo "warning: Python $$v is missing (pyenv install $$v)"; \
	done

# Installs the cross toolchain and QEMU with apt when they are missing and we are root;
# otherwise says what to install and carries on (host-only features still work).
system-deps:
	@missing=""; \
	command -v arm-none-eabi-gcc >/dev/null 2>&1 || missing="$$missing gcc-arm-none-eabi libnewlib-arm-none-eabi"; \
	command -v qemu-system-arm >/dev/null 2>&1 || missing="$$missing qemu-system-arm"; \
	command -v gcc >/dev/null 2>&1 || missing="$$missing gcc"; \
	command -v clang >/dev/null 2>&1 || missing="$$missing clang"; \
	command -v clang-format >/dev/null 2>&1 || missing="$$missing clang-format"; \
	command -v cmake >/dev/null 2>&1 || missing="$$missing cmake"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "warning: missing$$missing (install them with apt as root)"; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,litert,train,qat]'
	touch $(STAMP)

# The demo: a small CNN trained on scikit-learn's digits (examples/train_digits.py), quantized
# by mcutool, then run on the default emulated board and checked against TFLite-Micro.
DEMO_FLOAT := examples/digits_cnn_float.tflite
DEMO_CALIB := examples/digits_calib.npz
DEMO_TEST  := examples/digits_test.npz
DEMO_BOARD := mps2-an386
MCUTOOL    := $(VENV)/bin/mcutool

demo: setup
	$(MCUTOOL) inspect $(DEMO_FLOAT)
	$(MCUTOOL) quantize $(DEMO_FLOAT) --calib $(DEMO_CALIB) -o build/digits_cnn_int8.tflite --report
	$(MCUTOOL) generate build/digits_cnn_int8.tflite -o build/demo
	$(MCUTOOL) build build/demo --board $(DEMO_BOARD)
	$(MCUTOOL) run build/demo --board $(DEMO_BOARD) --input $(DEMO_TEST)
	$(MCUTOOL) profile build/demo --board $(DEMO_BOARD) --input $(DEMO_TEST)
	$(MCUTOOL) validate $(DEMO_FLOAT) --calib $(DEMO_CALIB) --data $(DEMO_TEST) --board $(DEMO_BOARD)

# lint first, so CI (which runs `make test`) holds every commit to it
test: setup lint
	$(PY) -m pytest -q -n 2 --durations=10

test-quick: setup
	$(PY) -m pytest -q -n 2 -m "not slow"

# C sources checked by clang-format: the runtime and the plain-C firmware templates.
C_SOURCES = $(shell find runtime_c templates/firmware -name '*.c' -o -name '*.h')

lint: setup
	$(VENV)/bin/ruff check mcutool tests benchmarks examples
	$(VENV)/bin/mypy
	clang-format --dry-run --Werror $(C_SOURCES)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# Coverage-guided fuzzing of the reader and the whole generate path (fuzz/fuzz_generate.py);
# `make test` runs a bounded version (tests/test_fuzz.py). Crashes land in build/fuzz-crashes.
FUZZ_RUNS ?= 100000
fuzz: setup
	mkdir -p build/fuzz-corpus build/fuzz-crashes
	$(PY) fuzz/fuzz_generate.py --summary build/fuzz-summary.json build/fuzz-corpus \
	  -runs=$(FUZZ_RUNS) -timeout=300 -rss_limit_mb=8192 -artifact_prefix=build/fuzz-crashes/
	cat build/fuzz-summary.json
