//! Tokenizers: text → token ids → text, as llama.cpp's `llama-vocab.cpp` does it.
//!
//! A model reads and writes token ids, not text. Everything needed to convert is in the GGUF
//! metadata under `tokenizer.ggml.*`: the vocabulary, the algorithm, its merge rules or
//! scores, and which tokens are special. [`Tokenizer::from_gguf`] reads it once.
//!
//! [`Tokenizer::encode`] works in three steps (each file is under `tokenizer/`):
//!
//! 1. `special.rs`: cut special tokens such as `<|im_start|>` out of the text, so that they
//!    become one token each instead of being spelled out;
//! 2. tokenize each remaining run of text with the model's algorithm:
//!    - byte-level BPE (`bpe.rs`; GPT-2, Llama 3, Qwen2, SmolLM...): cut the text into words
//!      with the model's regexes (`pre_tokenize.rs`), write each word's bytes in GPT-2's byte
//!      alphabet (`byte_map.rs`), then apply the merge rules in order of rank;
//!    - SentencePiece (`spm.rs`; Llama 2, Mistral, Gemma...): spaces become `▁`, then merge
//!      the adjacent pair that makes the highest-scoring token, with `<0xXX>` tokens for bytes
//!      the vocabulary lacks;
//! 3. put BOS in front and EOS at the end if the model asks for them.
//!
//! [`Tokenizer::decode`] and [`Tokenizer::token_to_piece`] undo the spelling (`decode.rs`).
//!
//! The other files: `config.rs` maps `tokenizer.ggml.model` / `tokenizer.ggml.pre` to an
//! algorithm and its defaults, `vocab.rs` holds the token table, `special_ids.rs` finds BOS,
//! EOS, end-of-turn and the end-of-generation set, `metadata.rs` reads typed keys, `error.rs`
//! says what can go wrong.

mod bpe;
mod byte_map;
mod config;
mod decode;
mod error;
mod metadata;
mod pre_tokenize;
mod special;
mod special_ids;
mod spm;
mod vocab;

use std::fmt;

pub use error::TokenizerError;

use crate::gguf::GgufFile;
use bpe::{Bpe, Merges};
use config::{Algorithm, Config};
use special::Fragment;
use special_ids::SpecialIds;
use vocab::Vocab;

/// A model's tokenizer. Cheap to share: encoding and decoding take `&self`.
pub struct Tokenizer {
    vocab: Vocab,
    config: Config,
    ids: SpecialIds,
    /// The tokens [`special::partition`] looks for, longest first.
    specials: Vec<u32>,
    /// The BPE merge rules and pre-tokenizer (`None` for SentencePiece).
    bpe: Option<Bpe>,
}

impl Tokenizer {
    /// Reads the tokenizer from a model's metadata.
    ///
    /// Fails when a required key is missing or has the wrong type, and when the model's
    /// `tokenizer.ggml.model` or `tokenizer.ggml.pre` is one this engine does not implement;
    /// the error then lists the supported values.
    pub fn from_gguf(file: &GgufFile) -> Result<Tokenizer, TokenizerError> {
        let config = Config::from_gguf(file)?;
        let mut vocab = Vocab::from_gguf(file)?;
        // Guessing special roles may correct token types, so it comes before anything that
        // depends on the types (the list of special tokens).
        let ids = SpecialIds::from_gguf(file, &mut vocab, &config)?;
        let specials = special::special_tokens(&vocab);
        let bpe = match config.algorithm {
            Algorithm::Spm => None,
            Algorithm::Bpe { pre, ignore_merges } => Some(Bpe::new(Merges::from_gguf(file, &vocab)?, pre, ignore_merges)),
        };
        Ok(Tokenizer { vocab, config, ids, specials, bpe })
    }

    /// Text → token ids (llama.cpp's `llama_tokenize`).
    ///
    /// - `add_special`: add BOS and/or EOS as the model's `add_bos_token` / `add_eos_token`
    ///   flags say (SmolLM2 adds neither; Llama 2 and 3 add BOS).
    /// - `parse_special`: turn the text of control tokens (`<|im_start|>`) into those tokens.
    ///   Leave it off for text from users, so they cannot forge a chat turn. User-defined
    ///   tokens are matched either way.
    pub fn encode(&self, text: &str, add_special: bool, parse_special: bool) -> Vec<u32> {
        let mut out = Vec::new();
        if add_special && self.config.add_bos {
            out.extend(self.ids.bos);
        }

        let fragments = special::partition(text, &self.vocab, &self.specials, parse_special);
        match &self.bpe {
            Some(bpe) => {
                for fragment in fragments {
                    match fragment {
                        Fragment::Text(text) => bpe.encode(&self.vocab, text, &mut out),
                        Fragment::Token(id) => out.push(id),
                    }
                }
            }
            None => {
                // SentencePiece puts a space in front of the text, and in front of the text
                // after each special token: llama.cpp starts each run of text afresh there.
                let mut after_special = true;
                for fragment in fragments {
                    match fragment {
                        Fragment::Text(text) if self.config.add_space_prefix && after_special => {
                            spm::encode(&self.vocab, &format!(" {text}"), self.ids.unk, &mut out);
                        }
                        Fragment::Text(text) => spm::encode(&self.vocab, text, self.ids.unk, &mut out),
                        Fragment::Token(id) => out.push(id),
                    }
                    after_special = matches!(fragment, Fragment::Token(_));
                }
            }
        }

        if add_special && self.config.add_eos {
            out.extend(self.ids.eos);
        }
        out
    }

    /// Token ids → bytes, the inverse of [`Tokenizer::encode`]: `decode(encode(s, false,
    /// false)) == s` for every string the vocabulary can spell. SentencePiece vocabularies and
    /// most byte-level ones can spell every byte; SmolLM2's lacks 21 of the 256 byte tokens
    /// (0x04, 0xF5..0xFF, ...), and encoding drops those bytes, as llama.cpp does.
    ///
    /// Special tokens are rendered as their text (so a chat transcript decodes to what was
    /// encoded). For SentencePiece with `add_space_prefix`, the space that encoding put in front
    /// is taken off the first token, as llama.cpp's `llama_detokenize` does. Unlike
    /// `llama_detokenize`, no other clean-up is done (llama.cpp's `clean_spaces` removes the
    /// space before "." or "'s" for some BPE models, which loses information).
    /// Ids outside the vocabulary decode to nothing.
    pub fn decode(&self, ids: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &id) in ids.iter().enumerate() {
            self.append_piece(id, true, &mut out);
            if i == 0 && self.config.algorithm == Algorithm::Spm && self.config.add_space_prefix && out.first() == Some(&b' ') {
                out.remove(0);
            }
        }
        out
    }

    /// [`Tokenizer::decode`] as a `String`, invalid UTF-8 replaced by U+FFFD.
    pub fn decode_lossy(&self, ids: &[u32]) -> String {
        String::from_utf8_lossy(&self.decode(ids)).into_owned()
    }

    /// The bytes of one token, for printing tokens as they are generated. May be part of a
    /// UTF-8 character: buffer the bytes until they form whole characters before printing.
    /// Control tokens (`<|im_end|>`) give their text if `render_special`, else nothing.
    pub fn token_to_piece(&self, id: u32, render_special: bool) -> Vec<u8> {
        let mut out = Vec::new();
        self.append_piece(id, render_special, &mut out);
        out
    }

    fn append_piece(&self, id: u32, render_special: bool, out: &mut Vec<u8>) {
        decode::append_piece(&self.vocab, self.config.algorithm, id, render_special, out);
    }

    /// The beginning-of-sequence token.
    /// Whether the model wants a BOS token at the start of a text (`add_bos_token`).
    pub fn add_bos(&self) -> bool {
        self.config.add_bos
    }

    pub fn bos(&self) -> Option<u32> {
        self.ids.bos
    }

    /// The end-of-sequence token.
    pub fn eos(&self) -> Option<u32> {
        self.ids.eos
    }

    /// The end-of-turn token of chat models (named in the file, or guessed from token texts
    /// such as `<|im_end|>` or `<|eot_id|>`).
    pub fn eot(&self) -> Option<u32> {
        self.ids.eot
    }

    /// Whether generation should stop at `id`: EOS, EOT, and every token llama.cpp treats as
    /// end-of-generation (for SmolLM2: `<|endoftext|>`, `<|im_end|>` and `<reponame>`).
    pub fn is_eog(&self, id: u32) -> bool {
        self.ids.eog.contains(&id)
    }

    /// The number of tokens in the vocabulary.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// The text of a token as stored in the vocabulary: `Ġthe` rather than " the" for
    /// byte-level BPE. Use [`Tokenizer::token_to_piece`] for what it stands for.
    pub fn token_text(&self, id: u32) -> Option<&str> {
        self.vocab.text(id)
    }
}

impl fmt::Debug for Tokenizer {
    /// A summary: the vocabulary itself is too long to print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer")
            .field("algorithm", &self.config.algorithm)
            .field("vocab_size", &self.vocab.len())
            .field("bos", &self.ids.bos)
            .field("eos", &self.ids.eos)
            .field("eot", &self.ids.eot)
            .field("eog", &self.ids.eog)
            .field("add_bos", &self.config.add_bos)
            .field("add_eos", &self.config.add_eos)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tokenizer_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tokenizer>();
    }
}
