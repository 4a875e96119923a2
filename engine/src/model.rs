//! The llama-family model (module 2 of the course): its hyper-parameters from GGUF metadata,
//! its weights as zero-copy views into the memory-mapped file, and the forward pass.

mod config;
mod forward;
mod weights;

pub use config::{Config, SUPPORTED_ARCHITECTURES};
pub use forward::{Logits, Session};
pub use weights::{Layer, Matrix, Model};

use crate::tensor::GgmlType;

/// What can go wrong turning a GGUF file into a runnable model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("architecture '{arch}' is not supported (this engine runs: {})", SUPPORTED_ARCHITECTURES.join(", "))]
    UnsupportedArchitecture { arch: String },
    #[error("metadata key '{key}' is missing or not {expected}")]
    MissingKey { key: String, expected: &'static str },
    #[error("invalid hyper-parameters: {0}")]
    InvalidConfig(String),
    #[error("tensor '{name}' is missing from the model file")]
    MissingTensor { name: String },
    #[error("tensor '{name}' has shape {found:?}, expected {expected:?}")]
    TensorShape { name: String, expected: Vec<u64>, found: Vec<u64> },
    #[error("tensor '{name}' is {ty}, which this engine cannot compute with")]
    UnsupportedTensorType { name: String, ty: GgmlType },
    #[error("{tokens} tokens do not fit the context: {used} of {n_ctx} positions are already used")]
    ContextFull { tokens: usize, used: usize, n_ctx: usize },
    #[error("token id {id} is outside the vocabulary (0..{vocab})")]
    TokenOutOfRange { id: u32, vocab: usize },
}
