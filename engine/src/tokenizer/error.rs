//! What can be wrong when a tokenizer is read from GGUF metadata.
//!
//! Every error names the metadata key at fault, so a learner can look at it with a GGUF dumper.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TokenizerError {
    #[error("the model has no '{key}' metadata, which the tokenizer needs")]
    MissingKey { key: &'static str },

    #[error("'{key}' should be {expected}, but it is {found}")]
    WrongType { key: &'static str, expected: &'static str, found: String },

    #[error("tokenizer.ggml.model is '{found}', which this engine does not support (supported: {supported})")]
    UnsupportedModel { found: String, supported: String },

    #[error("tokenizer.ggml.pre is '{found}', which this engine does not support (supported: {supported})")]
    UnsupportedPre { found: String, supported: String },

    #[error("'{key}' has {found} entries but there are {n_tokens} tokens")]
    TooShort { key: &'static str, found: usize, n_tokens: usize },

    #[error("item {index} of '{key}' is not a valid {expected}")]
    BadItem { key: &'static str, index: usize, expected: &'static str },

    #[error("token {second} has the same text as token {first} ({text:?}): token texts must be unique")]
    DuplicateToken { text: String, first: u32, second: u32 },
}

impl TokenizerError {
    pub(super) fn wrong_type(key: &'static str, expected: &'static str, found: impl ToString) -> Self {
        TokenizerError::WrongType { key, expected, found: found.to_string() }
    }
}
