#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs what the tests need, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."

# gguf-py (the independent reference for the file format and the block formats), pinned.
python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt

cargo test --workspace --all-targets
