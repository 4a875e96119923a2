//! The tokenizer on the default model (SmolLM2-135M-Instruct) against llama.cpp b11312.
//!
//! Two sets of cases, each `{text, parse_special, ids}` with the ids from `llama-tokenize`:
//! - `shared/reference/tokenize-shared.json`, the project's shared reference data. The shared
//!   directory sits beside the repository checkout (`CARGO_MANIFEST_DIR/../../shared`), or
//!   wherever `$SHARED_DIR` points;
//! - `engine/tests/data/tokenize-extra.json`, made by `scripts/tokenize_extra.py`: more cases
//!   on the default model, and the same texts with the model's pre-tokenizer swapped for
//!   others (GPT-2, Llama 3, Qwen2, llama.cpp's default), to check those patterns too, and
//!   tokenized by SentencePiece on a vocabulary derived from the model's (see [`spm_tokenizer`]).
//!
//! llama.cpp itself is never run here.

mod common;

use common::reference_file;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use engine::gguf::{GgufFile, GgufWriter, Value, ValueType};
use engine::tokenizer::Tokenizer;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Case {
    text: String,
    parse_special: bool,
    ids: Vec<u32>,
}

/// The default model's cases tokenized with another `tokenizer.ggml.pre`.
#[derive(Debug, Deserialize)]
struct Variant {
    pre: String,
    cases: Vec<Case>,
}

/// The cases tokenized by SentencePiece on the vocabulary of [`spm_tokenizer`].
#[derive(Debug, Deserialize)]
struct SpmVariant {
    vocab_size: usize,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct ExtraFile {
    cases: Vec<Case>,
    variants: Vec<Variant>,
    spm: SpmVariant,
}

fn default_model() -> GgufFile {
    let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
    GgufFile::open(&path).expect("the default model parses")
}

fn tokenizer() -> &'static Tokenizer {
    static TOKENIZER: OnceLock<Tokenizer> = OnceLock::new();
    TOKENIZER.get_or_init(|| Tokenizer::from_gguf(&default_model()).expect("the default model's tokenizer loads"))
}

/// The default model's tokenizer with `tokenizer.ggml.pre` set to `pre`: the metadata is
/// copied into a GGUF file in memory (no tensors), as scripts/tokenize_extra.py does for
/// llama-tokenize.
fn tokenizer_with_pre(pre: &str) -> Tokenizer {
    let model = default_model();
    let mut w = GgufWriter::new();
    for (key, value) in &model.header.metadata {
        w.set(key, value.clone());
    }
    w.set("tokenizer.ggml.pre", Value::string(pre));
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    Tokenizer::from_gguf(&GgufFile::from_bytes(bytes).unwrap()).unwrap_or_else(|e| panic!("pre {pre}: {e}"))
}

fn shared_cases() -> Vec<Case> {
    let path = reference_file("tokenize-shared.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The SentencePiece vocabulary that `spm_vocab` in scripts/tokenize_extra.py derives from the
/// default model's: `<unk> <s> </s>`, the 256 byte tokens, every BPE token (from id 17 on)
/// whose bytes are valid UTF-8 and new, spaces written `▁`, scored minus its id; then the
/// control tokens `<|im_start|> <|im_end|>`. The rest of the metadata is the model's, less the
/// BPE-only keys, so that llama.cpp's SentencePiece defaults apply (add BOS, space prefix).
fn spm_tokenizer() -> Tokenizer {
    let bpe = tokenizer();
    let mut texts: Vec<String> = ["<unk>", "<s>", "</s>"].map(String::from).to_vec();
    let mut types = vec![2, 3, 3];
    texts.extend((0..=255).map(|b| format!("<0x{b:02X}>")));
    types.extend([6; 256]);
    let mut seen: std::collections::HashSet<String> = texts.iter().cloned().collect();
    for id in 17..bpe.vocab_size() as u32 {
        let Ok(text) = String::from_utf8(bpe.token_to_piece(id, true)) else { continue };
        let text = text.replace(' ', "▁");
        if seen.insert(text.clone()) {
            texts.push(text);
            types.push(1);
        }
    }
    texts.extend(["<|im_start|>", "<|im_end|>"].map(String::from));
    types.extend([3, 3]);
    let scores = types.iter().enumerate().map(|(i, &ty)| Value::F32(if ty == 1 { -(i as f32) } else { 0.0 })).collect();

    const DROPPED: [&str; 8] = [
        "tokenizer.ggml.pre",
        "tokenizer.ggml.merges",
        "tokenizer.ggml.add_bos_token",
        "tokenizer.ggml.add_space_prefix",
        "tokenizer.ggml.bos_token_id",
        "tokenizer.ggml.eos_token_id",
        "tokenizer.ggml.unknown_token_id",
        "tokenizer.ggml.padding_token_id",
    ];
    let mut w = GgufWriter::new();
    for (key, value) in &default_model().header.metadata {
        if !DROPPED.contains(&key.as_str()) {
            w.set(key, value.clone());
        }
    }
    w.set("tokenizer.ggml.model", Value::string("llama"));
    w.set("tokenizer.ggml.tokens", Value::Array(ValueType::String, texts.iter().map(|t| Value::string(t)).collect()));
    w.set("tokenizer.ggml.scores", Value::Array(ValueType::F32, scores));
    w.set("tokenizer.ggml.token_type", Value::Array(ValueType::I32, types.into_iter().map(Value::I32).collect()));
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    Tokenizer::from_gguf(&GgufFile::from_bytes(bytes).unwrap()).unwrap()
}

fn extra_file() -> ExtraFile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tokenize-extra.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn extra_cases() -> Vec<Case> {
    extra_file().cases
}

/// Encodes every case like `llama-tokenize` (add_special on: the model adds no BOS) and lists
/// every mismatch, not just the first.
fn check(t: &Tokenizer, cases: &[Case]) {
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let ids = t.encode(&case.text, true, case.parse_special);
        if ids != case.ids {
            failures.push(format!("{:?} (parse_special {}):\n  llama.cpp {:?}\n  ours      {:?}", case.text, case.parse_special, case.ids, ids));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn shared_reference_cases_match_llama_cpp() {
    check(tokenizer(), &shared_cases());
}

#[test]
fn extra_cases_match_llama_cpp() {
    let cases = extra_cases();
    assert!(cases.len() >= 30, "the extra file lost cases");
    check(tokenizer(), &cases);
}

#[test]
fn other_pre_tokenizers_match_llama_cpp() {
    let variants = extra_file().variants;
    let names: Vec<&str> = variants.iter().map(|v| v.pre.as_str()).collect();
    assert_eq!(names, ["gpt-2", "llama-bpe", "qwen2", "default"]);
    for variant in &variants {
        let t = tokenizer_with_pre(&variant.pre);
        eprintln!("pre {}: {t:?}", variant.pre);
        check(&t, &variant.cases);
    }
}

#[test]
fn sentencepiece_matches_llama_cpp() {
    let spm = extra_file().spm;
    let t = spm_tokenizer();
    assert_eq!(t.vocab_size(), spm.vocab_size, "the vocabulary differs from the one the script built");
    check(&t, &spm.cases);
    // Decoding gives the text back, every byte of it: the byte tokens spell whatever the
    // vocabulary lacks.
    for case in &spm.cases {
        assert_eq!(t.decode_lossy(&t.encode(&case.text, false, false)), case.text);
    }
}

/// The bytes no token of SmolLM2 stands for (found with gguf-py: the GPT-2 stand-ins missing
/// from `tokenizer.ggml.tokens`). llama.cpp silently drops them when tokenizing, and so do we:
/// control characters the training data never had, bytes that never occur in UTF-8, and the
/// lead bytes 0xF1 0xF2 of the (unassigned) code points U+40000..U+BFFFF.
const UNTOKENIZABLE: [u8; 21] =
    [0x04, 0x06, 0x13, 0x14, 0x16, 0x1d, 0xc0, 0xc1, 0xf1, 0xf2, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff];

#[test]
fn bytes_without_a_token_are_the_ones_gguf_py_finds() {
    let t = tokenizer();
    let mut has_token = [false; 256];
    for id in 0..t.vocab_size() as u32 {
        if let [b] = t.token_to_piece(id, false)[..] {
            has_token[b as usize] = true;
        }
    }
    let missing: Vec<u8> = (0..=255u8).filter(|&b| !has_token[b as usize]).collect();
    assert_eq!(missing, UNTOKENIZABLE);
}

#[test]
fn reference_cases_decode_to_their_text() {
    let t = tokenizer();
    for case in shared_cases().iter().chain(&extra_cases()) {
        let text: Vec<u8> = case.text.bytes().filter(|b| !UNTOKENIZABLE.contains(b)).collect();
        let ids = t.encode(&case.text, false, case.parse_special);
        assert_eq!(t.decode(&ids), text, "{:?}: ids {ids:?}", case.text);
        // Decoding llama.cpp's ids gives the text too.
        assert_eq!(t.decode(&case.ids), text, "{:?}: ids {:?}", case.text, case.ids);
    }
}

/// The GPL-3 text that llama-perplexity was run on: llama.cpp makes 7,639 tokens of it (see
/// shared/reference/README.md). Also a speed check on 35 KB of text.
#[test]
fn gpl3_text_is_7639_tokens() {
    let text = std::fs::read_to_string(reference_file("gpl-3.txt")).unwrap();
    let t = tokenizer();
    let start = Instant::now();
    let ids = t.encode(&text, true, false);
    let elapsed = start.elapsed();
    eprintln!("tokenized {} bytes into {} tokens in {elapsed:?}", text.len(), ids.len());
    assert_eq!(ids.len(), 7639);
    assert_eq!(t.decode(&ids), text.as_bytes());
    // Generous (shared, busy test machines): a quadratic algorithm would take far longer.
    assert!(elapsed.as_secs_f64() < 5.0, "tokenizing took {elapsed:?}");
}

/// The special tokens llama.cpp b11312 reports when loading the model (`print_info`).
#[test]
fn special_tokens_are_llama_cpps() {
    let t = tokenizer();
    assert_eq!(t.vocab_size(), 49152);
    assert_eq!(t.bos(), Some(1));
    assert_eq!(t.eos(), Some(2));
    // Not in the file: guessed from the token texts, as llama.cpp prints "EOT token = 0".
    assert_eq!(t.eot(), Some(0));
    // "EOG token = 0 '<|endoftext|>', 2 '<|im_end|>', 4 '<reponame>'" (the last one is the
    // fill-in-the-middle "repository" token, which llama.cpp treats as an end of generation).
    let eog: Vec<u32> = (0..t.vocab_size() as u32).filter(|&id| t.is_eog(id)).collect();
    assert_eq!(eog, [0, 2, 4]);
    assert_eq!(t.token_text(1), Some("<|im_start|>"));
    assert_eq!(t.token_text(198), Some("Ċ"));
    assert_eq!(t.token_text(49152), None);
}

#[test]
fn pieces_of_tokens() {
    let t = tokenizer();
    assert_eq!(t.token_to_piece(198, false), b"\n");
    assert_eq!(t.token_to_piece(2899, false), b" leading");
    // Control tokens show only when rendered.
    assert_eq!(t.token_to_piece(2, false), b"");
    assert_eq!(t.token_to_piece(2, true), b"<|im_end|>");
    // 🦙 is F0 9F A6 99: llama.cpp splits it into tokens that are not whole characters.
    let ids = t.encode("🦙", false, false);
    assert!(ids.len() > 1);
    let pieces: Vec<u8> = ids.iter().flat_map(|&id| t.token_to_piece(id, false)).collect();
    assert_eq!(pieces, "🦙".as_bytes());
    assert!(std::str::from_utf8(&t.token_to_piece(ids[0], false)).is_err());
    assert_eq!(t.token_to_piece(u32::MAX, true), b"");
}
