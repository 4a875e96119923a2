//! Cutting special tokens out of the text before tokenizing it (llama.cpp's
//! `tokenizer_st_partition`).
//!
//! A chat prompt like `<|im_start|>user\nHi<|im_end|>` must become the single control tokens
//! `<|im_start|>` and `<|im_end|>` around ordinary text: BPE would spell `<|im_start|>` as
//! seven pieces of punctuation and letters. So before the real tokenizer runs, the text is cut
//! into fragments, each either a run of raw text or one special token.
//!
//! Which tokens are looked for:
//! - user-defined tokens: always (tokens the model's authors added and want matched whole);
//! - control and unknown tokens: only when the caller asks to parse special tokens. Otherwise
//!   `<|im_end|>` in the text is just text, which is what you want for untrusted input.
//!
//! In which order: llama.cpp takes the special tokens longest text first and, for each one in
//! turn, cuts every occurrence out of the raw fragments that remain. So when two special
//! tokens overlap in the text, the longer wins, wherever it starts. (llama.cpp sorts with an
//! unstable sort, leaving tokens of equal length in no fixed order; we break ties by id.)

use super::vocab::{TokenType, Vocab};

/// A piece of the input: raw text still to be tokenized, or a special token already found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fragment<'t> {
    Text(&'t str),
    Token(u32),
}

/// The tokens that can be cut out of text: control, user-defined and unknown tokens, longest
/// text first.
pub(super) fn special_tokens(vocab: &Vocab) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..vocab.len() as u32)
        .filter(|&id| matches!(vocab.token_type(id), Some(TokenType::Control | TokenType::UserDefined | TokenType::Unknown)))
        .collect();
    // Stable: equal lengths stay in id order.
    ids.sort_by_key(|&id| std::cmp::Reverse(vocab.text(id).map_or(0, str::len)));
    ids
}

/// Cuts `text` into fragments. `specials` is [`special_tokens`]'s list.
pub(super) fn partition<'t>(text: &'t str, vocab: &Vocab, specials: &[u32], parse_special: bool) -> Vec<Fragment<'t>> {
    let mut fragments = if text.is_empty() { vec![] } else { vec![Fragment::Text(text)] };
    for &id in specials {
        let ty = vocab.token_type(id);
        if !parse_special && matches!(ty, Some(TokenType::Control | TokenType::Unknown)) {
            continue;
        }
        let Some(special) = vocab.text(id) else { continue };
        // Cheap early exit: most special tokens appear nowhere in the text.
        if !fragments.iter().any(|f| matches!(f, Fragment::Text(t) if t.contains(special))) {
            continue;
        }
        let mut cut = Vec::with_capacity(fragments.len() + 2);
        for fragment in fragments {
            match fragment {
                Fragment::Text(raw) => cut_out(raw, special, id, &mut cut),
                token => cut.push(token),
            }
        }
        fragments = cut;
    }
    fragments
}

/// Splits `raw` at every occurrence of `special` (left to right, not overlapping).
fn cut_out<'t>(raw: &'t str, special: &str, id: u32, out: &mut Vec<Fragment<'t>>) {
    let mut rest_start = 0;
    for (at, _) in raw.match_indices(special) {
        if at > rest_start {
            out.push(Fragment::Text(&raw[rest_start..at]));
        }
        out.push(Fragment::Token(id));
        rest_start = at + special.len();
    }
    if rest_start < raw.len() {
        out.push(Fragment::Text(&raw[rest_start..]));
    }
}

#[cfg(test)]
mod tests {
    use super::Fragment::{Text, Token};
    use super::*;
    use crate::gguf::{GgufFile, GgufWriter, Value, ValueType};

    /// Tokens: 0 "<a>" control, 1 "<ab>" control, 2 "b>x" user-defined, 3 "x" normal, 4 "<unk>" unknown.
    fn vocab() -> Vocab {
        let texts = ["<a>", "<ab>", "b>x", "x", "<unk>"];
        let types = [3, 3, 4, 1, 2];
        let mut w = GgufWriter::new();
        w.set("tokenizer.ggml.tokens", Value::Array(ValueType::String, texts.iter().map(|s| Value::string(s)).collect()));
        w.set("tokenizer.ggml.token_type", Value::Array(ValueType::I32, types.iter().map(|&t| Value::I32(t)).collect()));
        let mut bytes = Vec::new();
        w.write_to(&mut bytes).unwrap();
        Vocab::from_gguf(&GgufFile::from_bytes(bytes).unwrap()).unwrap()
    }

    fn cut(text: &str, parse_special: bool) -> Vec<Fragment<'_>> {
        let v = vocab();
        let specials = special_tokens(&v);
        partition(text, &v, &specials, parse_special)
    }

    #[test]
    fn longest_special_tokens_come_first() {
        // Length 5, then the 4s, then 3s by id; the normal token "x" is no special token.
        assert_eq!(special_tokens(&vocab()), [4, 1, 0, 2]);
    }

    #[test]
    fn cuts_special_tokens_out_of_text() {
        assert_eq!(cut("hi<a>there<a>", true), [Text("hi"), Token(0), Text("there"), Token(0)]);
        assert_eq!(cut("<a><a>", true), [Token(0), Token(0)]);
        assert_eq!(cut("", true), []);
        assert_eq!(cut("plain", true), [Text("plain")]);
    }

    #[test]
    fn the_longer_token_wins_an_overlap_even_when_it_starts_later() {
        // "<ab>x": "<ab>" (4 bytes) is cut first, although "b>x" (user-defined, 3 bytes)
        // would also match; what is left, "x", is plain text.
        assert_eq!(cut("<ab>x", true), [Token(1), Text("x")]);
        // Without parsing special tokens "<ab>" is text, so the user-defined "b>x" is found.
        assert_eq!(cut("<ab>x", false), [Text("<a"), Token(2)]);
    }

    #[test]
    fn control_and_unknown_tokens_are_text_unless_parsing_special() {
        assert_eq!(cut("a<a><unk>", false), [Text("a<a><unk>")]);
        assert_eq!(cut("a<a><unk>", true), [Text("a"), Token(0), Token(4)]);
    }
}
