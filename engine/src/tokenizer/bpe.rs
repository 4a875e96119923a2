//! Byte-level BPE (`tokenizer.ggml.model = "gpt2"`), as llama.cpp's `llm_tokenizer_bpe_session`.
//!
//! To tokenize a piece of text:
//!
//! 1. pre-tokenize it into words ([`super::pre_tokenize`]);
//! 2. write each word's bytes in GPT-2's byte alphabet ([`super::byte_map`]);
//! 3. start from one symbol per character and apply merge rules until none applies. The rules
//!    come from `tokenizer.ggml.merges`, a list of "left right" pairs in priority order: rule 0
//!    is the pair that was most frequent when the tokenizer was trained. At every step the
//!    adjacent pair with the best (lowest) rank is merged; between equal ranks (the same pair
//!    in several places) the leftmost goes first;
//! 4. each final symbol is a token.
//!
//! A word can be long (a line of dashes, a base64 blob), so the loop must not rescan the word
//! after each merge. As llama.cpp does, the symbols form a doubly linked list inside a vector
//! and the candidate pairs wait in a priority queue. A merge adds at most two new candidates
//! (the new symbol with each neighbour), and a candidate made stale by an earlier merge is
//! recognised when it comes out of the queue and skipped. That is O(n log n) for n characters.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::pre_tokenize::{PreTokenizer, Splitter};
use super::vocab::Vocab;
use super::{TokenizerError, byte_map, metadata};
use crate::gguf::{GgufFile, ValueType};

/// The result of one merge rule.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Merge {
    /// The rule's position in the list: lower merges first.
    rank: u32,
    /// The merged token. `None` if the merged text is not in the vocabulary (a broken file):
    /// the symbol then can take part in no further merge, and ends as single bytes.
    result: Option<u32>,
}

/// The merge rules, keyed by the token ids of the two halves.
///
/// llama.cpp keys them by the two texts; ids are equivalent whenever both halves are tokens,
/// which holds for every vocabulary trained by HF tokenizers. A rule whose halves are not both
/// tokens could never fire on symbols that are tokens, so it is left out.
#[derive(Debug, Default)]
pub(super) struct Merges {
    rules: HashMap<(u32, u32), Merge>,
}

impl Merges {
    pub(super) fn from_gguf(file: &GgufFile, vocab: &Vocab) -> Result<Merges, TokenizerError> {
        let key = metadata::MERGES;
        let items = metadata::array(file, key, Some(ValueType::String))?.ok_or(TokenizerError::MissingKey { key })?;
        let mut merges = Merges::default();
        for (index, item) in items.iter().enumerate() {
            let rule = item.as_str().ok_or(TokenizerError::BadItem { key, index, expected: "UTF-8 string" })?;
            merges.add(vocab, rule, index as u32);
        }
        Ok(merges)
    }

    /// Adds rule "left right" with rank `rank`. As in llama.cpp, the separator is the first
    /// space after the first byte (so a rule may merge a lone space, in vocabularies that have
    /// one), and a repeated rule keeps its first, best rank.
    fn add(&mut self, vocab: &Vocab, rule: &str, rank: u32) {
        // Search bytes: the first character may be several bytes long, and a space byte is
        // always a whole character, so slicing at it is safe.
        let Some(space) = rule.bytes().skip(1).position(|b| b == b' ').map(|i| i + 1) else { return };
        let (left, right) = (&rule[..space], &rule[space + 1..]);
        let (Some(l), Some(r)) = (vocab.id(left), vocab.id(right)) else { return };
        let result = vocab.id(&format!("{left}{right}"));
        self.rules.entry((l, r)).or_insert(Merge { rank, result });
    }

    fn get(&self, left: u32, right: u32) -> Option<Merge> {
        self.rules.get(&(left, right)).copied()
    }
}

/// The BPE tokenizer of one model.
#[derive(Debug)]
pub(super) struct Bpe {
    merges: Merges,
    splitter: Splitter,
    /// Llama 3 and a few others: a word that is a token as a whole is that token, whatever
    /// the merges would have made of it (HF's `ignore_merges`).
    ignore_merges: bool,
}

impl Bpe {
    pub(super) fn new(merges: Merges, pre: PreTokenizer, ignore_merges: bool) -> Bpe {
        Bpe { merges, splitter: Splitter::new(pre), ignore_merges }
    }

    /// Tokenizes `text` (which holds no special tokens) and appends the ids to `out`.
    pub(super) fn encode(&self, vocab: &Vocab, text: &str, out: &mut Vec<u32>) {
        for word in self.splitter.split(text) {
            let word = byte_map::encode(word);
            let whole_word = if self.ignore_merges { vocab.id(&word) } else { None };
            match whole_word {
                Some(id) => out.push(id),
                None => self.encode_word(vocab, &word, out),
            }
        }
    }

    /// Runs the merge loop on one word (already in the byte alphabet).
    fn encode_word(&self, vocab: &Vocab, word: &str, out: &mut Vec<u32>) {
        // One symbol per character to start with.
        let mut symbols: Vec<Symbol> = Vec::with_capacity(word.len());
        for (i, (start, c)) in word.char_indices().enumerate() {
            let end = start + c.len_utf8();
            let prev = i.checked_sub(1);
            let next = if end < word.len() { Some(i + 1) } else { None };
            symbols.push(Symbol { start, end, id: vocab.id(&word[start..end]), prev, next, merged_away: false });
        }

        let mut queue = BinaryHeap::new();
        for right in 1..symbols.len() {
            self.push_candidate(&symbols, right - 1, right, &mut queue);
        }

        while let Some(Reverse(c)) = queue.pop() {
            let (left, right) = (&symbols[c.left], &symbols[c.right]);
            // Stale: one of the two was merged with something else after this was queued.
            if left.merged_away || left.next != Some(c.right) || left.id != Some(c.left_id) || right.id != Some(c.right_id) {
                continue;
            }
            // Merge the right symbol into the left one and unlink it.
            let (right_end, right_next) = (right.end, right.next);
            let left = &mut symbols[c.left];
            left.end = right_end;
            left.id = c.result;
            left.next = right_next;
            symbols[c.right].merged_away = true;
            if let Some(n) = right_next {
                symbols[n].prev = Some(c.left);
            }
            // The new symbol may now merge with either neighbour.
            if let Some(p) = symbols[c.left].prev {
                self.push_candidate(&symbols, p, c.left, &mut queue);
            }
            if let Some(n) = right_next {
                self.push_candidate(&symbols, c.left, n, &mut queue);
            }
        }

        // Walk the list from the first symbol (never merged away: merges go leftwards).
        let mut at = if symbols.is_empty() { None } else { Some(0) };
        while let Some(i) = at {
            let s = &symbols[i];
            match s.id {
                Some(id) => out.push(id),
                None => push_single_bytes(vocab, &word[s.start..s.end], out),
            }
            at = s.next;
        }
    }

    fn push_candidate(&self, symbols: &[Symbol], left: usize, right: usize, queue: &mut BinaryHeap<Reverse<Candidate>>) {
        let (Some(left_id), Some(right_id)) = (symbols[left].id, symbols[right].id) else { return };
        if let Some(merge) = self.merges.get(left_id, right_id) {
            queue.push(Reverse(Candidate { rank: merge.rank, left, right, left_id, right_id, result: merge.result }));
        }
    }
}

/// What llama.cpp does with a final symbol that is not a token (a character missing from the
/// vocabulary): look up each of its bytes as a one-byte token, and drop those that are not.
/// In a byte-level vocabulary all 256 stand-ins are tokens, so this does not happen there.
fn push_single_bytes(vocab: &Vocab, text: &str, out: &mut Vec<u32>) {
    for b in text.bytes() {
        if let Some(id) = std::str::from_utf8(&[b]).ok().and_then(|s| vocab.id(s)) {
            out.push(id);
        }
    }
}

/// A run of characters of the word that is, so far, one symbol.
#[derive(Debug)]
struct Symbol {
    /// Byte range in the word.
    start: usize,
    end: usize,
    /// The token with this text (`None` only for characters missing from the vocabulary).
    id: Option<u32>,
    prev: Option<usize>,
    next: Option<usize>,
    merged_away: bool,
}

/// A pair of adjacent symbols that a rule can merge. Ordered by rank, then position, so that
/// `Reverse` in a max-heap pops the best rank first and, among equals, the leftmost pair.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    rank: u32,
    left: usize,
    right: usize,
    // What the two symbols were when queued: if either changed since, the candidate is stale.
    left_id: u32,
    right_id: u32,
    result: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::{GgufWriter, Value};

    /// A vocabulary of the given texts (in id order) with the given merge rules.
    fn bpe(tokens: &[&str], merges: &[&str], ignore_merges: bool) -> (Vocab, Bpe) {
        let strings = |items: &[&str]| Value::Array(ValueType::String, items.iter().map(|s| Value::string(s)).collect());
        let mut w = GgufWriter::new();
        w.set(metadata::TOKENS, strings(tokens));
        w.set(metadata::MERGES, strings(merges));
        let mut bytes = Vec::new();
        w.write_to(&mut bytes).unwrap();
        let file = GgufFile::from_bytes(bytes).unwrap();
        let vocab = Vocab::from_gguf(&file).unwrap();
        let merges = Merges::from_gguf(&file, &vocab).unwrap();
        (vocab, Bpe::new(merges, PreTokenizer::Gpt2, ignore_merges))
    }

    fn encode(vocab: &Vocab, bpe: &Bpe, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        bpe.encode(vocab, text, &mut out);
        out
    }

    #[test]
    fn merge_ranks_decide_the_order() {
        // "abc": rule 0 "b c" fires before rule 1 "a b", so the result is a + bc, not ab + c,
        // even though "a b" comes first in the word.
        let (v, b) = bpe(&["a", "b", "c", "ab", "bc", "abc"], &["b c", "a b"], false);
        assert_eq!(encode(&v, &b, "abc"), [0, 4]);
        // Swap the ranks and the other pair wins; then "ab c" is no rule, so it stops there.
        let (v, b) = bpe(&["a", "b", "c", "ab", "bc", "abc"], &["a b", "b c"], false);
        assert_eq!(encode(&v, &b, "abc"), [3, 2]);
    }

    #[test]
    fn equal_ranks_merge_leftmost_first() {
        // "aaa": both pairs are rule 0; the left one merges, leaving "aa" + "a".
        let (v, b) = bpe(&["a", "aa", "aaaa"], &["a a", "aa aa"], false);
        assert_eq!(encode(&v, &b, "aaa"), [1, 0]);
        assert_eq!(encode(&v, &b, "aaaa"), [2]);
        assert_eq!(encode(&v, &b, "aaaaa"), [2, 0]);
    }

    #[test]
    fn a_merge_enables_the_next() {
        let (v, b) = bpe(&["h", "e", "l", "o", "he", "ll", "hell", "hello"], &["l l", "h e", "he ll", "hell o"], false);
        assert_eq!(encode(&v, &b, "hello"), [7]);
        assert_eq!(encode(&v, &b, "hellol"), [7, 2]);
    }

    #[test]
    fn words_never_merge_across_a_pre_tokenizer_cut() {
        // "Ġ" is the byte-level space. " a" is one word, and "a a" is two.
        let (v, b) = bpe(&["a", "Ġ", "Ġa", "aĠ"], &["a Ġ", "Ġ a"], false);
        assert_eq!(encode(&v, &b, "a a"), [0, 2]);
    }

    #[test]
    fn ignore_merges_takes_a_whole_word_token() {
        // The merges cannot build "abc" (no rule makes it), but the token exists.
        let (v, b) = bpe(&["a", "b", "c", "ab", "abc"], &["a b"], true);
        assert_eq!(encode(&v, &b, "abc"), [4]);
        let (v, b) = bpe(&["a", "b", "c", "ab", "abc"], &["a b"], false);
        assert_eq!(encode(&v, &b, "abc"), [3, 2]);
    }

    #[test]
    fn characters_missing_from_the_vocabulary_are_dropped() {
        // llama.cpp looks each byte up as a one-byte token: "x" is not there, "a" is.
        let (v, b) = bpe(&["a"], &[], false);
        assert_eq!(encode(&v, &b, "xax"), [0]);
    }

    #[test]
    fn rules_parse_like_llama_cpp() {
        let (v, _) = bpe(&["a", "b", "ab"], &[], false);
        let mut m = Merges::default();
        m.add(&v, "a b", 0);
        m.add(&v, "a b", 1); // a repeat keeps the first rank
        m.add(&v, "ab", 2); // no separator: ignored
        m.add(&v, " a", 4); // a leading space is not the separator: no separator, ignored
        m.add(&v, "b a", 3); // "ba" is no token: the rule stays, with no result
        assert_eq!(m.get(0, 1), Some(Merge { rank: 0, result: Some(2) }));
        assert_eq!(m.get(1, 0), Some(Merge { rank: 3, result: None }));
        assert_eq!(m.rules.len(), 2);
    }

    #[test]
    fn a_long_word_is_not_quadratic() {
        // 200,000 characters in one word: a quadratic loop would take minutes.
        let (v, b) = bpe(&["a", "aa", "aaaa"], &["a a", "aa aa"], false);
        let start = std::time::Instant::now();
        let ids = encode(&v, &b, &"a".repeat(200_000));
        assert_eq!(ids, vec![2; 50_000]);
        assert!(start.elapsed().as_secs_f64() < 5.0, "took {:?}", start.elapsed());
    }
}
