//! Pre-tokenization: cutting text into "words" before byte-level BPE runs on each word.
//!
//! BPE never merges across a word boundary, so the cut decides a lot: whether " the" is one
//! token or two, whether "2024" may become one token or must stay four digits. Each model
//! family fixes its cut with one or more regular expressions (copied into llama.cpp's
//! `llm_tokenizer_bpe` constructor from the model's `tokenizer.json`). They are applied in
//! order: the first cuts the text, the second cuts each piece again, and so on. Within one
//! piece, each match is a word and so is every stretch of text between two matches; nothing
//! is dropped, so the words always join back into the input.
//!
//! Why a regex crate, and why `fancy-regex`: llama.cpp hand-writes the common patterns as
//! code-point loops (`unicode_regex_split_custom_gpt2` and friends in `unicode.cpp`), because
//! C++'s `std::regex` knows neither `\p{L}` nor lookahead. With `fancy-regex` the patterns here
//! are the very strings of llama-vocab.cpp, so a learner can check them line by line and a new
//! model family is one more line. It is needed over the plain `regex` crate for one construct:
//! `\s+(?!\S)` ("a run of whitespace, but leave its last character to the next word"), whose
//! negative lookahead `regex` does not support. `fancy-regex` runs the plain parts on the
//! `regex` engine and backtracks only where it must. Its `\s`, `\p{L}` and `\p{N}` are
//! Unicode's White_Space, Letter and Number, the classes llama.cpp's tables encode; the two
//! may differ only on characters new in a Unicode version one of them lacks.

use std::ops::Range;

use fancy_regex::Regex;

/// The pre-tokenizers this engine knows: llama.cpp's `llama_vocab_pre_type`, one variant per
/// distinct set of patterns (many `tokenizer.ggml.pre` names share one, see [`super::config`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PreTokenizer {
    /// Used when `tokenizer.ggml.pre` is missing or "default": llama.cpp's fallback, made of
    /// the GPT-2 pattern plus extra cuts around punctuation and digits.
    Default,
    /// GPT-2's pattern: contractions, letters, digits, other symbols, whitespace.
    Gpt2,
    /// StarCoder's (SmolLM uses it): every digit is its own word, then GPT-2's pattern.
    StarCoder,
    /// Llama 3 (tiktoken's cl100k): case-insensitive contractions, a letter run may take one
    /// leading non-letter (" the", "\"the"), digits in groups of up to three, newlines glued to
    /// punctuation before them.
    Llama3,
    /// Qwen2: Llama 3's pattern with single digits.
    Qwen2,
}

/// GPT-2's pattern, in the exact spelling llama.cpp uses.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

/// The contractions of Llama 3 and Qwen2 match case-insensitively (`(?i:'s|'t|...)` in
/// `tokenizer.json`); llama.cpp spells that out as `'[sS]` and so on.
const LLAMA3: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

const QWEN2: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

impl PreTokenizer {
    /// The patterns, applied in order (llama.cpp's `regex_exprs`).
    pub(super) fn patterns(self) -> &'static [&'static str] {
        match self {
            PreTokenizer::Default => &[r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", "[0-9][0-9][0-9]"],
            PreTokenizer::Gpt2 => &[GPT2],
            PreTokenizer::StarCoder => &[r"\p{N}", GPT2],
            PreTokenizer::Llama3 => &[LLAMA3],
            PreTokenizer::Qwen2 => &[QWEN2],
        }
    }
}

/// A compiled pre-tokenizer.
#[derive(Debug)]
pub(super) struct Splitter {
    regexes: Vec<Regex>,
}

impl Splitter {
    pub(super) fn new(pre: PreTokenizer) -> Splitter {
        // The patterns are constants checked by the tests, so failing to compile is a bug here.
        let regexes = pre.patterns().iter().map(|p| Regex::new(p).expect("built-in pre-tokenizer pattern compiles")).collect();
        Splitter { regexes }
    }

    /// Cuts `text` into words. The words are consecutive slices of `text`, never empty.
    pub(super) fn split<'t>(&self, text: &'t str) -> Vec<&'t str> {
        // Byte ranges of `text`; to start with, the whole text is one piece.
        let mut pieces: Vec<Range<usize>> = Vec::new();
        if !text.is_empty() {
            pieces.push(0..text.len());
        }
        for regex in &self.regexes {
            let mut next = Vec::with_capacity(pieces.len() * 2);
            for piece in pieces {
                split_piece(regex, text, piece, &mut next);
            }
            pieces = next;
        }
        pieces.into_iter().map(|r| &text[r]).collect()
    }
}

/// Cuts one piece: each match, and each stretch between matches, becomes a piece of its own.
/// The regex sees only this piece, so a lookahead at its end sees the end of the text, as in
/// llama.cpp (which runs each pattern on each piece separately too).
fn split_piece(regex: &Regex, text: &str, piece: Range<usize>, out: &mut Vec<Range<usize>>) {
    let base = piece.start;
    let mut done = 0; // how much of the piece is already in `out`, relative to `base`
    for found in regex.find_iter(&text[piece.clone()]) {
        // fancy-regex gives up (an error) only past its backtracking limit, which these
        // patterns reach only on absurd inputs; the rest of the piece then stays one word.
        let Ok(m) = found else { break };
        if m.start() > done {
            out.push(base + done..base + m.start());
        }
        if m.end() > m.start() {
            out.push(base + m.start()..base + m.end());
        }
        done = m.end();
    }
    if done < piece.len() {
        out.push(base + done..piece.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(pre: PreTokenizer, text: &str) -> Vec<&str> {
        Splitter::new(pre).split(text)
    }

    #[test]
    fn every_pattern_compiles() {
        for pre in [PreTokenizer::Default, PreTokenizer::Gpt2, PreTokenizer::StarCoder, PreTokenizer::Llama3, PreTokenizer::Qwen2] {
            Splitter::new(pre);
        }
    }

    #[test]
    fn gpt2_words() {
        assert_eq!(split(PreTokenizer::Gpt2, "Hello world!"), ["Hello", " world", "!"]);
        // Contractions are case-sensitive in GPT-2: "'T" is punctuation then a letter.
        assert_eq!(split(PreTokenizer::Gpt2, "don't DON'T"), ["don", "'t", " DON", "'", "T"]);
        assert_eq!(split(PreTokenizer::Gpt2, "in 2024"), ["in", " 2024"]);
    }

    #[test]
    fn whitespace_before_a_word_leaves_one_space_to_it() {
        // `\s+(?!\S)` stops one short of the word, so the word keeps its space.
        assert_eq!(split(PreTokenizer::Gpt2, "a   b"), ["a", "  ", " b"]);
        // At the end of the text there is nothing to leave the space to.
        assert_eq!(split(PreTokenizer::Gpt2, "a  "), ["a", "  "]);
        // A lone newline before a word matches no alternative and becomes a word of its own.
        assert_eq!(split(PreTokenizer::Gpt2, "a\nb"), ["a", "\n", "b"]);
        assert_eq!(split(PreTokenizer::Gpt2, "a\n\n\tb"), ["a", "\n\n", "\t", "b"]);
    }

    #[test]
    fn starcoder_splits_every_digit_first() {
        // The first pattern isolates each digit, so GPT-2's " ?\p{N}+" never sees " 12".
        assert_eq!(split(PreTokenizer::StarCoder, "x 123"), ["x", " ", "1", "2", "3"]);
        assert_eq!(split(PreTokenizer::StarCoder, "v1.5"), ["v", "1", ".", "5"]);
    }

    #[test]
    fn llama3_and_qwen2_words() {
        assert_eq!(split(PreTokenizer::Llama3, "DON'T stop"), ["DON", "'T", " stop"]);
        assert_eq!(split(PreTokenizer::Llama3, "1234567"), ["123", "456", "7"]);
        assert_eq!(split(PreTokenizer::Qwen2, "1234"), ["1", "2", "3", "4"]);
        assert_eq!(split(PreTokenizer::Llama3, "\"quoted\""), ["\"quoted", "\""]);
        assert_eq!(split(PreTokenizer::Llama3, "end.\n\nNext"), ["end", ".\n\n", "Next"]);
        assert_eq!(split(PreTokenizer::Llama3, "a \n b"), ["a", " \n", " b"]);
    }

    #[test]
    fn default_cuts_punctuation_and_digit_triples() {
        assert_eq!(split(PreTokenizer::Default, "a+b=12345"), ["a", "+", "b", "=", "123", "45"]);
    }

    #[test]
    fn pieces_join_back_into_the_text() {
        let text = "It's 3.14159 — ünïcödé 🦙\n\n\t x  ";
        for pre in [PreTokenizer::Default, PreTokenizer::Gpt2, PreTokenizer::StarCoder, PreTokenizer::Llama3, PreTokenizer::Qwen2] {
            let words = split(pre, text);
            assert!(words.iter().all(|w| !w.is_empty()), "{pre:?}");
            assert_eq!(words.concat(), text, "{pre:?}");
        }
        assert!(split(PreTokenizer::Gpt2, "").is_empty());
    }
}
