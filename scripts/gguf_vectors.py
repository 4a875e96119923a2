#!/usr/bin/env python3
"""Reference vectors for the engine's ggml block formats, computed with gguf-py.

    python3 scripts/gguf_vectors.py [OUT_DIR]     (default: engine/tests/data/gguf_py_vectors)

gguf-py (the `gguf` package on PyPI, pinned in scripts/requirements.txt) is the independent
reference: engine/tests/gguf_py_vectors.rs checks that the engine's `dequantize` and reference
`quantize` reproduce these files bit for bit. scripts/test.sh regenerates them into a temporary
directory and fails if they differ from the committed ones, so they cannot go stale.

Deterministic: every type has its own fixed seed for numpy's PCG64 generator; scale fields
and special values are built from random integers by bit manipulation or exact arithmetic, and
gguf-py itself uses only IEEE basic operations (no fused multiply-add). No NaN is ever fed to a
conversion whose NaN payload numpy leaves to the hardware (f16 <-> f32), and no -0.0 to a
min/max whose choice between ±0 numpy leaves to its SIMD code, so the files are the same on
every machine with the pinned gguf and numpy.

Cross-checked when written against ggml's own C code (llama.cpp's ggml-quants.c
dequantize_row_* and quantize_row_*_ref, ggml-impl.h's f16/bf16 conversions, built with and
without -march=native): every file here matched byte for byte.

The file format is described in README.md, which this script writes next to the vectors.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
import zlib

import numpy as np

import gguf
from gguf import GGMLQuantizationType
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize, quantize

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine", "tests", "data", "gguf_py_vectors")

# The 17 types the engine implements (engine/src/quant.rs, `for_each_format!`), as ggml names them.
ENGINE_TYPES = [
    "F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
    "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ4_NL", "IQ4_XS",
]

# Bytes per block in ggml (ggml-common.h); gguf-py's GGML_QUANT_SIZES is checked against it.
GGML_BLOCK_BYTES = {
    "F32": 4, "F16": 2, "BF16": 2, "Q4_0": 18, "Q4_1": 20, "Q5_0": 22, "Q5_1": 24, "Q8_0": 34,
    "Q8_1": 36, "Q2_K": 84, "Q3_K": 110, "Q4_K": 144, "Q5_K": 176, "Q6_K": 210, "Q8_K": 292,
    "IQ4_NL": 18, "IQ4_XS": 136,
}

# Byte offsets of the ggml_half (f16) scale fields in each block, from the block structs in
# ggml/src/ggml-common.h. Random blocks get a random finite value there instead of random bits.
F16_SCALE_OFFSETS = {
    "Q4_0": [0],  # d
    "Q4_1": [0, 2],  # d, m
    "Q5_0": [0],  # d (qh[4] @2, qs[16] @6)
    "Q5_1": [0, 2],  # d, m (qh[4] @4, qs[16] @8)
    "Q8_0": [0],  # d
    "Q8_1": [0, 2],  # d, s
    "Q2_K": [80, 82],  # scales[16] @0, qs[64] @16, d @80, dmin @82
    "Q3_K": [108],  # hmask[32] @0, qs[64] @32, scales[12] @96, d @108
    "Q4_K": [0, 2],  # d, dmin, scales[12] @4, qs[128] @16
    "Q5_K": [0, 2],  # d, dmin, scales[12] @4, qh[32] @16, qs[128] @48
    "Q6_K": [208],  # ql[128] @0, qh[64] @128, scales[16] (int8) @192, d @208
    "IQ4_NL": [0],  # d, qs[16] @2
    "IQ4_XS": [0],  # d, scales_h (u16) @2, scales_l[4] @4, qs[128] @8
    # Q8_K: float d @0, qs[256] @4, bsums[16] @260 (f32 scale; gguf-py 0.19 cannot decode it)
}

GENERATED_SUFFIXES = (".blocks", ".dequantized.f32", ".input.f32", ".quantized")

DEQUANT_VALUES = 4096  # values per type in the dequantize vectors (16 super-blocks of 256)
QUANT_VALUES = 2048  # values per type in the quantize vectors (64 blocks of 32)


def seed_for(name: str, purpose: str) -> int:
    return zlib.crc32(f"gguf_py_vectors/{name}/{purpose}".encode())


# ---------------------------------------------------------------- random finite floats, by bits


def random_f16_bits(rng: np.random.Generator, n: int, *, weight_like: bool) -> np.ndarray:
    """Random finite f16 bit patterns (never inf or NaN).

    weight_like: 90% with |v| in [2^-16, 2) (f16 subnormals included), 5% ±0, 5% any finite f16.
    Otherwise: any finite f16, uniformly over the bit patterns.
    """
    sign = rng.integers(0, 2, n, dtype=np.uint16) << 15
    mant = rng.integers(0, 1 << 10, n, dtype=np.uint16)
    any_exp = rng.integers(0, 31, n, dtype=np.uint16)  # 31 = inf/NaN, excluded
    if not weight_like:
        return sign | (any_exp << 10) | mant
    small_exp = rng.integers(0, 16, n, dtype=np.uint16)  # biased exponent 0..15: |v| < 2
    kind = rng.integers(0, 100, n)
    exp = np.where(kind < 90, small_exp, any_exp)
    bits = sign | (exp << 10) | mant
    return np.where((kind >= 90) & (kind < 95), sign, bits).astype(np.uint16)


def random_f32_bits(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random finite f32 bit patterns, uniform over sign, exponent (0..254) and mantissa."""
    sign = rng.integers(0, 2, n, dtype=np.uint32) << 31
    exp = rng.integers(0, 255, n, dtype=np.uint32) << 23
    mant = rng.integers(0, 1 << 23, n, dtype=np.uint32)
    return sign | exp | mant


def f32_from_bits(bits) -> np.ndarray:
    return np.asarray(bits, dtype=np.uint32).view(np.float32)


# ---------------------------------------------------------------- dequantize: random blocks


def random_blocks(name: str, rng: np.random.Generator) -> np.ndarray:
    """Random blocks of type `name` as raw bytes, with every scale field a random finite value."""
    if name == "F32":
        bits = random_f32_bits(rng, DEQUANT_VALUES)
        # A few specials: ±0, ±inf, the extremes, and NaNs (quiet, signalling, with payloads).
        # F32 dequantize is a plain copy in gguf-py (a view) and in ggml, so payloads must survive.
        special = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7F7FFFFF, 0xFF7FFFFF,
                   0x00000001, 0x807FFFFF, 0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FA5A5A5, 0xFFBFFFFF]
        bits[: len(special)] = special
        return bits.view(np.uint8)
    if name == "BF16":
        bits = (random_f32_bits(rng, DEQUANT_VALUES) >> 16).astype(np.uint16)
        # bf16 -> f32 is a 16-bit shift in gguf-py and in ggml (ggml_compute_bf16_to_fp32),
        # so NaN payloads (signalling ones too) must come out exactly as they went in.
        special = [0x0000, 0x8000, 0x7F80, 0xFF80, 0x7F7F, 0xFF7F, 0x0001, 0x807F,
                   0x7FC0, 0xFFC0, 0x7F81, 0x7FA5, 0xFFBF]
        bits[: len(special)] = special
        return bits.view(np.uint8)
    if name == "F16":
        # Every finite f16 bit pattern is as good as another here; NaNs are left out because
        # numpy converts f16 NaNs to f32 with whatever the CPU's conversion instruction does
        # to the payload. ±inf are kept (their conversion is exact).
        bits = random_f16_bits(rng, DEQUANT_VALUES, weight_like=False)
        special = [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7BFF, 0xFBFF, 0x0001, 0x83FF, 0x0400, 0x3C00, 0x3BFF]
        bits[: len(special)] = special
        return bits.view(np.uint8)

    qt = GGMLQuantizationType[name]
    block_len, block_bytes = GGML_QUANT_SIZES[qt]
    n_blocks = DEQUANT_VALUES // block_len
    blocks = rng.integers(0, 256, (n_blocks, block_bytes), dtype=np.uint8)
    offsets = F16_SCALE_OFFSETS[name]
    scales = random_f16_bits(rng, n_blocks * len(offsets), weight_like=True).reshape(n_blocks, len(offsets))
    for k, off in enumerate(offsets):
        blocks[:, off : off + 2] = scales[:, k : k + 1].copy().view(np.uint8)
    return blocks.reshape(-1)


# ---------------------------------------------------------------- quantize: weight-like rows


def next_toward_zero(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return np.nextafter(x, np.float32(0))


def tie_block(name: str, rng: np.random.Generator, block_len: int) -> np.ndarray:
    """A block whose scaled values land exactly on (or one ulp below) rounding boundaries.

    The scale is a power of two (s = 2^-k), and the extreme value is chosen so that ggml's `d`
    is exactly ±s, so `x * id` is computed exactly and equals the intended k + 0.5 (ties) or
    one ulp less (near-ties, where float rounding of `x*id + 8.5` decides the code).
    """
    s = np.float32(2.0 ** -int(rng.integers(0, 9)))
    if name == "Q8_0":  # d = amax / 127 = s; roundf rounds ties away from zero
        k = rng.integers(-127, 127, block_len)
        x = (k.astype(np.float32) + np.float32(0.5)) * s
        x[0] = np.float32(127) * s * (1 if rng.integers(0, 2) else -1)
        x[1::4] = next_toward_zero(x[1::4])
        return x
    if name in ("Q4_0", "Q5_0"):  # d = max / -8 (-16) = ∓s; codes trunc(x*id + 8.5 (16.5))
        half = 8 if name == "Q4_0" else 16
        k = rng.integers(-half, half, block_len)
        x = (k.astype(np.float32) + np.float32(0.5)) * s
        x[0] = np.float32(half) * s * (1 if rng.integers(0, 2) else -1)
        x[1::4] = next_toward_zero(x[1::4])
        x[2::8] = np.float32(-half) * s * np.sign(x[0])  # the opposite extreme: code 16 (32) clipped
        return x
    if name in ("Q4_1", "Q5_1"):  # min = 0, max = 15s (31s): d = s; codes trunc(x*id + 0.5)
        top = 15 if name == "Q4_1" else 31
        k = rng.integers(0, top, block_len)
        x = (k.astype(np.float32) + np.float32(0.5)) * s
        x[1::4] = next_toward_zero(x[1::4])
        x[0] = np.float32(0)
        x[1] = np.float32(top) * s
        return x
    raise KeyError(name)


def weight_rows(name: str, rng: np.random.Generator) -> np.ndarray:
    """Weight-like f32 input for the quantizer of a block type, one block per row."""
    qt = GGMLQuantizationType[name]
    block_len = GGML_QUANT_SIZES[qt][0]
    n_blocks = QUANT_VALUES // block_len
    # Gaussian weights with a per-block scale between 2^-9 and 2^0, and ~1% outliers at 8-40σ.
    sigma = np.ldexp(rng.uniform(0.5, 1.0, (n_blocks, 1)), rng.integers(-8, 1, (n_blocks, 1)))
    x = rng.standard_normal((n_blocks, block_len)) * sigma
    outlier = rng.random((n_blocks, block_len)) < 0.01
    x = np.where(outlier, x * rng.uniform(8, 40, (n_blocks, block_len)), x).astype(np.float32)
    x[x == 0] = np.float32(1e-3)  # no -0.0 anywhere: numpy's min/max may pick either zero

    x[0] = 0  # all zeros: d = 0, id = 0
    x[1] = tie_block(name, rng, block_len)
    x[2] = np.float32(0.25)  # constant: d = 0 for Q4_1/Q5_1, exact codes for the others
    x[3, ::3] = 0  # exact zeros among the weights
    x[4] = -np.abs(x[4])  # all negative
    x[5] *= np.float32(2.0 ** -20)  # tiny: d underflows to an f16 subnormal or to zero
    x[6] *= np.float32(2.0 ** 20) / np.max(np.abs(x[6]))  # huge: d overflows f16 for Q4_x/Q5_x
    x[7] = -x[7]  # the mirror of a random block
    x[7, 5] = -x[7, 5]
    x[8, :] = x[8, 0]
    x[8, 1::2] = -x[8, 0]  # ±amax ties: the first one wins the argmax
    x[9] = tie_block(name, rng, block_len)
    x[10] = tie_block(name, rng, block_len)
    return x.reshape(-1)


def f16_rounding_cases(rng: np.random.Generator, n: int) -> np.ndarray:
    """f32 values exactly halfway between two f16 values (and one ulp either side), plus the
    subnormal and overflow boundaries. All computed exactly (f16 -> f32 and midpoints are exact)."""
    a = random_f16_bits(rng, n, weight_like=False)
    a &= np.uint16(0x7FFF)
    a = np.where(a >= 0x7BFF, np.uint16(0x7BFE), a).astype(np.uint16)  # a and a+1 both finite
    lo = a.view(np.float16).astype(np.float32)
    hi = (a + np.uint16(1)).astype(np.uint16).view(np.float16).astype(np.float32)
    mid = ((lo.astype(np.float64) + hi.astype(np.float64)) / 2).astype(np.float32)  # exact
    sign = np.where(rng.integers(0, 2, n) == 1, np.float32(-1), np.float32(1))
    mid = mid * sign
    which = rng.integers(0, 3, n)
    mid = np.where(which == 1, np.nextafter(mid, np.float32(np.inf)), mid)
    mid = np.where(which == 2, np.nextafter(mid, np.float32(-np.inf)), mid)
    special = np.array([
        65504.0, 65519.0, 65520.0, 65536.0, 1e10, -65520.0,  # overflow to ±inf at 65520 (tie to even)
        2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -25, 2.0 ** -26, 2.0 ** -14, 2.0 ** -14 - 2.0 ** -25,
        1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1e-30, -1e-30, np.inf, -np.inf, 0.0, -0.0,
    ], dtype=np.float32)
    mid[: len(special)] = special
    mid[len(special) : len(special) + 2] = f32_from_bits([0x33000001, 0xB2FFFFFF])  # just over/under 2^-25
    return mid.astype(np.float32)


def bf16_rounding_cases(rng: np.random.Generator, n: int) -> np.ndarray:
    """f32 bit patterns whose low 16 bits are the tie 0x8000 or next to it, plus NaNs and the
    overflow boundary. BF16 quantization is pure integer work in gguf-py, so NaNs are safe."""
    hi = random_f32_bits(rng, n) & np.uint32(0xFFFF0000)
    low = rng.choice(np.array([0x7FFF, 0x8000, 0x8001, 0x0000, 0xFFFF], dtype=np.uint32), n)
    bits = hi | low
    bits = np.where((bits & 0x7F800000) == 0x7F800000, bits & np.uint32(0xBFFFFFFF), bits)
    special = [0x7F7FFFFF, 0x7F7F8000, 0x7F7F7FFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000,
               0x7F800001, 0x7FC00000, 0xFFC00001, 0x7FBFFFFF, 0x7FFFFFFF, 0x00008000, 0x00018000,
               0x80007FFF, 0x00000001]
    bits[: len(special)] = special
    return f32_from_bits(bits)


def quantize_input(name: str, rng: np.random.Generator) -> np.ndarray:
    if name in ("F32", "F16", "BF16"):
        x = rng.standard_normal(QUANT_VALUES) * np.ldexp(1.0, rng.integers(-12, 4, QUANT_VALUES))
        x = x.astype(np.float32)
        x[x == 0] = np.float32(1e-3)
        n = QUANT_VALUES // 4
        if name == "F16":
            x[:n] = f16_rounding_cases(rng, n)
        elif name == "BF16":
            x[:n] = bf16_rounding_cases(rng, n)
        else:
            x[:16] = f32_from_bits([0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7F7FFFFF,
                                    0x00000001, 0x7FC00000, 0x7F800001, 0xFFBFFFFF, 0x3F800000,
                                    0xBF800000, 0x00800000, 0x007FFFFF, 0x80000001, 0x7FA5A5A5, 0x1])
        return x
    return weight_rows(name, rng)


# ---------------------------------------------------------------- capabilities of gguf-py


def gguf_py_capabilities() -> tuple[list[str], list[str]]:
    """Names of the types gguf-py can dequantize, and can quantize (by trying)."""
    can_dq, can_q = [], []
    for qt in GGMLQuantizationType:
        block_len, block_bytes = GGML_QUANT_SIZES[qt]
        try:
            dequantize(np.zeros(2 * block_bytes, dtype=np.uint8), qt)
            can_dq.append(qt.name)
        except NotImplementedError:
            pass
        try:
            with np.errstate(all="ignore"):
                quantize(np.zeros(2 * block_len, dtype=np.float32), qt)
            can_q.append(qt.name)
        except NotImplementedError:
            pass
    return can_dq, can_q


# ---------------------------------------------------------------- output


README = """\
# gguf-py reference vectors for the ggml block formats

GENERATED by `scripts/gguf_vectors.py` with gguf-py {gguf_version} and numpy {numpy_version}:
do not edit. `scripts/test.sh` regenerates them into a temporary directory and fails if they
differ from these. To regenerate after changing the script (or gguf-py/numpy pins):

    python3 scripts/gguf_vectors.py engine/tests/data/gguf_py_vectors

Checked by `engine/tests/gguf_py_vectors.rs`: the engine's `quant::dequantize` must give the
same f32 bit patterns as `gguf.quants.dequantize`, and the engine's `quant::quantize` (ggml's
reference quantizer) the same bytes as `gguf.quants.quantize`.

## Files (all little-endian, no headers)

For a type `T` (ggml's name, e.g. `Q4_0`), with `n` blocks of `block_len` values and
`block_bytes` bytes each (ggml's sizes):

| file                  | contents                                                        |
|-----------------------|-----------------------------------------------------------------|
| `T.blocks`            | `n * block_bytes` raw bytes: random blocks of type T            |
| `T.dequantized.f32`   | `n * block_len` f32: `gguf.quants.dequantize(T.blocks, T)`      |
| `T.input.f32`         | `m * block_len` f32: weight-like values                         |
| `T.quantized`         | `m * block_bytes` raw bytes: `gguf.quants.quantize(T.input, T)` |

`T.blocks` are random bytes, except that every f16 scale field (`d`, `m`, `dmin`; offsets in
the script, from ggml-common.h) holds a random finite f16: mostly |v| in [2^-16, 2) (f16
subnormals included), some ±0, some anywhere in the finite f16 range. For the plain types the
"blocks" are single values: random finite bit patterns plus ±0, ±inf, extremes and subnormals;
F32 and BF16 also hold NaNs (quiet and signalling, with payloads), which both gguf-py and ggml
pass through bit for bit. F16 holds no NaN: numpy converts f16 NaNs with whatever the CPU does
to the payload, so the files would not be the same on every machine.

`T.input.f32` are Gaussian weights (per-block scale 2^-9..1, ~1% outliers at 8-40 sigma), with
special blocks at the start: 0 all zeros, 1/9/10 exact rounding ties and one-ulp-below-tie
values (power-of-two scale so that `x * id` is exact), 2 a constant, 3 a third exact zeros,
4 all negative, 5 tiny (d underflows f16), 6 huge (d overflows f16 to inf for Q4_x/Q5_x),
7 a mirrored block, 8 alternating +-amax (argmax ties). F16/BF16/F32 inputs instead start
with a quarter of rounding cases: exact f16/bf16 ties and their neighbours, the subnormal and
overflow boundaries, ±inf, and (BF16, F32) NaNs. No block-format input holds -0.0 (numpy's
min/max may return either zero of a block, ggml returns the first one).

## manifest.json

- `gguf_version`, `numpy_version`: the versions that made the files.
- `types`: one entry per type with vectors: `id`, `block_len`, `block_bytes`, and `dequantize`
  and/or `quantize` objects naming the files and their block counts.
- `gguf_py_dequantize`, `gguf_py_quantize`: every type gguf-py can dequantize / quantize.
- `engine_types`: the engine's 17 types; `engine_types_without_gguf_py_reference`: those
  gguf-py can neither dequantize nor quantize (no vectors); `gguf_py_types_not_in_engine`:
  types gguf-py decodes that the engine does not implement (no vectors).

The Rust test fails if an engine type that gguf-py can dequantize or quantize has no vectors.
"""


def main() -> int:
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):  # start clean so a dropped type cannot linger (only our own files)
        if f in ("manifest.json", "README.md") or f.endswith(GENERATED_SUFFIXES):
            os.remove(os.path.join(out, f))

    gguf_version = importlib.metadata.version("gguf")
    numpy_version = np.__version__
    can_dq, can_q = gguf_py_capabilities()

    types: dict[str, dict] = {}
    without_reference = []
    for name in ENGINE_TYPES:
        qt = GGMLQuantizationType[name]
        block_len, block_bytes = GGML_QUANT_SIZES[qt]
        entry: dict = {"id": int(qt.value), "block_len": block_len, "block_bytes": GGML_BLOCK_BYTES[name]}
        if name in can_dq or name in can_q:
            if block_bytes != GGML_BLOCK_BYTES[name]:
                raise SystemExit(f"{name}: gguf-py says {block_bytes} bytes per block, ggml {GGML_BLOCK_BYTES[name]}")
        if name in can_dq:
            if name not in F16_SCALE_OFFSETS and name not in ("F32", "F16", "BF16"):
                raise SystemExit(f"gguf-py {gguf_version} can dequantize {name}: add its scale field offsets to F16_SCALE_OFFSETS")
            rng = np.random.default_rng(seed_for(name, "dequantize"))
            blocks = random_blocks(name, rng)
            with np.errstate(all="ignore"):
                values = np.asarray(dequantize(blocks, qt), dtype=np.float32)
            assert blocks.dtype == np.uint8 and values.dtype == np.float32
            n_blocks = blocks.size // block_bytes
            assert values.size == n_blocks * block_len
            if name not in ("F32", "BF16", "F16"):
                assert np.all(np.isfinite(values)), name
            blocks.tofile(os.path.join(out, f"{name}.blocks"))
            values.astype("<f4").tofile(os.path.join(out, f"{name}.dequantized.f32"))
            entry["dequantize"] = {"blocks": f"{name}.blocks", "output": f"{name}.dequantized.f32", "n_blocks": n_blocks}
        if name in can_q:
            rng = np.random.default_rng(seed_for(name, "quantize"))
            x = quantize_input(name, rng)
            assert x.dtype == np.float32 and x.size % block_len == 0
            if block_len > 1:
                assert not np.any(np.signbit(x) & (x == 0)), f"{name}: -0.0 in the input"
            with np.errstate(all="ignore"):
                q = quantize(x, qt)
            q = np.ascontiguousarray(q).view(np.uint8).reshape(-1)
            n_blocks = x.size // block_len
            assert q.size == n_blocks * block_bytes, (name, q.size)
            x.astype("<f4").tofile(os.path.join(out, f"{name}.input.f32"))
            q.tofile(os.path.join(out, f"{name}.quantized"))
            entry["quantize"] = {"input": f"{name}.input.f32", "output": f"{name}.quantized", "n_blocks": n_blocks}
        if "dequantize" in entry or "quantize" in entry:
            types[name] = entry
        else:
            without_reference.append(name)

    manifest = {
        "generator": "scripts/gguf_vectors.py",
        "gguf_version": gguf_version,
        "numpy_version": numpy_version,
        "types": types,
        "gguf_py_dequantize": can_dq,
        "gguf_py_quantize": can_q,
        "engine_types": ENGINE_TYPES,
        "engine_types_without_gguf_py_reference": without_reference,
        "gguf_py_types_not_in_engine": [t for t in can_dq if t not in ENGINE_TYPES],
    }
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(README.format(gguf_version=gguf_version, numpy_version=numpy_version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
