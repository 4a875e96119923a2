//! The token table: every token's text, score and type, and the reverse lookup text → id.
//!
//! GGUF stores the vocabulary as parallel arrays indexed by token id:
//!
//! - `tokenizer.ggml.tokens`: the text of each token (required). For byte-level BPE models
//!   the text is in GPT-2's byte alphabet (a space is `Ġ`, see [`super::byte_map`]); for
//!   SentencePiece models a space is `▁` and raw bytes are tokens named `<0x0A>` and so on.
//! - `tokenizer.ggml.scores`: a float per token (optional, 0 when absent). SentencePiece
//!   merges the pair whose merged token has the highest score; BPE ignores scores.
//! - `tokenizer.ggml.token_type`: what kind of token it is (optional, all normal when absent),
//!   see [`TokenType`].

use std::collections::HashMap;

use super::{TokenizerError, metadata};
use crate::gguf::{GgufFile, ValueType};

/// The kind of a token (`llama_token_type` in llama.h; the numbers are the GGUF encoding).
///
/// The type decides three things: whether the text can be matched as a special token before
/// normal tokenization ([`super::special`]), whether it is shown when decoding, and how its
/// text turns into bytes ([`super::decode`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenType {
    /// 0, or any number llama.cpp does not know. Decodes to nothing.
    Undefined,
    /// 1: ordinary text.
    Normal,
    /// 2: the unknown-word token (`<unk>`). Special: matched only when parsing special tokens.
    Unknown,
    /// 3: control tokens such as `<|im_start|>` or `</s>`. Special, hidden unless rendered.
    Control,
    /// 4: tokens added by the model's authors. Always matched as a whole in the input text,
    /// even when special tokens are not parsed, and always shown verbatim.
    UserDefined,
    /// 5: reserved slots. Decode to nothing.
    Unused,
    /// 6: SentencePiece byte-fallback tokens `<0x00>`..`<0xFF>`, one raw byte each.
    Byte,
}

impl TokenType {
    fn from_gguf(code: u64) -> TokenType {
        match code {
            1 => TokenType::Normal,
            2 => TokenType::Unknown,
            3 => TokenType::Control,
            4 => TokenType::UserDefined,
            5 => TokenType::Unused,
            6 => TokenType::Byte,
            _ => TokenType::Undefined,
        }
    }
}

/// The vocabulary. Token ids are indices into these vectors.
#[derive(Debug)]
pub(super) struct Vocab {
    texts: Vec<String>,
    scores: Vec<f32>,
    types: Vec<TokenType>,
    ids: HashMap<String, u32>,
}

impl Vocab {
    pub(super) fn from_gguf(file: &GgufFile) -> Result<Vocab, TokenizerError> {
        let key = metadata::TOKENS;
        let tokens = metadata::array(file, key, Some(ValueType::String))?.ok_or(TokenizerError::MissingKey { key })?;
        let n_tokens = tokens.len();

        let mut texts = Vec::with_capacity(n_tokens);
        let mut ids = HashMap::with_capacity(n_tokens);
        for (index, value) in tokens.iter().enumerate() {
            let text = value.as_str().ok_or(TokenizerError::BadItem { key, index, expected: "UTF-8 string" })?;
            // llama.cpp renames empty tokens so that every token has a distinct, visible text.
            let text = if text.is_empty() { format!("[EMPTY_{index}]") } else { text.to_owned() };
            let id = index as u32;
            if let Some(&first) = ids.get(&text) {
                // llama.cpp asserts this never happens: a text must name a single token.
                return Err(TokenizerError::DuplicateToken { text, first, second: id });
            }
            ids.insert(text.clone(), id);
            texts.push(text);
        }

        let scores = match metadata::array(file, metadata::SCORES, None)? {
            None => vec![0.0; n_tokens],
            Some(items) => {
                check_len(metadata::SCORES, items.len(), n_tokens)?;
                let score = |(index, v): (usize, &crate::gguf::Value)| {
                    v.as_f64().map(|s| s as f32).ok_or(TokenizerError::BadItem { key: metadata::SCORES, index, expected: "number" })
                };
                items[..n_tokens].iter().enumerate().map(score).collect::<Result<_, _>>()?
            }
        };

        let types = match metadata::array(file, metadata::TOKEN_TYPE, None)? {
            None => vec![TokenType::Normal; n_tokens],
            Some(items) => {
                check_len(metadata::TOKEN_TYPE, items.len(), n_tokens)?;
                // A negative code is not a known type either.
                items[..n_tokens].iter().map(|v| TokenType::from_gguf(v.as_u64().unwrap_or(u64::MAX))).collect()
            }
        };

        Ok(Vocab { texts, scores, types, ids })
    }

    /// The number of tokens.
    pub(super) fn len(&self) -> usize {
        self.texts.len()
    }

    /// The id of the token whose text is exactly `text`.
    pub(super) fn id(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    /// The text of token `id` as stored in the file (byte-level or `▁`-escaped, not decoded).
    pub(super) fn text(&self, id: u32) -> Option<&str> {
        self.texts.get(id as usize).map(String::as_str)
    }

    pub(super) fn score(&self, id: u32) -> f32 {
        self.scores[id as usize]
    }

    pub(super) fn token_type(&self, id: u32) -> Option<TokenType> {
        self.types.get(id as usize).copied()
    }

    /// Changes a token's type: llama.cpp corrects a few types that converters get wrong (see
    /// [`super::special_ids`]).
    pub(super) fn set_type(&mut self, id: u32, ty: TokenType) {
        self.types[id as usize] = ty;
    }
}

fn check_len(key: &'static str, found: usize, n_tokens: usize) -> Result<(), TokenizerError> {
    if found < n_tokens { Err(TokenizerError::TooShort { key, found, n_tokens }) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::{GgufWriter, Value};

    fn file(metadata: Vec<(&str, Value)>) -> GgufFile {
        let mut w = GgufWriter::new();
        for (k, v) in metadata {
            w.set(k, v);
        }
        let mut bytes = Vec::new();
        w.write_to(&mut bytes).unwrap();
        GgufFile::from_bytes(bytes).unwrap()
    }

    fn strings(items: &[&str]) -> Value {
        Value::Array(ValueType::String, items.iter().map(|s| Value::string(s)).collect())
    }

    #[test]
    fn reads_texts_scores_types_with_defaults() {
        let f = file(vec![
            (metadata::TOKENS, strings(&["<unk>", "a", "", "b"])),
            (metadata::TOKEN_TYPE, Value::Array(ValueType::I32, vec![Value::I32(2), Value::I32(1), Value::I32(9), Value::I32(-1)])),
        ]);
        let v = Vocab::from_gguf(&f).unwrap();
        assert_eq!(v.len(), 4);
        assert_eq!(v.text(2), Some("[EMPTY_2]"));
        assert_eq!(v.id("b"), Some(3));
        assert_eq!(v.id("c"), None);
        assert_eq!(v.score(1), 0.0);
        assert_eq!(v.token_type(0), Some(TokenType::Unknown));
        assert_eq!(v.token_type(2), Some(TokenType::Undefined));
        assert_eq!(v.token_type(3), Some(TokenType::Undefined));
        assert_eq!(v.token_type(4), None);
    }

    #[test]
    fn rejects_duplicates_short_arrays_and_missing_tokens() {
        let dup = file(vec![(metadata::TOKENS, strings(&["a", "b", "a"]))]);
        assert_eq!(Vocab::from_gguf(&dup).unwrap_err(), TokenizerError::DuplicateToken { text: "a".into(), first: 0, second: 2 });

        let short = file(vec![
            (metadata::TOKENS, strings(&["a", "b"])),
            (metadata::SCORES, Value::Array(ValueType::F32, vec![Value::F32(1.0)])),
        ]);
        assert_eq!(Vocab::from_gguf(&short).unwrap_err(), TokenizerError::TooShort { key: metadata::SCORES, found: 1, n_tokens: 2 });

        let none = file(vec![]);
        assert_eq!(Vocab::from_gguf(&none).unwrap_err(), TokenizerError::MissingKey { key: metadata::TOKENS });
    }
}
