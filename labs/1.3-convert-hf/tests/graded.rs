//! Graded tests of lab 1.3: each test writes a tiny random Hugging Face style Llama model
//! (config.json, tokenizer.json, model.safetensors), converts it with your `convert`, and
//! checks the GGUF file with the engine, with gguf-py, and against values computed here.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_1_3_convert_hf as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use std::path::{Path, PathBuf};

use engine::gguf::{GgufFile, Value};
use engine::model::{Config, Model};
use engine::tensor::GgmlType;
use engine::tokenizer::Tokenizer;

use lab_testkit::Rng;

/// GPT-2's byte alphabet (`bytes_to_unicode`): printable bytes stand for themselves, the
/// others for the code points from 256 on, in order.
fn byte_char(b: u8) -> char {
    let printable = |b: u8| (b'!'..=b'~').contains(&b) || (0xA1..=0xAC).contains(&b) || (0xAE..=0xFF).contains(&b);
    if printable(b) {
        return b as char;
    }
    let n = (0..b).filter(|&x| !printable(x)).count() as u32;
    char::from_u32(256 + n).unwrap()
}

const SPECIALS: [&str; 3] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
const MERGES: [(&str, &str); 10] =
    [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("l", "l"), ("ll", "a"), ("Ġ", "lla"), ("m", "a"), ("Ġlla", "ma"), ("i", "n"), ("Ġ", "a")];

/// The vocabulary: the special tokens, the 256 byte tokens, then one token per merge.
fn vocab() -> Vec<String> {
    let mut v: Vec<String> = SPECIALS.iter().map(|s| s.to_string()).collect();
    v.extend((0..=255u8).map(|b| byte_char(b).to_string()));
    v.extend(MERGES.iter().map(|(a, b)| format!("{a}{b}")));
    v
}

struct Hf {
    n_layer: usize,
    n_embd: usize,
    n_ff: usize,
    n_head: usize,
    n_head_kv: usize,
    n_vocab: usize,
    rope_theta: f64,
    eps: f64,
    /// HF name → (shape, values), in HF's [out, in] row-major layout.
    tensors: Vec<(String, Vec<usize>, Vec<f32>)>,
}

/// A random tiny model: 2 layers, width 64, 4 heads of 16, 1 or 2 KV heads (grouped-query).
fn tiny_model(rng: &mut Rng) -> Hf {
    let (n_layer, n_embd, n_ff, n_head) = (2, 64, 96, 4);
    let n_head_kv = if rng.next_u64() % 2 == 0 { 2 } else { 1 };
    let n_vocab = vocab().len();
    let kv = n_head_kv * n_embd / n_head;
    let mut shapes: Vec<(String, Vec<usize>)> = vec![
        ("model.embed_tokens.weight".into(), vec![n_vocab, n_embd]),
        ("model.norm.weight".into(), vec![n_embd]),
        ("lm_head.weight".into(), vec![n_vocab, n_embd]),
    ];
    for l in 0..n_layer {
        let p = |s: &str| format!("model.layers.{l}.{s}.weight");
        shapes.extend([
            (p("input_layernorm"), vec![n_embd]),
            (p("self_attn.q_proj"), vec![n_embd, n_embd]),
            (p("self_attn.k_proj"), vec![kv, n_embd]),
            (p("self_attn.v_proj"), vec![kv, n_embd]),
            (p("self_attn.o_proj"), vec![n_embd, n_embd]),
            (p("post_attention_layernorm"), vec![n_embd]),
            (p("mlp.gate_proj"), vec![n_ff, n_embd]),
            (p("mlp.up_proj"), vec![n_ff, n_embd]),
            (p("mlp.down_proj"), vec![n_embd, n_ff]),
        ]);
    }
    let mut tensors = Vec::new();
    for (n, s) in shapes {
        let len = s.iter().product();
        tensors.push((n, s, (0..len).map(|_| rng.unit()).collect()));
    }
    let rope_theta = [10000.0, 100000.0, 500000.0][(rng.next_u64() % 3) as usize];
    Hf { n_layer, n_embd, n_ff, n_head, n_head_kv, n_vocab, rope_theta, eps: 1e-5, tensors }
}

/// Writes config.json, tokenizer.json and model.safetensors into a fresh directory.
fn write_hf(hf: &Hf, name: &str, seed: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lab-1-3-{name}-{}-{seed}", std::process::id())).join("tiny-llama");
    std::fs::create_dir_all(&dir).unwrap();
    let config = serde_json::json!({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": hf.n_embd, "intermediate_size": hf.n_ff, "num_hidden_layers": hf.n_layer,
        "num_attention_heads": hf.n_head, "num_key_value_heads": hf.n_head_kv,
        "max_position_embeddings": 256, "rms_norm_eps": hf.eps, "rope_theta": hf.rope_theta,
        "vocab_size": hf.n_vocab, "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false,
        "torch_dtype": "float32",
    });
    std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(&config).unwrap()).unwrap();

    let vocab = vocab();
    let vocab_map: serde_json::Map<String, serde_json::Value> =
        vocab.iter().enumerate().skip(SPECIALS.len()).map(|(i, t)| (t.clone(), i.into())).collect();
    let added: Vec<_> = SPECIALS.iter().enumerate().map(|(i, s)| serde_json::json!({"id": i, "content": s, "special": true})).collect();
    let tokenizer = serde_json::json!({
        "version": "1.0", "added_tokens": added,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": vocab_map, "merges": MERGES.iter().map(|(a, b)| format!("{a} {b}")).collect::<Vec<_>>()},
    });
    std::fs::write(dir.join("tokenizer.json"), serde_json::to_string_pretty(&tokenizer).unwrap()).unwrap();

    // safetensors: u64 header length, a JSON header (padded with spaces to 8 bytes), the data.
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
    let mut data = Vec::new();
    for (name, shape, values) in &hf.tensors {
        let begin = data.len();
        data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        header.insert(name.clone(), serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [begin, data.len()]}));
    }
    let mut header = serde_json::to_vec(&header).unwrap();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header);
    file.extend(data);
    std::fs::write(dir.join("model.safetensors"), file).unwrap();
    dir
}

/// Converts a fresh random model; returns it, the GGUF path and the seed.
fn converted(name: &str, out_type: lab::OutType) -> (Hf, PathBuf, u64) {
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    let hf = tiny_model(&mut rng);
    let dir = write_hf(&hf, name, seed);
    let out = dir.parent().unwrap().join("tiny-llama.gguf");
    lab::convert(&dir, &out, out_type).unwrap_or_else(|e| panic!("seed {seed}: convert failed: {e}"));
    (hf, out, seed)
}

fn open(path: &Path, seed: u64) -> GgufFile {
    GgufFile::open(path).unwrap_or_else(|e| panic!("seed {seed}: the engine cannot open the converted file: {e}"))
}

const NAMES: [(&str, &str); 12] = [
    ("model.embed_tokens.weight", "token_embd.weight"),
    ("model.norm.weight", "output_norm.weight"),
    ("lm_head.weight", "output.weight"),
    ("model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight"),
    ("model.layers.1.self_attn.q_proj.weight", "blk.1.attn_q.weight"),
    ("model.layers.12.self_attn.k_proj.weight", "blk.12.attn_k.weight"),
    ("model.layers.3.self_attn.v_proj.weight", "blk.3.attn_v.weight"),
    ("model.layers.29.self_attn.o_proj.weight", "blk.29.attn_output.weight"),
    ("model.layers.7.post_attention_layernorm.weight", "blk.7.ffn_norm.weight"),
    ("model.layers.0.mlp.gate_proj.weight", "blk.0.ffn_gate.weight"),
    ("model.layers.100.mlp.up_proj.weight", "blk.100.ffn_up.weight"),
    ("model.layers.5.mlp.down_proj.weight", "blk.5.ffn_down.weight"),
];

fn gguf_name(hf: &str) -> &'static str {
    NAMES.iter().find(|(h, _)| h.replace(|c: char| c.is_ascii_digit(), "") == hf.replace(|c: char| c.is_ascii_digit(), "")).unwrap().1
}

/// The expected GGUF name of an HF tensor of the tiny model.
fn expected_name(hf: &str) -> String {
    let layer: String = hf.chars().filter(|c| c.is_ascii_digit()).collect();
    gguf_name(hf).replace(|c: char| c.is_ascii_digit(), "").replacen("blk..", &format!("blk.{layer}."), 1)
}

/// HF's rotate-half RoPE on one head (pairs i and i + d/2) at position `pos`.
fn rope_hf(x: &[f64], pos: f64, theta: f64) -> Vec<f64> {
    let d = x.len();
    let mut out = vec![0.0; d];
    for i in 0..d / 2 {
        let a = pos * theta.powf(-2.0 * i as f64 / d as f64);
        let (s, c) = a.sin_cos();
        out[i] = x[i] * c - x[i + d / 2] * s;
        out[i + d / 2] = x[i + d / 2] * c + x[i] * s;
    }
    out
}

/// llama.cpp's RoPE for llama models (pairs 2i and 2i + 1) at position `pos`.
fn rope_gguf(x: &[f64], pos: f64, theta: f64) -> Vec<f64> {
    let d = x.len();
    let mut out = vec![0.0; d];
    for i in 0..d / 2 {
        let a = pos * theta.powf(-2.0 * i as f64 / d as f64);
        let (s, c) = a.sin_cos();
        out[2 * i] = x[2 * i] * c - x[2 * i + 1] * s;
        out[2 * i + 1] = x[2 * i + 1] * c + x[2 * i] * s;
    }
    out
}

fn matvec(w: &[f32], rows: usize, x: &[f64]) -> Vec<f64> {
    (0..rows).map(|r| w[r * x.len()..(r + 1) * x.len()].iter().zip(x).map(|(&a, b)| a as f64 * b).sum()).collect()
}

#[test]
fn maps_hugging_face_tensor_names() {
    for (hf, gguf) in NAMES {
        assert_eq!(lab::gguf_tensor_name(hf).as_deref(), Some(gguf), "the GGUF name of {hf}");
    }
    for unknown in ["model.layers.0.self_attn.rotary_emb.inv_freq", "model.layers.x.mlp.up_proj.weight", "vision.patch_embed"] {
        assert_eq!(lab::gguf_tensor_name(unknown), None, "{unknown} has no GGUF name");
    }
}

#[test]
fn permuted_q_and_k_give_the_same_attention_scores_under_interleaved_rope() {
    // The permutation is right exactly when HF's model (rotate-half RoPE on W x) and the GGUF
    // model (interleaved RoPE on W' x) compute the same q·k for every head and position.
    let mut rng = Rng::fresh();
    let seed = rng.seed();
    for (n_head, head_dim, n_cols) in [(1, 8, 5), (4, 16, 24), (3, 32, 7)] {
        let rows = n_head * head_dim;
        let wq: Vec<f32> = (0..rows * n_cols).map(|_| rng.unit()).collect();
        let wk: Vec<f32> = (0..rows * n_cols).map(|_| rng.unit()).collect();
        let (pq, pk) = (lab::permute_qk(&wq, rows, n_cols, n_head), lab::permute_qk(&wk, rows, n_cols, n_head));
        let mut sorted_q = pq.clone();
        let mut orig = wq.clone();
        sorted_q.sort_by(f32::total_cmp);
        orig.sort_by(f32::total_cmp);
        assert_eq!(sorted_q, orig, "seed {seed}: permute_qk must only move values (n_head {n_head}, head_dim {head_dim})");
        let x: Vec<f64> = (0..n_cols).map(|_| rng.unit() as f64).collect();
        let y: Vec<f64> = (0..n_cols).map(|_| rng.unit() as f64).collect();
        let (q_hf, k_hf, q_gg, k_gg) = (matvec(&wq, rows, &x), matvec(&wk, rows, &y), matvec(&pq, rows, &x), matvec(&pk, rows, &y));
        for h in 0..n_head {
            let head = |v: &[f64]| v[h * head_dim..(h + 1) * head_dim].to_vec();
            for (pq_pos, pk_pos) in [(0.0, 0.0), (5.0, 2.0), (17.0, 3.0)] {
                let dot = |a: Vec<f64>, b: Vec<f64>| a.iter().zip(&b).map(|(a, b)| a * b).sum::<f64>();
                let hf = dot(rope_hf(&head(&q_hf), pq_pos, 10000.0), rope_hf(&head(&k_hf), pk_pos, 10000.0));
                let gg = dot(rope_gguf(&head(&q_gg), pq_pos, 10000.0), rope_gguf(&head(&k_gg), pk_pos, 10000.0));
                assert!((hf - gg).abs() <= 1e-9 * (1.0 + hf.abs()), "seed {seed}: n_head {n_head}, head {h}, positions {pq_pos}/{pk_pos}: HF score {hf}, GGUF score {gg}");
            }
        }
    }
}

#[test]
fn converted_file_opens_in_the_engine_with_the_right_hyper_parameters() {
    let (hf, out, seed) = converted("config", lab::OutType::F32);
    let file = open(&out, seed);
    assert_eq!(file.get("general.architecture").and_then(Value::as_str), Some("llama"), "seed {seed}");
    let c = Config::from_gguf(&file).unwrap_or_else(|e| panic!("seed {seed}: engine::model::Config: {e}"));
    assert_eq!(
        (c.n_layer, c.n_embd, c.n_ff, c.n_head, c.n_head_kv, c.head_dim, c.vocab_size, c.n_ctx_train),
        (hf.n_layer, hf.n_embd, hf.n_ff, hf.n_head, hf.n_head_kv, hf.n_embd / hf.n_head, hf.n_vocab, 256),
        "seed {seed}: (block_count, embedding_length, feed_forward_length, head_count, head_count_kv, head dim, vocab, context_length)"
    );
    assert_eq!(c.rope_freq_base, hf.rope_theta as f32, "seed {seed}: llama.rope.freq_base");
    assert_eq!(c.rms_eps, hf.eps as f32, "seed {seed}: llama.attention.layer_norm_rms_epsilon");
    let model = Model::load(&file).unwrap_or_else(|e| panic!("seed {seed}: engine::model::Model::load: {e}"));
    assert!(!model.tied_embeddings(), "seed {seed}: lm_head.weight becomes output.weight");
}

fn check_tensors(out_type: lab::OutType) {
    let (hf, out, seed) = converted(if out_type == lab::OutType::F32 { "f32" } else { "f16" }, out_type);
    let file = open(&out, seed);
    assert_eq!(file.tensors().len(), hf.tensors.len(), "seed {seed}: one GGUF tensor per HF tensor");
    for (name, shape, values) in &hf.tensors {
        let gname = expected_name(name);
        let t = file.tensor(&gname).unwrap_or_else(|| panic!("seed {seed}: {gname} (from {name}) is missing"));
        let dims: Vec<u64> = shape.iter().rev().map(|&d| d as u64).collect();
        assert_eq!(t.shape, dims, "seed {seed}: {gname}: ggml lists the row length first");
        // Expected rows: HF's, with Q and K rows reordered per head (row i of the first half
        // of a head to 2i, row i of the second half to 2i + 1).
        let n_head = if name.contains("q_proj") { Some(hf.n_head) } else if name.contains("k_proj") { Some(hf.n_head_kv) } else { None };
        let n_cols = *shape.last().unwrap();
        let mut expected = values.clone();
        if let Some(n_head) = n_head {
            let head_dim = shape[0] / n_head;
            for h in 0..n_head {
                for r in 0..head_dim {
                    let from = h * head_dim + if r % 2 == 0 { r / 2 } else { head_dim / 2 + r / 2 };
                    let to = h * head_dim + r;
                    expected[to * n_cols..(to + 1) * n_cols].copy_from_slice(&values[from * n_cols..(from + 1) * n_cols]);
                }
            }
        }
        let want_ty = if out_type == lab::OutType::F16 && shape.len() > 1 { GgmlType::F16 } else { GgmlType::F32 };
        assert_eq!(t.ty, want_ty, "seed {seed}: {gname}: matrices in the output type, 1-D norms always F32");
        let bytes = file.tensor_data(t);
        let found: Vec<f32> = match t.ty {
            GgmlType::F16 => bytes.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            _ => bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect(),
        };
        let expected: Vec<f32> = match t.ty {
            GgmlType::F16 => expected.iter().map(|&x| half::f16::from_f32(x).to_f32()).collect(),
            _ => expected,
        };
        if let Some(i) = (0..found.len()).find(|&i| found[i].to_bits() != expected[i].to_bits()) {
            panic!("seed {seed}: {gname} value {i} (row {}, column {}) is {}, expected {}", i / n_cols, i % n_cols, found[i], expected[i]);
        }
    }
}

#[test]
fn converted_f32_tensors_hold_the_expected_values() {
    check_tensors(lab::OutType::F32);
}

#[test]
fn converted_f16_tensors_hold_the_expected_values() {
    check_tensors(lab::OutType::F16);
}

#[test]
fn tokenizer_round_trips_through_the_engine() {
    let (_, out, seed) = converted("tokenizer", lab::OutType::F32);
    let file = open(&out, seed);
    let tok = Tokenizer::from_gguf(&file).unwrap_or_else(|e| panic!("seed {seed}: engine::tokenizer::Tokenizer::from_gguf: {e}"));
    let vocab = vocab();
    assert_eq!(tok.vocab_size(), vocab.len(), "seed {seed}: vocabulary size");
    let id = |t: &str| vocab.iter().position(|v| v == t).unwrap() as u32;
    // The merges, applied by rank, make whole words of these.
    assert_eq!(tok.encode(" the llama", false, false), vec![id("Ġthe"), id("Ġllama")], "seed {seed}: ' the llama' with the merges");
    assert_eq!(tok.encode("<|im_start|>in", false, true), vec![1, id("in")], "seed {seed}: special tokens are control tokens");
    assert_eq!((tok.bos(), tok.eos()), (Some(1), Some(2)), "seed {seed}: bos/eos ids from config.json");
    let mut rng = Rng::from_seed(seed);
    for _ in 0..20 {
        let text: String = (0..rng.next_u64() % 40).map(|_| ["the", " llama", " a", "in", "é", "\n", "7", "🦙", " ", "x"][(rng.next_u64() % 10) as usize]).collect();
        let ids = tok.encode(&text, false, false);
        assert_eq!(tok.decode(&ids), text.as_bytes(), "seed {seed}: decode(encode({text:?}))");
    }
}

#[test]
fn gguf_py_reads_the_converted_file() {
    let (hf, out, seed) = converted("gguf-py", lab::OutType::F16);
    const SCRIPT: &str = r#"
import json, sys
try:
    import gguf
except ImportError:
    sys.exit("gguf-py is missing: python3 -m pip install -r scripts/requirements.txt")
r = gguf.GGUFReader(sys.argv[1])
fields = {}
for name in ["general.architecture", "llama.block_count", "llama.embedding_length", "llama.attention.head_count_kv", "tokenizer.ggml.model"]:
    f = r.fields[name]
    fields[name] = f.contents() if hasattr(f, "contents") else None
tensors = {t.name: [t.tensor_type.name, [int(d) for d in t.shape]] for t in r.tensors}
print(json.dumps({"fields": fields, "tensors": tensors, "tokens": len(r.fields["tokenizer.ggml.tokens"].data)}))
"#;
    let result = std::process::Command::new("python3").arg("-c").arg(SCRIPT).arg(&out).output();
    let result = result.unwrap_or_else(|e| panic!("running python3: {e}. The tests need Python 3 and gguf-py: python3 -m pip install -r scripts/requirements.txt"));
    assert!(result.status.success(), "seed {seed}: gguf-py could not read the file:\n{}", String::from_utf8_lossy(&result.stderr));
    let json: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    let f = &json["fields"];
    assert_eq!(f["general.architecture"], "llama", "seed {seed}");
    assert_eq!(f["llama.block_count"], hf.n_layer, "seed {seed}");
    assert_eq!(f["llama.embedding_length"], hf.n_embd, "seed {seed}");
    assert_eq!(f["llama.attention.head_count_kv"], hf.n_head_kv, "seed {seed}");
    assert_eq!(f["tokenizer.ggml.model"], "gpt2", "seed {seed}");
    assert_eq!(json["tokens"], hf.n_vocab, "seed {seed}: tokenizer.ggml.tokens");
    for (name, shape, _) in &hf.tensors {
        let t = &json["tensors"][expected_name(name)];
        let ty = if shape.len() > 1 { "F16" } else { "F32" };
        let dims: Vec<usize> = shape.iter().rev().copied().collect();
        assert_eq!(t, &serde_json::json!([ty, dims]), "seed {seed}: {} as gguf-py reads it", expected_name(name));
    }
}
