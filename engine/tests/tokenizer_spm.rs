//! SentencePiece (`tokenizer.ggml.model = "llama"`) on tiny vocabularies built in memory.
//!
//! No SentencePiece model ships with the project, so each test writes a GGUF file holding only
//! tokenizer metadata, with a handful of scored tokens, and checks encodings derived by hand
//! from the algorithm: merge the adjacent pair whose merged token scores highest, leftmost on
//! ties; spell characters the vocabulary lacks with `<0xXX>` byte tokens; a space is `▁`.
//!
//! Every vocabulary has the same first 259 tokens, as Llama 2's has: 0 `<unk>`, 1 `<s>`,
//! 2 `</s>`, then `<0x00>`..`<0xFF>` as 3..258. The test's own tokens follow from 259 on.

use engine::gguf::{GgufFile, GgufWriter, Value, ValueType};
use engine::tokenizer::Tokenizer;

const UNK: u32 = 0;
const BOS: u32 = 1;
const EOS: u32 = 2;

/// The id of byte token `<0xXX>`.
fn byte(b: u8) -> u32 {
    3 + b as u32
}

/// A SentencePiece tokenizer whose normal tokens are `tokens` (text, score), from id 259 on,
/// plus extra metadata.
fn spm(tokens: &[(&str, f32)], extra: &[(&str, Value)]) -> Tokenizer {
    let mut texts: Vec<String> = vec!["<unk>".into(), "<s>".into(), "</s>".into()];
    let mut types = vec![2, 3, 3];
    let mut scores = vec![0.0, 0.0, 0.0];
    for b in 0..=255u8 {
        texts.push(format!("<0x{b:02X}>"));
        types.push(6);
        scores.push(0.0);
    }
    for &(text, score) in tokens {
        texts.push(text.to_owned());
        types.push(if text.starts_with("<user") { 4 } else { 1 });
        scores.push(score);
    }
    let mut w = GgufWriter::new();
    w.set("tokenizer.ggml.model", Value::string("llama"));
    w.set("tokenizer.ggml.tokens", Value::Array(ValueType::String, texts.iter().map(|t| Value::string(t)).collect()));
    w.set("tokenizer.ggml.scores", Value::Array(ValueType::F32, scores.into_iter().map(Value::F32).collect()));
    w.set("tokenizer.ggml.token_type", Value::Array(ValueType::I32, types.into_iter().map(Value::I32).collect()));
    for (key, value) in extra {
        w.set(key, value.clone());
    }
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    Tokenizer::from_gguf(&GgufFile::from_bytes(bytes).unwrap()).unwrap()
}

/// The id of the token spelled `text`.
fn id(t: &Tokenizer, text: &str) -> u32 {
    (0..t.vocab_size() as u32).find(|&i| t.token_text(i) == Some(text)).unwrap_or_else(|| panic!("no token {text:?}"))
}

/// Single characters, all with a low score so that they are never preferred to a merge.
const CHARS: &[(&str, f32)] = &[("▁", -10.0), ("a", -10.0), ("b", -10.0), ("c", -10.0), ("h", -10.0), ("e", -10.0), ("l", -10.0), ("o", -10.0)];

fn with_chars(tokens: &[(&'static str, f32)]) -> Vec<(&'static str, f32)> {
    CHARS.iter().chain(tokens).copied().collect()
}

#[test]
fn the_best_scoring_pair_merges_first() {
    // "abc" is "▁abc". Candidates: "▁a" -3, "ab" -1, "bc" -2. "ab" wins; then neither "▁ab"
    // nor "abc" is a token, and "bc" and "▁a" are stale, so: ▁ | ab | c.
    let t = spm(&with_chars(&[("ab", -1.0), ("bc", -2.0), ("▁a", -3.0)]), &[]);
    assert_eq!(t.encode("abc", false, false), [id(&t, "▁"), id(&t, "ab"), id(&t, "c")]);
    // Make "▁a" the best and the result is ▁a | bc.
    let t = spm(&with_chars(&[("ab", -1.0), ("bc", -2.0), ("▁a", -0.5)]), &[]);
    assert_eq!(t.encode("abc", false, false), [id(&t, "▁a"), id(&t, "bc")]);
}

#[test]
fn equal_scores_merge_leftmost_first() {
    // "▁aaa": "aa" scores the same at both places; the left pair merges: ▁ | aa | a.
    let t = spm(&with_chars(&[("aa", -1.0)]), &[]);
    assert_eq!(t.encode("aaa", false, false), [id(&t, "▁"), id(&t, "aa"), id(&t, "a")]);
}

#[test]
fn merges_chain_into_longer_tokens() {
    // ▁ h e l l o: "ll" (-2) first, then "llo" (-1), then "he" (-3) as the best remaining,
    // which makes "hello" (-0.5) possible, then "▁hello" (-0.1).
    let t = spm(&with_chars(&[("he", -3.0), ("ll", -2.0), ("lo", -2.5), ("llo", -1.0), ("hello", -0.5), ("▁hello", -0.1)]), &[]);
    assert_eq!(t.encode("hello", false, false), [id(&t, "▁hello")]);
    // Without "▁hello" the space stays alone.
    let t = spm(&with_chars(&[("he", -3.0), ("ll", -2.0), ("lo", -2.5), ("llo", -1.0), ("hello", -0.5)]), &[]);
    assert_eq!(t.encode("hello", false, false), [id(&t, "▁"), id(&t, "hello")]);
}

#[test]
fn unknown_characters_fall_back_to_bytes() {
    // "é" is not in the vocabulary: its UTF-8 bytes C3 A9 become <0xC3> <0xA9>.
    let t = spm(CHARS, &[]);
    assert_eq!(t.encode("é", false, false), [id(&t, "▁"), byte(0xC3), byte(0xA9)]);
    // A newline has no token either (SentencePiece does not escape it): <0x0A>.
    assert_eq!(t.encode("a\nb", false, false), [id(&t, "▁"), id(&t, "a"), byte(b'\n'), id(&t, "b")]);
    // With no byte token at all, llama.cpp would abort; we give the unknown token.
    let mut w = GgufWriter::new();
    w.set("tokenizer.ggml.model", Value::string("llama"));
    w.set("tokenizer.ggml.tokens", Value::Array(ValueType::String, ["<unk>", "<s>", "</s>", "▁"].map(Value::string).to_vec()));
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    let t = Tokenizer::from_gguf(&GgufFile::from_bytes(bytes).unwrap()).unwrap();
    assert_eq!(t.encode("é", false, false), [3, UNK, UNK]);
}

#[test]
fn space_prefix_follows_add_space_prefix() {
    let tokens = with_chars(&[("he", -3.0), ("ll", -2.0), ("llo", -1.0), ("hello", -0.5), ("▁hello", -0.1)]);
    let t = spm(&tokens, &[]);
    assert_eq!(t.encode("hello", false, false), [id(&t, "▁hello")]);
    // A space already there is kept: "▁▁hello".
    assert_eq!(t.encode(" hello", false, false), [id(&t, "▁"), id(&t, "▁hello")]);
    let t = spm(&tokens, &[("tokenizer.ggml.add_space_prefix", Value::Bool(false))]);
    assert_eq!(t.encode("hello", false, false), [id(&t, "hello")]);
    assert_eq!(t.encode(" hello", false, false), [id(&t, "▁hello")]);
}

#[test]
fn bos_and_eos_follow_the_model_flags() {
    let t = spm(&with_chars(&[("▁a", -1.0)]), &[]);
    assert_eq!((t.bos(), t.eos(), t.eot()), (Some(BOS), Some(EOS), None));
    // SentencePiece models add BOS unless the file says otherwise, and no EOS.
    assert_eq!(t.encode("a", true, false), [BOS, id(&t, "▁a")]);
    assert_eq!(t.encode("", true, false), [BOS]);
    assert!(t.encode("", false, false).is_empty());
    let t = spm(&with_chars(&[("▁a", -1.0)]), &[("tokenizer.ggml.add_bos_token", Value::Bool(false)), ("tokenizer.ggml.add_eos_token", Value::Bool(true))]);
    assert_eq!(t.encode("a", true, false), [id(&t, "▁a"), EOS]);
    // "</s>" is spelled like an end marker: it ends generation.
    assert!(t.is_eog(EOS) && !t.is_eog(BOS));
}

#[test]
fn text_after_a_special_token_gets_a_space_prefix_too() {
    // llama.cpp starts each run of text after a special token as if it began the text.
    let t = spm(&with_chars(&[("▁a", -1.0), ("<user>", 0.0)]), &[]);
    assert_eq!(t.encode("<s>a</s>a", false, true), [BOS, id(&t, "▁a"), EOS, id(&t, "▁a")]);
    // Not parsed, "<s>" is text, spelled with bytes here.
    let ids = t.encode("<s>a", false, false);
    assert_eq!(ids, [id(&t, "▁"), byte(b'<'), byte(b's'), byte(b'>'), id(&t, "a")]);
    // User-defined tokens are cut out even without parse_special.
    assert_eq!(t.encode("a<user>a", false, false), [id(&t, "▁a"), id(&t, "<user>"), id(&t, "▁a")]);
}

#[test]
fn pieces_undo_the_spelling() {
    let t = spm(&with_chars(&[("▁hello", -0.1)]), &[]);
    assert_eq!(t.token_to_piece(id(&t, "▁hello"), false), b" hello");
    assert_eq!(t.token_to_piece(byte(b'\n'), false), b"\n");
    assert_eq!(t.token_to_piece(byte(0xC3), false), [0xC3]);
    assert_eq!(t.token_to_piece(BOS, false), b"");
    assert_eq!(t.token_to_piece(BOS, true), b"<s>");
    assert_eq!(t.token_to_piece(UNK, true), b"<unk>");
}

#[test]
fn decode_inverts_encode() {
    let t = spm(&with_chars(&[("ab", -1.0), ("bc", -2.0), ("▁a", -3.0), ("he", -3.0), ("ll", -2.0), ("llo", -1.0), ("hello", -0.5), ("▁hello", -0.1)]), &[]);
    for s in ["abc", "hello world", "  two  spaces ", "é😀\n\ttab", "", " ", "a", "日本語 and ab", "\n"] {
        let ids = t.encode(s, false, false);
        // The space encoding put in front comes off the first token again.
        assert_eq!(t.decode_lossy(&ids), s, "{ids:?}");
    }
    // As in llama.cpp, only the first token loses its space: after a BOS, the space stays.
    let ids = t.encode("hello", true, false);
    assert_eq!(ids, [BOS, id(&t, "▁hello")]);
    assert_eq!(t.decode_lossy(&ids), "<s> hello");
}

#[test]
fn a_long_text_is_not_quadratic() {
    // No pre-tokenizer: SentencePiece runs on the whole text at once.
    let t = spm(&with_chars(&[("aa", -1.0), ("aaaa", -0.5)]), &[("tokenizer.ggml.add_space_prefix", Value::Bool(false))]);
    let start = std::time::Instant::now();
    let ids = t.encode(&"a".repeat(200_000), false, false);
    assert_eq!(ids, vec![id(&t, "aaaa"); 50_000]);
    assert!(start.elapsed().as_secs_f64() < 5.0, "took {:?}", start.elapsed());
}
