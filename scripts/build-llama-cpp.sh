#!/usr/bin/env bash
# Builds llama.cpp b11312 (CPU, Release) from the PyPI source package of llama-cpp-python
# 0.3.36, which vendors that exact commit (0c1e57098bba). Used to produce the reference data
# under engine/tests/data/ and by the benchmark script under bench/. Never run by the tests.
#
#   scripts/build-llama-cpp.sh [DIR]      (default: ~/.cache/llama-workbook/llama.cpp-b11312)
#
# Prints the directory holding the binaries (llama-quantize, llama-bench, llama-perplexity, …).
set -euo pipefail
dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/llama-workbook/llama.cpp-b11312}
bin=$dir/build/bin
targets=(llama-quantize llama-bench llama-perplexity llama-tokenize llama-cli)
if [ -x "$bin/llama-quantize" ] && [ -x "$bin/llama-bench" ]; then
    echo "$bin"
    exit 0
fi
command -v cmake >/dev/null || { echo "cmake is needed: sudo apt-get install cmake" >&2; exit 1; }
mkdir -p "$dir"
if [ ! -f "$dir/CMakeLists.txt" ]; then
    tmp=$(mktemp -d)
    python3 -m pip install --quiet --disable-pip-version-check scikit-build-core >&2
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
        --no-build-isolation llama-cpp-python==0.3.36 -d "$tmp" >&2
    tar -xzf "$tmp"/llama_cpp_python-0.3.36.tar.gz -C "$tmp"
    cp -r "$tmp"/llama_cpp_python-0.3.36/vendor/llama.cpp/. "$dir"/
    rm -rf "$tmp"
fi
cmake -S "$dir" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF >&2
cmake --build "$dir/build" -j"$(nproc)" --target "${targets[@]}" >&2
echo "$bin"
