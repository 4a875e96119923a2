#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs what the tests need, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."

# tmux drives `infer chat` in a real terminal (engine/tests/chat_ctrl_c.rs).
if ! command -v tmux >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq tmux >/dev/null
    else
        echo "error: the tests need tmux: install it (Debian/Ubuntu: sudo apt-get install tmux)" >&2
        exit 1
    fi
fi

# Headless Chromium opens the built book and answers its quizzes (grader/tests/book_browser.rs).
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && ! command -v google-chrome >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        echo "error: the tests need Chromium: install it (Debian/Ubuntu: sudo apt-get install chromium)" >&2
        exit 1
    fi
fi

# gguf-py (the independent reference for the file format and the block formats), pinned.
python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt

# The gguf-py reference vectors (engine/tests/gguf_py_vectors.rs) must be exactly what the
# generator makes now: regenerate them into a temporary directory and compare.
vectors_dir=engine/tests/data/gguf_py_vectors
fresh_vectors=$(mktemp -d)
trap 'rm -rf "$fresh_vectors"' EXIT
python3 scripts/gguf_vectors.py "$fresh_vectors"
if ! diff -r "$fresh_vectors" "$vectors_dir" >/dev/null; then
    diff -rq "$fresh_vectors" "$vectors_dir" | sed "s|$fresh_vectors|<regenerated>|" >&2 || true
    echo "error: $vectors_dir is stale: scripts/gguf_vectors.py (gguf-py, numpy) now makes different files." >&2
    echo "Regenerate and commit them:  python3 scripts/gguf_vectors.py $vectors_dir" >&2
    exit 1
fi

# The engine and the grader (the default members). Lab stubs fail by design, so the labs are
# not tested here but by `learn dev check` below.
cargo test --all-targets

# Every lab's stub fails each of its graded tests and its reference solution passes them all;
# every lab, quiz, interview set, track and the levels validate.
cargo run --quiet -p grader --bin learn -- dev check

# The book builds, and every internal link, anchor, include, lab page and quiz in it resolves.
cargo run --quiet -p grader --bin learn -- book check
