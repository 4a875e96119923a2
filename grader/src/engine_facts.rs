//! Numbers a quiz answer may claim as facts of the engine (`engine_fact:` in quizzes/*.yaml),
//! computed from the engine itself so that an answer cannot drift from the code.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use engine::gguf::GgufFile;
use engine::model::Config;
use engine::tensor::GgmlType;

/// Facts that need no model file: block sizes of the formats.
pub fn format_facts() -> BTreeMap<String, f64> {
    let mut facts = BTreeMap::new();
    let blocks = [
        ("q4_0", GgmlType::Q4_0),
        ("q4_1", GgmlType::Q4_1),
        ("q5_0", GgmlType::Q5_0),
        ("q5_1", GgmlType::Q5_1),
        ("q8_0", GgmlType::Q8_0),
        ("q2_k", GgmlType::Q2_K),
        ("q3_k", GgmlType::Q3_K),
        ("q4_k", GgmlType::Q4_K),
        ("q5_k", GgmlType::Q5_K),
        ("q6_k", GgmlType::Q6_K),
        ("iq4_nl", GgmlType::IQ4_NL),
        ("iq4_xs", GgmlType::IQ4_XS),
    ];
    for (name, ty) in blocks {
        facts.insert(format!("{name}_block_bytes"), ty.block_bytes() as f64);
        facts.insert(format!("{name}_bits_per_weight"), ty.block_bytes() as f64 * 8.0 / ty.block_len() as f64);
    }
    facts
}

/// Facts of a model file (the default model for the quizzes).
pub fn model_facts(file: &GgufFile) -> Result<BTreeMap<String, f64>> {
    let config = Config::from_gguf(file).context("reading the model's hyper-parameters")?;
    let h = &file.header;
    let kv_8192 = (config.kv_bytes_per_token() * 8192) as f64;
    let params: u64 = h.tensors.iter().map(|t| t.n_elements()).sum();
    let facts = [
        ("model_gguf_version", h.version as f64),
        ("model_tensor_count", h.tensors.len() as f64),
        ("model_metadata_count", h.metadata.len() as f64),
        ("model_alignment", h.alignment as f64),
        ("model_block_count", config.n_layer as f64),
        ("model_embedding_length", config.n_embd as f64),
        ("model_feed_forward_length", config.n_ff as f64),
        ("model_head_count", config.n_head as f64),
        ("model_head_count_kv", config.n_head_kv as f64),
        ("model_head_dim", config.head_dim as f64),
        ("model_vocab_size", config.vocab_size as f64),
        ("model_context_length", config.n_ctx_train as f64),
        ("model_parameter_count", params as f64),
        ("model_kv_cache_bytes_8192", kv_8192),
        ("model_kv_cache_mib_8192", kv_8192 / (1u64 << 20) as f64),
    ];
    Ok(facts.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
