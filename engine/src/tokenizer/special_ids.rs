//! The roles of special tokens: which token is BOS, EOS, end-of-turn..., and which tokens end
//! generation (llama.cpp's `special_*_id` fields and `special_eog_ids`).
//!
//! The file names some roles (`tokenizer.ggml.bos_token_id` and so on). The rest llama.cpp
//! guesses from token texts, because converters have long left them out: a token spelled
//! `<|im_end|>` or `<|eot_id|>` ends a turn, `<|fim_prefix|>` starts fill-in-the-middle, etc.
//! That guessing matters for generation: [`SpecialIds::eog`], the set of tokens at which a
//! generation loop stops, is mostly made of such guesses. It also corrects token types: a
//! token that ends generation is made a control token even if the file says it is normal.
//!
//! One deliberate difference: when several tokens fit one role (SmolLM has both `<|im_end|>`
//! and `<|endoftext|>` for "end of turn"), llama.cpp keeps the first it meets while walking a
//! hash map, an order that is not specified. We take the lowest id, which reproduces what
//! llama.cpp b11312 prints for the default model (EOT = 0, `<|endoftext|>`).

use std::collections::BTreeSet;

use super::config::Config;
use super::vocab::{TokenType, Vocab};
use super::{TokenizerError, metadata};
use crate::gguf::GgufFile;

/// Special token ids by role. `None`: the model has no such token.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct SpecialIds {
    pub(super) bos: Option<u32>,
    pub(super) eos: Option<u32>,
    /// End of turn (chat models).
    pub(super) eot: Option<u32>,
    /// End of message (Llama 3.1 tool calls: `<|eom_id|>`).
    pub(super) eom: Option<u32>,
    pub(super) unk: Option<u32>,
    pub(super) pad: Option<u32>,
    pub(super) fim_pre: Option<u32>,
    pub(super) fim_suf: Option<u32>,
    pub(super) fim_mid: Option<u32>,
    pub(super) fim_pad: Option<u32>,
    pub(super) fim_rep: Option<u32>,
    pub(super) fim_sep: Option<u32>,
    /// Every token at which generation ends.
    pub(super) eog: BTreeSet<u32>,
}

/// Texts that mark a token as end-of-turn when the file names none (llama.cpp's list).
const EOT_TEXTS: &[&str] = &[
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
    "<｜end▁of▁sentence｜>", "<end_of_utterance>",
];
const EOM_TEXTS: &[&str] = &["<|eom_id|>"];
const FIM_PRE_TEXTS: &[&str] =
    &["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"];
const FIM_SUF_TEXTS: &[&str] =
    &["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"];
const FIM_MID_TEXTS: &[&str] =
    &["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"];
const FIM_PAD_TEXTS: &[&str] = &["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
const FIM_REP_TEXTS: &[&str] = &["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
const FIM_SEP_TEXTS: &[&str] = &["<|file_sep|>"];

/// Texts of tokens that end generation, whatever their role (llama.cpp's list).
const EOG_TEXTS: &[&str] = &[
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>",
    "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
    "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
];

impl SpecialIds {
    /// Reads the roles from `file`, guesses the missing ones, and fixes token types in `vocab`
    /// as llama.cpp does.
    pub(super) fn from_gguf(file: &GgufFile, vocab: &mut Vocab, config: &Config) -> Result<SpecialIds, TokenizerError> {
        let n = vocab.len() as u64;
        // A default that does not exist in this vocabulary is no default.
        let in_range = |id: Option<u32>| id.filter(|&id| u64::from(id) < n);
        let mut ids = SpecialIds {
            bos: in_range(config.default_bos),
            eos: in_range(config.default_eos),
            unk: in_range(config.default_unk),
            ..SpecialIds::default()
        };

        // The file's ids win; an id past the end of the vocabulary is ignored (llama.cpp warns).
        let read = |key: &'static str| -> Result<Option<u32>, TokenizerError> {
            Ok(metadata::token_id(file, key)?.filter(|&id| id < n).map(|id| id as u32))
        };
        ids.bos = read("tokenizer.ggml.bos_token_id")?.or(ids.bos);
        ids.eos = read("tokenizer.ggml.eos_token_id")?.or(ids.eos);
        ids.eot = read("tokenizer.ggml.eot_token_id")?;
        ids.eom = read("tokenizer.ggml.eom_token_id")?;
        ids.unk = read("tokenizer.ggml.unknown_token_id")?.or(ids.unk);
        ids.pad = read("tokenizer.ggml.padding_token_id")?;
        ids.fim_pre = read("tokenizer.ggml.fim_pre_token_id")?;
        ids.fim_suf = read("tokenizer.ggml.fim_suf_token_id")?;
        ids.fim_mid = read("tokenizer.ggml.fim_mid_token_id")?;
        ids.fim_pad = read("tokenizer.ggml.fim_pad_token_id")?;
        ids.fim_rep = read("tokenizer.ggml.fim_rep_token_id")?;
        ids.fim_sep = read("tokenizer.ggml.fim_sep_token_id")?;
        // Older names of the first three FIM keys, read last as llama.cpp does.
        ids.fim_pre = read("tokenizer.ggml.prefix_token_id")?.or(ids.fim_pre);
        ids.fim_suf = read("tokenizer.ggml.suffix_token_id")?.or(ids.fim_suf);
        ids.fim_mid = read("tokenizer.ggml.middle_token_id")?.or(ids.fim_mid);

        // Guess the roles the file left out, from the token texts.
        let guesses: [(&[&str], &mut Option<u32>); 8] = [
            (EOT_TEXTS, &mut ids.eot),
            (EOM_TEXTS, &mut ids.eom),
            (FIM_PRE_TEXTS, &mut ids.fim_pre),
            (FIM_SUF_TEXTS, &mut ids.fim_suf),
            (FIM_MID_TEXTS, &mut ids.fim_mid),
            (FIM_PAD_TEXTS, &mut ids.fim_pad),
            (FIM_REP_TEXTS, &mut ids.fim_rep),
            (FIM_SEP_TEXTS, &mut ids.fim_sep),
        ];
        for (texts, slot) in guesses {
            if slot.is_none() {
                *slot = texts.iter().filter_map(|t| vocab.id(t)).min();
                // A token guessed for a role is a control token, whatever the file said.
                if let Some(id) = *slot {
                    make_control(vocab, id);
                }
            }
        }

        // gpt-oss: llama.cpp always shows these, so it makes them user-defined.
        for text in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
            if let Some(id) = vocab.id(text) {
                vocab.set_type(id, TokenType::UserDefined);
            }
        }

        ids.eog = ids.end_of_generation(vocab);
        Ok(ids)
    }

    /// The end-of-generation set: the fill-in-the-middle tokens that end an infill (pad,
    /// repo, file separator), every token spelled like an end marker, and EOS, EOT, EOM.
    fn end_of_generation(&self, vocab: &mut Vocab) -> BTreeSet<u32> {
        let mut eog: BTreeSet<u32> = [self.fim_pad, self.fim_rep, self.fim_sep].into_iter().flatten().collect();
        for text in EOG_TEXTS {
            if let Some(id) = vocab.id(text) {
                eog.insert(id);
                make_control(vocab, id);
            }
        }
        eog.extend([self.eos, self.eot, self.eom].into_iter().flatten());

        // Two model families have an end marker that is not one for them: gpt-oss and
        // solar-open use "<|end|>" between messages, and Gemma 4 / PLaMo 2 use "</s>" as text.
        let has = |text: &str| vocab.id(text).is_some_and(|id| eog.contains(&id));
        let end_is_no_end = (has("<|return|>") && has("<|call|>")) || (has("<|calls|>") && has("<|flush|>"));
        let s_is_no_end = has("<|tool_response>") || has("<|plamo:eos|>");
        if end_is_no_end
            && let Some(end) = vocab.id("<|end|>").filter(|id| eog.contains(id))
        {
            eog.remove(&end);
            vocab.set_type(end, TokenType::UserDefined);
        }
        if s_is_no_end
            && let Some(s) = vocab.id("</s>").filter(|id| eog.contains(id))
        {
            eog.remove(&s);
            vocab.set_type(s, TokenType::Normal);
        }
        eog
    }
}

fn make_control(vocab: &mut Vocab, id: u32) {
    if vocab.token_type(id) != Some(TokenType::Control) {
        vocab.set_type(id, TokenType::Control);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::{GgufWriter, Value, ValueType};

    /// A BPE vocabulary of `texts` (all normal tokens unless `control` lists them), with
    /// extra metadata; returns the roles and the vocabulary after llama.cpp's corrections.
    fn roles(texts: &[&str], control: &[u32], extra: &[(&str, Value)]) -> (SpecialIds, Vocab) {
        let mut w = GgufWriter::new();
        w.set(metadata::MODEL, Value::string("gpt2"));
        w.set(metadata::TOKENS, Value::Array(ValueType::String, texts.iter().map(|t| Value::string(t)).collect()));
        let types = (0..texts.len() as u32).map(|i| Value::I32(if control.contains(&i) { 3 } else { 1 })).collect();
        w.set(metadata::TOKEN_TYPE, Value::Array(ValueType::I32, types));
        for (k, v) in extra {
            w.set(k, v.clone());
        }
        let mut bytes = Vec::new();
        w.write_to(&mut bytes).unwrap();
        let file = GgufFile::from_bytes(bytes).unwrap();
        let config = Config::from_gguf(&file).unwrap();
        let mut vocab = Vocab::from_gguf(&file).unwrap();
        let ids = SpecialIds::from_gguf(&file, &mut vocab, &config).unwrap();
        (ids, vocab)
    }

    #[test]
    fn end_of_turn_is_guessed_from_texts_lowest_id_first() {
        let (ids, vocab) = roles(&["a", "<|im_end|>", "<|endoftext|>"], &[1], &[]);
        assert_eq!(ids.eot, Some(1));
        // Both spellings end generation; the normal "<|endoftext|>" became a control token.
        assert_eq!(ids.eog, BTreeSet::from([1, 2]));
        assert_eq!(vocab.token_type(2), Some(TokenType::Control));
        assert_eq!(vocab.token_type(0), Some(TokenType::Normal));
        // BPE's default BOS/EOS is token 11, which this vocabulary does not have.
        assert_eq!((ids.bos, ids.eos, ids.unk), (None, None, None));
    }

    #[test]
    fn ids_in_the_file_win_over_guesses_and_defaults() {
        let extra = [
            ("tokenizer.ggml.eot_token_id", Value::U32(0)),
            ("tokenizer.ggml.eos_token_id", Value::U32(3)),
            ("tokenizer.ggml.bos_token_id", Value::U32(99)), // out of range: ignored
        ];
        let (ids, _) = roles(&["<end>", "<|im_end|>", "x", "</eos>"], &[], &extra);
        assert_eq!((ids.bos, ids.eos, ids.eot), (None, Some(3), Some(0)));
        // EOS and EOT end generation whatever their text; "<|im_end|>" by its text.
        assert_eq!(ids.eog, BTreeSet::from([0, 1, 3]));
    }

    #[test]
    fn fill_in_the_middle_separators_end_generation() {
        // SmolLM2 has "<reponame>": llama.cpp takes it as FIM "repository" token, an EOG.
        let (ids, _) = roles(&["<|endoftext|>", "<reponame>", "<file_sep>", "<|fim_prefix|>"], &[0, 1, 2], &[]);
        assert_eq!((ids.fim_rep, ids.fim_sep, ids.fim_pre), (Some(1), None, Some(3)));
        assert_eq!(ids.eog, BTreeSet::from([0, 1]));
    }

    #[test]
    fn gpt_oss_end_is_no_end_of_generation() {
        let texts = ["<|return|>", "<|call|>", "<|end|>", "<|channel|>"];
        let (ids, vocab) = roles(&texts, &[0, 1, 2, 3], &[]);
        assert_eq!(ids.eog, BTreeSet::from([0, 1]));
        assert_eq!(vocab.token_type(2), Some(TokenType::UserDefined));
        assert_eq!(vocab.token_type(3), Some(TokenType::UserDefined));
        // Without "<|call|>", "<|end|>" ends generation as usual.
        let (ids, _) = roles(&["<|return|>", "<|end|>"], &[0, 1], &[]);
        assert_eq!(ids.eog, BTreeSet::from([0, 1]));
    }
}
