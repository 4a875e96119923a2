//! Which tokenizer a model uses, and its settings: `tokenizer.ggml.model`, `tokenizer.ggml.pre`
//! and the flags that say what [`super::Tokenizer::encode`] adds around the text.
//!
//! `tokenizer.ggml.model` names the algorithm: "llama" is SentencePiece ([`super::spm`]),
//! "gpt2" is byte-level BPE ([`super::bpe`]). For BPE, `tokenizer.ggml.pre` names the model
//! family whose pre-tokenizer to use; llama.cpp's `llama_vocab::impl::load` maps each known
//! name to a pattern set and sometimes to different defaults (Llama 3 adds a BOS token). The
//! table below is that mapping for the names whose behaviour this engine reproduces fully.

use super::pre_tokenize::PreTokenizer;
use super::{TokenizerError, metadata};
use crate::gguf::GgufFile;

/// The algorithm and its algorithm-specific setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Algorithm {
    Spm,
    Bpe { pre: PreTokenizer, ignore_merges: bool },
}

/// Everything [`super::Tokenizer::from_gguf`] needs to know besides the token table.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Config {
    pub(super) algorithm: Algorithm,
    /// `encode(.., add_special = true)` puts BOS in front / EOS at the end.
    pub(super) add_bos: bool,
    pub(super) add_eos: bool,
    /// SentencePiece: put a space in front of the text (and after each special token).
    pub(super) add_space_prefix: bool,
    /// The special token ids llama.cpp assumes when the file names none (it has always done
    /// so for the original Llama: `<unk>` 0, `<s>` 1, `</s>` 2).
    pub(super) default_bos: Option<u32>,
    pub(super) default_eos: Option<u32>,
    pub(super) default_unk: Option<u32>,
}

/// The supported values of `tokenizer.ggml.model`.
const MODELS: &[&str] = &["llama", "gpt2"];

/// One `tokenizer.ggml.pre` value: its patterns, whether a whole-word token skips the merges,
/// and whether a BOS token is added by default.
struct PreName {
    name: &'static str,
    pre: PreTokenizer,
    ignore_merges: bool,
    add_bos: bool,
}

const fn pre(name: &'static str, pre: PreTokenizer) -> PreName {
    PreName { name, pre, ignore_merges: false, add_bos: false }
}

/// Llama 3's group: whole-word tokens first, and a BOS token.
const fn llama3(name: &'static str) -> PreName {
    PreName { name, pre: PreTokenizer::Llama3, ignore_merges: true, add_bos: true }
}

const PRE_NAMES: &[PreName] = &[
    pre("default", PreTokenizer::Default),
    // GPT-2's pattern alone.
    pre("gpt-2", PreTokenizer::Gpt2),
    pre("phi-2", PreTokenizer::Gpt2),
    pre("mpt", PreTokenizer::Gpt2),
    pre("olmo", PreTokenizer::Gpt2),
    pre("jais", PreTokenizer::Gpt2),
    pre("exaone4", PreTokenizer::Gpt2),
    // Single digits, then GPT-2's pattern.
    pre("smollm", PreTokenizer::StarCoder),
    pre("starcoder", PreTokenizer::StarCoder),
    pre("refact", PreTokenizer::StarCoder),
    pre("command-r", PreTokenizer::StarCoder),
    pre("codeshell", PreTokenizer::StarCoder),
    pre("exaone", PreTokenizer::StarCoder),
    pre("minerva-7b", PreTokenizer::StarCoder),
    // Llama 3's pattern.
    llama3("llama3"),
    llama3("llama-v3"),
    llama3("llama-bpe"),
    llama3("falcon3"),
    llama3("falcon-h1"),
    llama3("pixtral"),
    llama3("midm-2.0"),
    llama3("lfm2"),
    pre("dbrx", PreTokenizer::Llama3),
    pre("smaug-bpe", PreTokenizer::Llama3),
    // Qwen2's pattern.
    pre("qwen2", PreTokenizer::Qwen2),
    pre("deepseek-r1-qwen", PreTokenizer::Qwen2),
    pre("stablelm2", PreTokenizer::Qwen2),
    pre("megrez", PreTokenizer::Qwen2),
];

impl Config {
    pub(super) fn from_gguf(file: &GgufFile) -> Result<Config, TokenizerError> {
        let model = metadata::string(file, metadata::MODEL)?.ok_or(TokenizerError::MissingKey { key: metadata::MODEL })?;
        let mut config = match model {
            "llama" => Config {
                algorithm: Algorithm::Spm,
                add_bos: true,
                add_eos: false,
                add_space_prefix: true,
                default_bos: Some(1),
                default_eos: Some(2),
                default_unk: Some(0),
            },
            "gpt2" => {
                // A missing pre-tokenizer makes llama.cpp warn loudly and use "default".
                let name = metadata::string(file, metadata::PRE)?.unwrap_or("default");
                let Some(entry) = PRE_NAMES.iter().find(|p| p.name == name) else {
                    let supported = PRE_NAMES.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
                    return Err(TokenizerError::UnsupportedPre { found: name.to_owned(), supported });
                };
                Config {
                    algorithm: Algorithm::Bpe { pre: entry.pre, ignore_merges: entry.ignore_merges },
                    add_bos: entry.add_bos,
                    add_eos: false,
                    add_space_prefix: false,
                    // Token 11 is what llama.cpp assumes for BPE models, whatever it is.
                    default_bos: Some(11),
                    default_eos: Some(11),
                    default_unk: None,
                }
            }
            other => {
                return Err(TokenizerError::UnsupportedModel { found: other.to_owned(), supported: MODELS.join(", ") });
            }
        };
        // The file has the last word on each flag.
        if let Some(v) = metadata::bool(file, metadata::ADD_BOS)? {
            config.add_bos = v;
        }
        if let Some(v) = metadata::bool(file, metadata::ADD_EOS)? {
            config.add_eos = v;
        }
        if let Some(v) = metadata::bool(file, metadata::ADD_SPACE_PREFIX)? {
            config.add_space_prefix = v;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::{GgufWriter, Value};

    fn config(metadata: &[(&str, Value)]) -> Result<Config, TokenizerError> {
        let mut w = GgufWriter::new();
        for (k, v) in metadata {
            w.set(k, v.clone());
        }
        let mut bytes = Vec::new();
        w.write_to(&mut bytes).unwrap();
        Config::from_gguf(&GgufFile::from_bytes(bytes).unwrap())
    }

    #[test]
    fn names_map_to_algorithms_and_defaults() {
        let c = config(&[(metadata::MODEL, Value::string("gpt2")), (metadata::PRE, Value::string("llama-bpe"))]).unwrap();
        assert_eq!(c.algorithm, Algorithm::Bpe { pre: PreTokenizer::Llama3, ignore_merges: true });
        assert!(c.add_bos);
        let c = config(&[(metadata::MODEL, Value::string("gpt2"))]).unwrap();
        assert_eq!(c.algorithm, Algorithm::Bpe { pre: PreTokenizer::Default, ignore_merges: false });
        let c = config(&[(metadata::MODEL, Value::string("llama")), (metadata::ADD_SPACE_PREFIX, Value::Bool(false))]).unwrap();
        assert_eq!(c.algorithm, Algorithm::Spm);
        assert!(c.add_bos && !c.add_space_prefix);
    }

    #[test]
    fn unsupported_names_are_named_with_the_alternatives() {
        let e = config(&[(metadata::MODEL, Value::string("t5"))]).unwrap_err();
        assert_eq!(e.to_string(), "tokenizer.ggml.model is 't5', which this engine does not support (supported: llama, gpt2)");
        let e = config(&[(metadata::MODEL, Value::string("gpt2")), (metadata::PRE, Value::string("tekken"))]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("tokenizer.ggml.pre is 'tekken'"), "{msg}");
        assert!(msg.contains("smollm") && msg.contains("qwen2") && msg.contains("llama-bpe") && msg.contains("gpt-2"), "{msg}");
        let e = config(&[(metadata::MODEL, Value::U32(1))]).unwrap_err();
        assert_eq!(e.to_string(), "'tokenizer.ggml.model' should be a UTF-8 string, but it is u32");
    }
}
