#!/usr/bin/env bash
# The one install recipe (make setup, CI through make, and the Dockerfile all run it): a virtual
# environment at $VENV with torch (CPU) and this project installed editable with $EXTRAS.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-dev}
TORCH=${TORCH:-torch==2.13.0}
PYTHON=${PYTHON:-python3}

test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
pip() { "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@"; }
pip "$TORCH"                          # first, so pip resolves the CPU build named by the index
pip -e ".${EXTRAS:+[$EXTRAS]}"
