# One-command set-up: `make demo` and `make test` install whatever is missing first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
APT_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
STAMP  := $(VENV)/.installed

.PHONY: demo test test-quick setup system-deps clean

setup: system-deps $(STAMP)

# Installs the cross toolchain and QEMU with apt when they are missing and we are root;
# otherwise says what to install and carries on (host-only features still work).
system-deps:
	@missing=""; \
	command -v arm-none-eabi-gcc >/dev/null 2>&1 || missing="$$missing gcc-arm-none-eabi libnewlib-arm-none-eabi"; \
	command -v qemu-system-arm >/dev/null 2>&1 || missing="$$missing qemu-system-arm"; \
	command -v gcc >/dev/null 2>&1 || missing="$$missing gcc"; \
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
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

DEMO_MODEL := examples/tiny_cnn.tflite
DEMO_DATA  := examples/tiny_cnn_data.npz

DEMO_BOARD := mps2-an386

# Post-training quantization example: a float CNN trained on scikit-learn's digits
# (examples/train_digits.py), its calibration images and its held-out test set.
PTQ_MODEL := examples/digits_cnn_float.tflite
PTQ_CALIB := examples/digits_calib.npz
PTQ_TEST  := examples/digits_test.npz

demo: setup
	$(VENV)/bin/mcutool inspect $(DEMO_MODEL)
	$(VENV)/bin/mcutool generate $(DEMO_MODEL) -o build/demo
	$(VENV)/bin/mcutool build build/demo --board $(DEMO_BOARD)
	$(VENV)/bin/mcutool run build/demo --board $(DEMO_BOARD) --input $(DEMO_DATA)
	$(VENV)/bin/mcutool profile build/demo --board $(DEMO_BOARD) --input $(DEMO_DATA)
	$(VENV)/bin/mcutool validate $(DEMO_MODEL) --board $(DEMO_BOARD) --data $(DEMO_DATA)
	$(VENV)/bin/mcutool quantize $(PTQ_MODEL) --calib $(PTQ_CALIB) -o build/digits_cnn_int8.tflite --report
	$(VENV)/bin/mcutool validate $(PTQ_MODEL) --calib $(PTQ_CALIB) --data $(PTQ_TEST)

test: setup
	$(PY) -m pytest -q -n 2 --durations=10

test-quick: setup
	$(PY) -m pytest -q -n 2 -m "not slow"

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
