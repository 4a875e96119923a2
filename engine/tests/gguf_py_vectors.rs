//! The engine's block formats against gguf-py, bit for bit.
//!
//! The vectors in `tests/data/gguf_py_vectors/` come from `scripts/gguf_vectors.py`, which runs
//! gguf-py (the pinned `gguf` package, an implementation independent of ours) on random blocks
//! and on weight-like rows; its README.md describes the files. For every type with vectors:
//!
//! - `quant::dequantize` of `T.blocks` must give exactly the f32 bit patterns of
//!   `T.dequantized.f32` (gguf-py's `dequantize`). Bit patterns, not `==`: -0.0 must stay -0.0,
//!   and NaN payloads (F32 and BF16 hold NaNs, which both gguf-py and ggml pass through bit for
//!   bit) must survive. No NaN is ever treated as equal to another one.
//! - `quant::quantize` (ggml's reference quantizer) of `T.input.f32` must give exactly the
//!   bytes of `T.quantized` (gguf-py's `quantize`).
//!
//! One test per engine type, named after it (`cargo test --test gguf_py_vectors q4_k`).
//! `scripts/test.sh` regenerates the vectors and fails if they differ from the committed ones.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use engine::quant;
use engine::tensor::GgmlType;
use serde_json::Value;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/gguf_py_vectors")
}

fn read(file: &str) -> Vec<u8> {
    let path = data_dir().join(file);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!("{}: {e} (regenerate: python3 scripts/gguf_vectors.py engine/tests/data/gguf_py_vectors)", path.display())
    })
}

fn manifest() -> Value {
    serde_json::from_slice(&read("manifest.json")).expect("manifest.json is valid JSON")
}

fn names(manifest: &Value, key: &str) -> BTreeSet<String> {
    manifest[key]
        .as_array()
        .unwrap_or_else(|| panic!("manifest.json: `{key}` is not a list"))
        .iter()
        .map(|v| v.as_str().expect("type names are strings").to_owned())
        .collect()
}

fn le_f32s(bytes: &[u8]) -> Vec<f32> {
    assert_eq!(bytes.len() % 4, 0, "an f32 file whose length is not a multiple of 4");
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

fn count(entry: &Value, what: &str) -> usize {
    entry["n_blocks"].as_u64().unwrap_or_else(|| panic!("manifest.json: {what} has no n_blocks")) as usize
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn show(v: f32) -> String {
    format!("{v:e} ({:#010x})", v.to_bits())
}

/// `Err(report)` if the engine's dequantization of the blocks differs from gguf-py's.
fn check_dequantize(ty: GgmlType, entry: &Value) -> Result<(), String> {
    let (block_len, block_bytes) = (ty.block_len(), ty.block_bytes());
    let n_blocks = count(entry, "dequantize");
    let blocks = read(entry["blocks"].as_str().expect("dequantize.blocks"));
    let want = le_f32s(&read(entry["output"].as_str().expect("dequantize.output")));
    assert_eq!(blocks.len(), n_blocks * block_bytes, "{ty}: size of the blocks file");
    assert_eq!(want.len(), n_blocks * block_len, "{ty}: size of gguf-py's dequantized file");

    let mut got = vec![0f32; want.len()];
    quant::dequantize(ty, &blocks, &mut got).map_err(|e| format!("{ty} dequantize: {e}"))?;

    let differ: Vec<usize> = (0..want.len()).filter(|&i| got[i].to_bits() != want[i].to_bits()).collect();
    let Some(&i) = differ.first() else { return Ok(()) };
    let (block, j) = (i / block_len, i % block_len);
    let bad_blocks: BTreeSet<usize> = differ.iter().map(|i| i / block_len).collect();
    let mut msg = format!(
        "{ty} dequantize differs from gguf-py in {} of {} values ({} of {n_blocks} blocks).\n\
         First: block {block}, value {j} of the block (index {i}): engine {}, gguf-py {}.\n\
         Block {block} bytes: {}",
        differ.len(),
        want.len(),
        bad_blocks.len(),
        show(got[i]),
        show(want[i]),
        hex(&blocks[block * block_bytes..(block + 1) * block_bytes]),
    );
    for &k in differ.iter().skip(1).take(4) {
        let _ = write!(msg, "\n  also block {} value {}: engine {}, gguf-py {}", k / block_len, k % block_len, show(got[k]), show(want[k]));
    }
    Err(msg)
}

/// `Err(report)` if the engine's reference quantization of the input differs from gguf-py's.
fn check_quantize(ty: GgmlType, entry: &Value) -> Result<(), String> {
    let (block_len, block_bytes) = (ty.block_len(), ty.block_bytes());
    let n_blocks = count(entry, "quantize");
    let x = le_f32s(&read(entry["input"].as_str().expect("quantize.input")));
    let want = read(entry["output"].as_str().expect("quantize.output"));
    assert_eq!(x.len(), n_blocks * block_len, "{ty}: size of the input file");
    assert_eq!(want.len(), n_blocks * block_bytes, "{ty}: size of gguf-py's quantized file");

    let got = quant::quantize(ty, &x).map_err(|e| format!("{ty} quantize: {e}"))?;
    assert_eq!(got.len(), want.len(), "{ty}: quantize output length");

    let Some(off) = (0..want.len()).find(|&i| got[i] != want[i]) else { return Ok(()) };
    let (block, byte) = (off / block_bytes, off % block_bytes);
    let bad_blocks: Vec<usize> =
        (0..n_blocks).filter(|b| got[b * block_bytes..(b + 1) * block_bytes] != want[b * block_bytes..(b + 1) * block_bytes]).collect();
    let span = block * block_bytes..(block + 1) * block_bytes;
    let input = &x[block * block_len..(block + 1) * block_len];
    let input: Vec<String> = input.iter().map(|&v| show(v)).collect();
    Err(format!(
        "{ty} quantize differs from gguf-py in {} of {n_blocks} blocks ({:?}{}).\n\
         First: block {block}, byte {byte} of the block (offset {off}): engine {:#04x}, gguf-py {:#04x}.\n\
         engine block:  {}\n\
         gguf-py block: {}\n\
         input of block {block}: [{}]",
        bad_blocks.len(),
        &bad_blocks[..bad_blocks.len().min(8)],
        if bad_blocks.len() > 8 { ", …" } else { "" },
        got[off],
        want[off],
        hex(&got[span.clone()]),
        hex(&want[span]),
        input.join(", "),
    ))
}

fn check_type(name: &str) {
    let manifest = manifest();
    let ty = GgmlType::from_name(name).unwrap_or_else(|| panic!("{name} is not a ggml type the engine names"));
    let version = manifest["gguf_version"].as_str().unwrap_or("?");
    let entry = &manifest["types"][name];
    let (can_dq, can_q) = (names(&manifest, "gguf_py_dequantize"), names(&manifest, "gguf_py_quantize"));

    if entry.is_null() {
        // No vectors: only right when gguf-py has no reference for this type at all.
        assert!(
            !can_dq.contains(name) && !can_q.contains(name),
            "gguf-py {version} can dequantize or quantize {name} but manifest.json has no vectors for it: \
             extend scripts/gguf_vectors.py"
        );
        assert!(
            names(&manifest, "engine_types_without_gguf_py_reference").contains(name),
            "{name} has no vectors and is not listed as having no gguf-py reference"
        );
        eprintln!("{name}: gguf-py {version} can neither dequantize nor quantize it; nothing to compare");
        return;
    }

    assert_eq!(entry["id"].as_u64(), Some(ty.id() as u64), "{name}: ggml id");
    assert_eq!(entry["block_len"].as_u64(), Some(ty.block_len() as u64), "{name}: values per block");
    assert_eq!(entry["block_bytes"].as_u64(), Some(ty.block_bytes() as u64), "{name}: bytes per block");

    let mut failures = Vec::new();
    match (&entry["dequantize"], can_dq.contains(name)) {
        (Value::Null, false) => {}
        (Value::Null, true) => failures.push(format!("gguf-py {version} can dequantize {name} but there are no vectors")),
        (dq, _) => failures.extend(check_dequantize(ty, dq).err()),
    }
    match (&entry["quantize"], can_q.contains(name)) {
        (Value::Null, false) => {}
        (Value::Null, true) => failures.push(format!("gguf-py {version} can quantize {name} but there are no vectors")),
        (q, _) => failures.extend(check_quantize(ty, q).err()),
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

macro_rules! per_type {
    ($($test:ident => $name:literal),* $(,)?) => {
        /// One test per engine type: its vectors (if gguf-py has a reference for it) must match.
        mod matches_gguf_py {
            $(
                #[test]
                fn $test() {
                    super::check_type($name);
                }
            )*
        }

        const TESTED: &[&str] = &[$($name),*];
    };
}

per_type! {
    f32 => "F32",
    f16 => "F16",
    bf16 => "BF16",
    q4_0 => "Q4_0",
    q4_1 => "Q4_1",
    q5_0 => "Q5_0",
    q5_1 => "Q5_1",
    q8_0 => "Q8_0",
    q8_1 => "Q8_1",
    q2_k => "Q2_K",
    q3_k => "Q3_K",
    q4_k => "Q4_K",
    q5_k => "Q5_K",
    q6_k => "Q6_K",
    q8_k => "Q8_K",
    iq4_nl => "IQ4_NL",
    iq4_xs => "IQ4_XS",
}

/// Every engine type has a test above and is one the generator knows, and every type in the
/// manifest is an engine type: a format added to the engine (or a reference added to gguf-py)
/// cannot slip past this check unnoticed.
#[test]
fn every_engine_type_is_covered() {
    let manifest = manifest();
    let engine: BTreeSet<String> = quant::supported_types().map(|t| t.name().to_owned()).collect();
    let tested: BTreeSet<String> = TESTED.iter().map(|s| s.to_string()).collect();
    assert_eq!(tested, engine, "the per_type! list must name exactly the engine's types");
    assert_eq!(names(&manifest, "engine_types"), engine, "scripts/gguf_vectors.py's ENGINE_TYPES must be the engine's types");

    let with_vectors: BTreeSet<String> =
        manifest["types"].as_object().expect("manifest.json: `types` is an object").keys().cloned().collect();
    assert!(with_vectors.is_subset(&engine), "vectors for types the engine lacks: {:?}", with_vectors.difference(&engine));
    let referenced: BTreeSet<String> = names(&manifest, "gguf_py_dequantize")
        .union(&names(&manifest, "gguf_py_quantize"))
        .filter(|t| engine.contains(*t))
        .cloned()
        .collect();
    assert_eq!(with_vectors, referenced, "every engine type gguf-py can (de)quantize needs vectors, and only those");
}
