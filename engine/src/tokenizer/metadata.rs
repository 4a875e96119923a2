//! Typed reads of the `tokenizer.ggml.*` metadata keys.
//!
//! A missing key is `Ok(None)` (most keys are optional and have defaults); a key that is present
//! with the wrong type is an error naming the key. llama.cpp is stricter about integer widths
//! (a token id must be a `u32` there); we accept any non-negative integer, since GGUF writers
//! disagree on widths and the value is what matters.

use super::TokenizerError;
use crate::gguf::{GgufFile, Value, ValueType};

pub(super) const MODEL: &str = "tokenizer.ggml.model";
pub(super) const PRE: &str = "tokenizer.ggml.pre";
pub(super) const TOKENS: &str = "tokenizer.ggml.tokens";
pub(super) const SCORES: &str = "tokenizer.ggml.scores";
pub(super) const TOKEN_TYPE: &str = "tokenizer.ggml.token_type";
pub(super) const MERGES: &str = "tokenizer.ggml.merges";
pub(super) const ADD_BOS: &str = "tokenizer.ggml.add_bos_token";
pub(super) const ADD_EOS: &str = "tokenizer.ggml.add_eos_token";
pub(super) const ADD_SPACE_PREFIX: &str = "tokenizer.ggml.add_space_prefix";

pub(super) fn string<'f>(file: &'f GgufFile, key: &'static str) -> Result<Option<&'f str>, TokenizerError> {
    match file.get(key) {
        None => Ok(None),
        Some(value) => value.as_str().map(Some).ok_or_else(|| wrong(key, "a UTF-8 string", value)),
    }
}

pub(super) fn bool(file: &GgufFile, key: &'static str) -> Result<Option<bool>, TokenizerError> {
    match file.get(key) {
        None => Ok(None),
        Some(value) => value.as_bool().map(Some).ok_or_else(|| wrong(key, "a bool", value)),
    }
}

/// A token id. A negative value (some converters write -1 for "none") reads as absent.
pub(super) fn token_id(file: &GgufFile, key: &'static str) -> Result<Option<u64>, TokenizerError> {
    match file.get(key) {
        None => Ok(None),
        Some(value) => match value {
            Value::I8(v) if *v < 0 => Ok(None),
            Value::I16(v) if *v < 0 => Ok(None),
            Value::I32(v) if *v < 0 => Ok(None),
            Value::I64(v) if *v < 0 => Ok(None),
            _ => value.as_u64().map(Some).ok_or_else(|| wrong(key, "an integer", value)),
        },
    }
}

/// The items of an array value whose elements are `elem` (or, when `elem` is `None`, any
/// numeric type).
pub(super) fn array<'f>(
    file: &'f GgufFile,
    key: &'static str,
    elem: Option<ValueType>,
) -> Result<Option<&'f [Value]>, TokenizerError> {
    let Some(value) = file.get(key) else { return Ok(None) };
    let expected = match elem {
        Some(ValueType::String) => "an array of strings",
        _ => "an array of numbers",
    };
    match value {
        Value::Array(ty, items) => {
            let ok = match elem {
                Some(elem) => *ty == elem,
                None => !matches!(ty, ValueType::String | ValueType::Array | ValueType::Bool),
            };
            // An empty array carries its element type too, so the check holds for it.
            if ok { Ok(Some(items)) } else { Err(TokenizerError::wrong_type(key, expected, format!("an array of {ty}"))) }
        }
        other => Err(wrong(key, expected, other)),
    }
}

fn wrong(key: &'static str, expected: &'static str, value: &Value) -> TokenizerError {
    TokenizerError::wrong_type(key, expected, value.value_type())
}
