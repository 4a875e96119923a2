//! SentencePiece BPE (`tokenizer.ggml.model = "llama"`), as llama.cpp's `llm_tokenizer_spm`.
//!
//! The Llama 1/2, Mistral and Gemma family tokenizers. Unlike byte-level BPE there is no
//! pre-tokenizer and no merge list:
//!
//! - spaces are written `▁` (U+2581) and belong to the word after them, so " Hello world"
//!   becomes "▁Hello▁world". [`super::Tokenizer::encode`] puts a space in front of the text
//!   first when the model asks for it (`add_space_prefix`), so that the first word is spelled
//!   like every other;
//! - it starts from one symbol per character and repeatedly merges the adjacent pair whose
//!   concatenation is a token with the highest score (`tokenizer.ggml.scores`: the log
//!   probability of the token in the trained unigram model); leftmost first on ties;
//! - a symbol left over that is not a token (a character the vocabulary does not know) is
//!   spelled as its UTF-8 bytes, with the byte-fallback tokens `<0x00>`..`<0xFF>`.
//!
//! The merge loop is the same linked-list-plus-priority-queue loop as [`super::bpe`]'s.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::vocab::Vocab;

/// The character SentencePiece writes for a space: U+2581 LOWER ONE EIGHTH BLOCK.
pub(super) const SPACE: &str = "▁";

/// Tokenizes `text` (which holds no special tokens, and already has any prefix space) and
/// appends the ids to `out`. `unk` is used for a byte that has no token at all.
pub(super) fn encode(vocab: &Vocab, text: &str, unk: Option<u32>, out: &mut Vec<u32>) {
    let text = text.replace(' ', SPACE);

    let mut symbols: Vec<Symbol> = Vec::with_capacity(text.len());
    for (i, (start, c)) in text.char_indices().enumerate() {
        let end = start + c.len_utf8();
        let next = if end < text.len() { Some(i + 1) } else { None };
        symbols.push(Symbol { start, end, prev: i.checked_sub(1), next, merged_away: false });
    }

    let mut queue = BinaryHeap::new();
    for right in 1..symbols.len() {
        push_candidate(vocab, &text, &symbols, right - 1, right, &mut queue);
    }

    while let Some(c) = queue.pop() {
        let left = &symbols[c.left];
        // Stale: the left symbol was merged into its neighbour, or either grew since.
        if left.merged_away || left.next != Some(c.right) || symbols[c.right].end != c.end {
            continue;
        }
        let right_next = symbols[c.right].next;
        let left = &mut symbols[c.left];
        left.end = c.end;
        left.next = right_next;
        symbols[c.right].merged_away = true;
        if let Some(n) = right_next {
            symbols[n].prev = Some(c.left);
        }
        if let Some(p) = symbols[c.left].prev {
            push_candidate(vocab, &text, &symbols, p, c.left, &mut queue);
        }
        if let Some(n) = right_next {
            push_candidate(vocab, &text, &symbols, c.left, n, &mut queue);
        }
    }

    let mut at = if symbols.is_empty() { None } else { Some(0) };
    while let Some(i) = at {
        let piece = &text[symbols[i].start..symbols[i].end];
        match vocab.id(piece) {
            Some(id) => out.push(id),
            None => piece.bytes().for_each(|b| out.extend(byte_token(vocab, b).or(unk))),
        }
        at = symbols[i].next;
    }
}

/// The token for one raw byte: `<0xXX>`, else (as llama.cpp tries next) a token whose text is
/// that single byte. llama.cpp aborts when neither exists; we fall back to the unknown token.
pub(super) fn byte_token(vocab: &Vocab, b: u8) -> Option<u32> {
    vocab.id(&format!("<0x{b:02X}>")).or_else(|| std::str::from_utf8(&[b]).ok().and_then(|s| vocab.id(s)))
}

fn push_candidate(vocab: &Vocab, text: &str, symbols: &[Symbol], left: usize, right: usize, queue: &mut BinaryHeap<Candidate>) {
    // Symbols are consecutive slices of `text`, so the merged text is one slice too.
    let end = symbols[right].end;
    if let Some(id) = vocab.id(&text[symbols[left].start..end]) {
        queue.push(Candidate { score: vocab.score(id), left, right, end });
    }
}

#[derive(Debug)]
struct Symbol {
    start: usize,
    end: usize,
    prev: Option<usize>,
    next: Option<usize>,
    merged_away: bool,
}

/// Two adjacent symbols whose concatenation is a token.
#[derive(Debug)]
struct Candidate {
    score: f32,
    left: usize,
    right: usize,
    /// Where the right symbol ended when this was queued.
    end: usize,
}

/// Highest score first; among equal scores, leftmost first (`BinaryHeap` pops the greatest).
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then(other.left.cmp(&self.left))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_pop_best_score_then_leftmost() {
        let mut q = BinaryHeap::new();
        q.push(Candidate { score: -2.0, left: 0, right: 1, end: 2 });
        q.push(Candidate { score: -1.0, left: 5, right: 6, end: 7 });
        q.push(Candidate { score: -1.0, left: 3, right: 4, end: 5 });
        let order: Vec<usize> = std::iter::from_fn(|| q.pop()).map(|c| c.left).collect();
        assert_eq!(order, [3, 5, 0]);
    }
}
