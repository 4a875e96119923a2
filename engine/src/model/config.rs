//! Hyper-parameters of a llama-family model, read from `{arch}.*` metadata keys.

use super::ModelError;
use crate::gguf::{GgufFile, Value};

/// Architectures whose forward pass is exactly the one in `forward.rs`.
pub const SUPPORTED_ARCHITECTURES: &[&str] = &["llama"];

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub arch: String,
    pub n_layer: usize,
    /// Width of the residual stream (`embedding_length`).
    pub n_embd: usize,
    /// Hidden width of the feed-forward network.
    pub n_ff: usize,
    pub n_head: usize,
    /// Key/value heads: fewer than `n_head` means grouped-query attention.
    pub n_head_kv: usize,
    pub head_dim: usize,
    pub vocab_size: usize,
    /// The context length the model was trained with.
    pub n_ctx_train: usize,
    pub rope_freq_base: f32,
    /// Dimensions of each head that RoPE rotates (all of them for llama).
    pub rope_dims: usize,
    pub rms_eps: f32,
}

impl Config {
    pub fn from_gguf(file: &GgufFile) -> Result<Config, ModelError> {
        let arch = file
            .get("general.architecture")
            .and_then(Value::as_str)
            .ok_or(ModelError::MissingKey { key: "general.architecture".into(), expected: "a string" })?
            .to_owned();
        if !SUPPORTED_ARCHITECTURES.contains(&arch.as_str()) {
            return Err(ModelError::UnsupportedArchitecture { arch });
        }
        let key = |name: &str| format!("{arch}.{name}");
        let int = |name: &str| -> Result<usize, ModelError> {
            file.get(&key(name))
                .and_then(Value::as_u64)
                .map(|v| v as usize)
                .ok_or(ModelError::MissingKey { key: key(name), expected: "an integer" })
        };
        let float = |name: &str, default: Option<f32>| -> Result<f32, ModelError> {
            match file.get(&key(name)).and_then(Value::as_f64) {
                Some(v) => Ok(v as f32),
                None => default.ok_or(ModelError::MissingKey { key: key(name), expected: "a number" }),
            }
        };
        let n_embd = int("embedding_length")?;
        let n_head = int("attention.head_count")?;
        let n_head_kv = int("attention.head_count_kv").unwrap_or(n_head);
        if n_head == 0 || n_head_kv == 0 || n_embd % n_head != 0 || n_head % n_head_kv != 0 {
            return Err(ModelError::InvalidConfig(format!(
                "embedding_length {n_embd}, head_count {n_head}, head_count_kv {n_head_kv}: heads must divide the width and kv heads must divide heads"
            )));
        }
        let head_dim = n_embd / n_head;
        let vocab_size = match int("vocab_size") {
            Ok(v) => v,
            Err(e) => file.get("tokenizer.ggml.tokens").and_then(Value::as_array).map(|a| a.len()).ok_or(e)?,
        };
        Ok(Config {
            n_layer: int("block_count")?,
            n_embd,
            n_ff: int("feed_forward_length")?,
            n_head,
            n_head_kv,
            head_dim,
            vocab_size,
            n_ctx_train: int("context_length")?,
            rope_freq_base: float("rope.freq_base", Some(10_000.0))?,
            rope_dims: int("rope.dimension_count").unwrap_or(head_dim),
            rms_eps: float("attention.layer_norm_rms_epsilon", None)?,
            arch,
        })
    }

    /// Bytes of KV cache per token: K and V, every layer, every KV head, f16.
    pub fn kv_bytes_per_token(&self) -> usize {
        2 * self.n_layer * self.n_head_kv * self.head_dim * 2
    }
}
