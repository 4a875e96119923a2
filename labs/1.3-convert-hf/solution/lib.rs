//! Lab 1.3, reference solution: convert a Hugging Face Llama model to GGUF.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde_json::Value as Json;

/// The tensor type of the converted matrices (1-D tensors, the norms, always stay F32).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutType {
    F32,
    F16,
}

/// Anything that went wrong, as a message that names the file or tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertError(pub String);

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConvertError {}

fn err(msg: impl Into<String>) -> ConvertError {
    ConvertError(msg.into())
}

/// The GGUF name of a Hugging Face Llama tensor, or `None` for a name it does not know.
pub fn gguf_tensor_name(hf_name: &str) -> Option<String> {
    let fixed = match hf_name {
        "model.embed_tokens.weight" => Some("token_embd.weight"),
        "model.norm.weight" => Some("output_norm.weight"),
        "lm_head.weight" => Some("output.weight"),
        _ => None,
    };
    if let Some(name) = fixed {
        return Some(name.to_owned());
    }
    let rest = hf_name.strip_prefix("model.layers.")?;
    let (layer, part) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok()?;
    let gguf = match part {
        "input_layernorm.weight" => "attn_norm",
        "self_attn.q_proj.weight" => "attn_q",
        "self_attn.k_proj.weight" => "attn_k",
        "self_attn.v_proj.weight" => "attn_v",
        "self_attn.o_proj.weight" => "attn_output",
        "post_attention_layernorm.weight" => "ffn_norm",
        "mlp.gate_proj.weight" => "ffn_gate",
        "mlp.up_proj.weight" => "ffn_up",
        "mlp.down_proj.weight" => "ffn_down",
        _ => return None,
    };
    Some(format!("blk.{layer}.{gguf}.weight"))
}

/// Reorders the rows of a Q or K projection (`n_rows` × `n_cols`, row-major, `n_head` heads
/// of `n_rows / n_head` rows) from Hugging Face's rotate-half RoPE layout to the interleaved
/// one GGUF models use: in each head, row `i` of the first half goes to row `2i`, row `i` of
/// the second half to row `2i + 1`.
pub fn permute_qk(weights: &[f32], n_rows: usize, n_cols: usize, n_head: usize) -> Vec<f32> {
    assert_eq!(weights.len(), n_rows * n_cols, "weights must hold n_rows × n_cols values");
    let head_dim = n_rows / n_head;
    let half = head_dim / 2;
    let mut out = vec![0.0; weights.len()];
    for h in 0..n_head {
        for i in 0..half {
            for (j, from) in [h * head_dim + i, h * head_dim + half + i].into_iter().enumerate() {
                let to = h * head_dim + 2 * i + j;
                out[to * n_cols..(to + 1) * n_cols].copy_from_slice(&weights[from * n_cols..(from + 1) * n_cols]);
            }
        }
    }
    out
}

/// One tensor from a safetensors file, as f32.
struct HfTensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

/// Reads every tensor of a `.safetensors` file: a u64 header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the data.
fn read_safetensors(path: &Path) -> Result<Vec<(String, HfTensor)>, ConvertError> {
    let bytes = std::fs::read(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    let bad = |what: &str| err(format!("{}: {what}", path.display()));
    let header_len = bytes.get(..8).ok_or_else(|| bad("shorter than the 8-byte header length"))?;
    let header_len = u64::from_le_bytes(header_len.try_into().unwrap()) as usize;
    let header_end = 8usize.checked_add(header_len).filter(|&e| e <= bytes.len()).ok_or_else(|| bad("header runs past the end"))?;
    let header: Json = serde_json::from_slice(&bytes[8..header_end]).map_err(|e| bad(&format!("header is not JSON: {e}")))?;
    let data = &bytes[header_end..];
    let mut tensors = Vec::new();
    for (name, info) in header.as_object().ok_or_else(|| bad("header is not a JSON object"))? {
        if name == "__metadata__" {
            continue;
        }
        let dtype = info["dtype"].as_str().ok_or_else(|| bad(&format!("{name}: no dtype")))?;
        let shape: Vec<usize> = info["shape"].as_array().ok_or_else(|| bad(&format!("{name}: no shape")))?.iter().filter_map(|d| d.as_u64()).map(|d| d as usize).collect();
        let range = info["data_offsets"].as_array().ok_or_else(|| bad(&format!("{name}: no data_offsets")))?;
        let (begin, end) = (range[0].as_u64().unwrap_or(0) as usize, range[1].as_u64().unwrap_or(0) as usize);
        let raw = data.get(begin..end).ok_or_else(|| bad(&format!("{name}: data {begin}..{end} outside the file")))?;
        let values: Vec<f32> = match dtype {
            "F32" => raw.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect(),
            "F16" => raw.chunks_exact(2).map(|b| half::f16::from_le_bytes(b.try_into().unwrap()).to_f32()).collect(),
            "BF16" => raw.chunks_exact(2).map(|b| half::bf16::from_le_bytes(b.try_into().unwrap()).to_f32()).collect(),
            other => return Err(bad(&format!("{name}: dtype {other} is not supported"))),
        };
        if values.len() != shape.iter().product::<usize>() {
            return Err(bad(&format!("{name}: {} values for shape {shape:?}", values.len())));
        }
        tensors.push((name.clone(), HfTensor { shape, data: values }));
    }
    // JSON objects have no order we can rely on; sort for a stable output.
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(tensors)
}

fn read_json(path: &Path) -> Result<Json, ConvertError> {
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| err(format!("{}: {e}", path.display())))
}

/// A GGUF metadata value (only the types this converter writes).
enum Meta {
    U32(u32),
    F32(f32),
    Str(String),
    StrArray(Vec<String>),
    I32Array(Vec<i32>),
}

/// A minimal GGUF v3 writer: metadata, then tensor infos, then the data, each tensor aligned
/// to 32 bytes.
#[derive(Default)]
struct Gguf {
    metadata: Vec<(String, Meta)>,
    /// (name, ggml dims, ggml type id, bytes)
    tensors: Vec<(String, Vec<u64>, u32, Vec<u8>)>,
}

const ALIGNMENT: usize = 32;

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

impl Gguf {
    fn set(&mut self, key: &str, value: Meta) {
        self.metadata.push((key.to_owned(), value));
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"GGUF");
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.metadata.len() as u64).to_le_bytes());
        for (key, value) in &self.metadata {
            put_str(&mut out, key);
            match value {
                Meta::U32(v) => {
                    out.extend_from_slice(&4u32.to_le_bytes());
                    out.extend_from_slice(&v.to_le_bytes());
                }
                Meta::F32(v) => {
                    out.extend_from_slice(&6u32.to_le_bytes());
                    out.extend_from_slice(&v.to_le_bytes());
                }
                Meta::Str(s) => {
                    out.extend_from_slice(&8u32.to_le_bytes());
                    put_str(&mut out, s);
                }
                Meta::StrArray(items) => {
                    out.extend_from_slice(&9u32.to_le_bytes());
                    out.extend_from_slice(&8u32.to_le_bytes());
                    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                    items.iter().for_each(|s| put_str(&mut out, s));
                }
                Meta::I32Array(items) => {
                    out.extend_from_slice(&9u32.to_le_bytes());
                    out.extend_from_slice(&5u32.to_le_bytes());
                    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                    items.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
                }
            }
        }
        let mut offset = 0usize;
        for (name, dims, ty, data) in &self.tensors {
            put_str(&mut out, name);
            out.extend_from_slice(&(dims.len() as u32).to_le_bytes());
            dims.iter().for_each(|d| out.extend_from_slice(&d.to_le_bytes()));
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&(offset as u64).to_le_bytes());
            offset += data.len().next_multiple_of(ALIGNMENT);
        }
        for (_, _, _, data) in &self.tensors {
            out.resize(out.len().next_multiple_of(ALIGNMENT), 0);
            out.extend_from_slice(data);
        }
        out.resize(out.len().next_multiple_of(ALIGNMENT), 0);
        out
    }
}

fn config_u32(config: &Json, key: &str) -> Result<u32, ConvertError> {
    config[key].as_u64().map(|v| v as u32).ok_or_else(|| err(format!("config.json: '{key}' is missing or not an integer")))
}

/// Converts the model in `model_dir` (`config.json`, `tokenizer.json`, `model.safetensors`)
/// to a GGUF file at `out`.
pub fn convert(model_dir: &Path, out: &Path, out_type: OutType) -> Result<(), ConvertError> {
    let config = read_json(&model_dir.join("config.json"))?;
    let n_head = config_u32(&config, "num_attention_heads")?;
    let n_head_kv = config["num_key_value_heads"].as_u64().map_or(n_head, |v| v as u32);
    let n_embd = config_u32(&config, "hidden_size")?;

    let mut g = Gguf::default();
    g.set("general.architecture", Meta::Str("llama".into()));
    g.set("general.name", Meta::Str(model_dir.file_name().map_or("model".into(), |n| n.to_string_lossy().into_owned())));
    g.set("general.file_type", Meta::U32(if out_type == OutType::F16 { 1 } else { 0 }));
    g.set("llama.block_count", Meta::U32(config_u32(&config, "num_hidden_layers")?));
    g.set("llama.context_length", Meta::U32(config_u32(&config, "max_position_embeddings")?));
    g.set("llama.embedding_length", Meta::U32(n_embd));
    g.set("llama.feed_forward_length", Meta::U32(config_u32(&config, "intermediate_size")?));
    g.set("llama.attention.head_count", Meta::U32(n_head));
    g.set("llama.attention.head_count_kv", Meta::U32(n_head_kv));
    g.set("llama.rope.freq_base", Meta::F32(config["rope_theta"].as_f64().unwrap_or(10000.0) as f32));
    let eps = config["rms_norm_eps"].as_f64().ok_or_else(|| err("config.json: 'rms_norm_eps' is missing"))?;
    g.set("llama.attention.layer_norm_rms_epsilon", Meta::F32(eps as f32));
    g.set("llama.rope.dimension_count", Meta::U32(n_embd / n_head));
    g.set("llama.vocab_size", Meta::U32(config_u32(&config, "vocab_size")?));

    // The tokenizer: tokens by id, their types, the merges.
    let tok = read_json(&model_dir.join("tokenizer.json"))?;
    let model = &tok["model"];
    if model["type"].as_str() != Some("BPE") {
        return Err(err("tokenizer.json: only BPE tokenizers are supported"));
    }
    let vocab = model["vocab"].as_object().ok_or_else(|| err("tokenizer.json: model.vocab is missing"))?;
    let mut by_id: HashMap<u64, String> = vocab.iter().filter_map(|(t, id)| Some((id.as_u64()?, t.clone()))).collect();
    let mut special = Vec::new();
    for added in tok["added_tokens"].as_array().into_iter().flatten() {
        if let (Some(id), Some(text)) = (added["id"].as_u64(), added["content"].as_str()) {
            by_id.insert(id, text.to_owned());
            if added["special"].as_bool().unwrap_or(false) {
                special.push(id);
            }
        }
    }
    let n_vocab = by_id.keys().max().map_or(0, |m| m + 1);
    let mut tokens = Vec::with_capacity(n_vocab as usize);
    let mut types = Vec::with_capacity(n_vocab as usize);
    for id in 0..n_vocab {
        match by_id.get(&id) {
            Some(text) => {
                tokens.push(text.clone());
                types.push(if special.contains(&id) { 3 } else { 1 }); // control, normal
            }
            None => {
                tokens.push(format!("[PAD{id}]"));
                types.push(5); // unused
            }
        }
    }
    // Merges are "a b" strings, or ["a", "b"] pairs in newer tokenizer.json files.
    let merges: Vec<String> = model["merges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| match m {
            Json::String(s) => Some(s.clone()),
            Json::Array(pair) => Some(format!("{} {}", pair.first()?.as_str()?, pair.get(1)?.as_str()?)),
            _ => None,
        })
        .collect();
    g.set("tokenizer.ggml.model", Meta::Str("gpt2".into()));
    g.set("tokenizer.ggml.pre", Meta::Str("gpt-2".into()));
    g.set("tokenizer.ggml.tokens", Meta::StrArray(tokens));
    g.set("tokenizer.ggml.token_type", Meta::I32Array(types));
    g.set("tokenizer.ggml.merges", Meta::StrArray(merges));
    if let Some(id) = config["bos_token_id"].as_u64() {
        g.set("tokenizer.ggml.bos_token_id", Meta::U32(id as u32));
    }
    if let Some(id) = config["eos_token_id"].as_u64() {
        g.set("tokenizer.ggml.eos_token_id", Meta::U32(id as u32));
    }

    // The tensors: renamed, Q and K permuted, dims reversed (ggml lists the row length first).
    for (name, t) in read_safetensors(&model_dir.join("model.safetensors"))? {
        let gguf_name = gguf_tensor_name(&name).ok_or_else(|| err(format!("model.safetensors: no GGUF name for tensor '{name}'")))?;
        let mut data = t.data;
        if name.ends_with("self_attn.q_proj.weight") {
            data = permute_qk(&data, t.shape[0], t.shape[1], n_head as usize);
        } else if name.ends_with("self_attn.k_proj.weight") {
            data = permute_qk(&data, t.shape[0], t.shape[1], n_head_kv as usize);
        }
        let dims: Vec<u64> = t.shape.iter().rev().map(|&d| d as u64).collect();
        let (ty, bytes) = if out_type == OutType::F16 && t.shape.len() > 1 {
            (1, data.iter().flat_map(|&x| half::f16::from_f32(x).to_le_bytes()).collect())
        } else {
            (0, data.iter().flat_map(|x| x.to_le_bytes()).collect())
        };
        g.tensors.push((gguf_name, dims, ty, bytes));
    }

    std::fs::write(out, g.to_bytes()).map_err(|e| err(format!("{}: {e}", out.display())))
}
