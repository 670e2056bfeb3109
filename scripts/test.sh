#!/usr/bin/env bash
# The one test command (README, .ci/run): every test of the project, Rust and Python.
#   1. cargo test: the crate's unit, integration (goldens, properties, CLI, GPU on the
#      machine's Vulkan driver) and doc tests;
#   2. the Python package installed as a user installs it (pip install ./py) into a virtual
#      environment (target/pyenv), with pandas, polars and pyspark, and its pytest suite run
#      against the CLI built in step 1 — Spark in local mode, so Java 17 is installed when
#      missing (apt-get, as root or with sudo).
# CASCADIA_REQUIRE_SPARK=1 (set by .ci/run) makes a missing Spark or Java a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test

if ! command -v java >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null \
    || echo "scripts/test.sh: could not install Java 17; the Spark tests will be skipped" >&2
fi
ENV=target/pyenv
if [ ! -x "$ENV/bin/python" ]; then
  if ! python3 -m venv "$ENV"; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
    $SUDO apt-get install -y -qq --no-install-recommends python3-venv python3-pip
    python3 -m venv "$ENV"
  fi
  "$ENV/bin/pip" install -q --upgrade pip
fi
"$ENV/bin/pip" install -q "./py[test]"
CASCADIA_BIN="$PWD/target/debug/cascadia" "$ENV/bin/python" -m pytest -q py/tests
