#!/usr/bin/env python3
"""Regenerates engine/tests/data/llama_quantize_b11312.json: the sha256 and size of what
llama.cpp b11312's `llama-quantize --allow-requantize` writes for the default model and each
file type `infer quantize` supports. The test quantize_like_llama_quantize.rs compares the
engine's output with these.

    scripts/llama-quantize-reference.py            (builds llama.cpp first if needed)
"""
import hashlib, json, os, pathlib, subprocess, sys, tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "engine/tests/data/llama_quantize_b11312.json"
TYPES = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K_S", "Q3_K_M",
         "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ4_NL", "IQ4_XS"]

bindir = pathlib.Path(subprocess.run([str(ROOT / "scripts/build-llama-cpp.sh")], check=True,
                                     capture_output=True, text=True).stdout.strip())
model = subprocess.run(["cargo", "run", "--quiet", "--release", "-p", "engine", "--bin", "infer", "--", "fetch"],
                       cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
files = {}
with tempfile.TemporaryDirectory() as tmp:
    for t in TYPES:
        out = os.path.join(tmp, f"{t}.gguf")
        subprocess.run([str(bindir / "llama-quantize"), "--allow-requantize", model, out, t],
                       check=True, capture_output=True)
        data = pathlib.Path(out).read_bytes()
        files[t] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        os.remove(out)
        print(t, files[t], file=sys.stderr)
OUT.write_text(json.dumps({
    "llama.cpp": "b11312 (0c1e57098bba), from llama-cpp-python 0.3.36",
    "command": "llama-quantize --allow-requantize SmolLM2-135M-Instruct.Q4_1.gguf OUT TYPE",
    "files": files,
}, indent=1) + "\n")
print(f"wrote {OUT}", file=sys.stderr)
