//! Graded tests of lab 3.6: your perplexity against a float64 computation on a synthetic model
//! and against `engine::perplexity` on the default model and four requantizations of it.

// The code under test: yours in src/, or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
use lab_3_6_perplexity_table as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use engine::gguf::GgufFile;
use engine::model::{Logits, Model, Session};
use engine::model_quantize::{FileType, convert_model};
use engine::tokenizer::Tokenizer;

use lab_testkit::Rng;

/// The float64 reference: log-sum-exp over f64 logits.
fn log_softmax_f64(logits: &[f32], token: u32) -> f64 {
    let max = logits.iter().map(|&l| l as f64).fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logits.iter().map(|&l| (l as f64 - max).exp()).sum();
    logits[token as usize] as f64 - max - sum.ln()
}

#[test]
fn log_softmax_matches_a_float64_reference() {
    let mut rng = Rng::fresh();
    for vocab in [2, 50, 49152] {
        for offset in [0.0f32, 90.0, -500.0, 1000.0] {
            // Logits of 1000 overflow exp() unless the largest is subtracted first.
            let logits: Vec<f32> = (0..vocab).map(|_| offset + 12.0 * rng.unit()).collect();
            let token = (rng.next_u64() % vocab as u64) as u32;
            let (got, want) = (lab::log_softmax(&logits, token), log_softmax_f64(&logits, token));
            assert!(
                (got - want).abs() <= 1e-5,
                "TEST_SEED={}: vocab {vocab}, logits around {offset}, token {token}: yours {got}, float64 {want}",
                rng.seed()
            );
        }
    }
}

const SYNTH_VOCAB: usize = 50;

/// A made-up model: the logits at position p depend on the tokens up to p (so feeding the
/// wrong chunk, or the wrong positions, changes them) and favour one "next" token.
fn synthetic_logits(chunk: &[u32], p: usize, salt: u64) -> Vec<f32> {
    let mut h = salt ^ (p as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for &t in &chunk[..=p] {
        h = (h ^ t as u64).wrapping_mul(0x1000_0000_01B3);
    }
    let favoured = (h % SYNTH_VOCAB as u64) as usize;
    (0..SYNTH_VOCAB)
        .map(|v| {
            let mut z = h ^ (v as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 29)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let noise = (z >> 40) as f32 / (1u64 << 24) as f32 * 6.0 - 3.0;
            noise + if v == favoured { 4.0 } else { 0.0 }
        })
        .collect()
}

/// The reference computation on the synthetic model, in f64: (ppl, uncertainty, chunks, count).
fn synthetic_reference(tokens: &[u32], n_ctx: usize, bos: Option<u32>, salt: u64) -> (f64, f64, usize, usize) {
    let mut nlls = Vec::new();
    for c in 0..tokens.len() / n_ctx {
        let mut chunk = tokens[c * n_ctx..(c + 1) * n_ctx].to_vec();
        if let Some(b) = bos {
            chunk[0] = b;
        }
        for p in n_ctx / 2..n_ctx - 1 {
            nlls.push(-log_softmax_f64(&synthetic_logits(&chunk, p, salt), chunk[p + 1]));
        }
    }
    let n = nlls.len() as f64;
    let mean = nlls.iter().sum::<f64>() / n;
    let var = nlls.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let ppl = mean.exp();
    (ppl, (var / (n - 1.0)).sqrt() * ppl, tokens.len() / n_ctx, nlls.len())
}

/// Your perplexity on the synthetic model, checking how `eval` is called.
fn synthetic_run(tokens: &[u32], n_ctx: usize, bos: Option<u32>, salt: u64, seed: u64) -> Option<lab::Perplexity> {
    let mut calls = 0;
    let result = lab::perplexity(tokens, n_ctx, bos, SYNTH_VOCAB, |chunk, first| {
        assert_eq!(chunk.len(), n_ctx, "TEST_SEED={seed}: eval gets whole chunks of n_ctx = {n_ctx} tokens");
        assert_eq!(first, n_ctx / 2, "TEST_SEED={seed}: logits are asked for from n_ctx / 2 on");
        let start = calls * n_ctx;
        calls += 1;
        let mut want = tokens[start..start + n_ctx].to_vec();
        if let Some(b) = bos {
            want[0] = b;
        }
        assert_eq!(chunk, &want[..], "TEST_SEED={seed}: chunk {} (bos {bos:?} replaces its first token)", calls - 1);
        (first..n_ctx).flat_map(|p| synthetic_logits(chunk, p, salt)).collect()
    });
    if result.is_some() {
        assert_eq!(calls, tokens.len() / n_ctx, "TEST_SEED={seed}: one eval per whole chunk");
    }
    result
}

#[test]
fn perplexity_scores_the_second_half_of_each_chunk() {
    let mut rng = Rng::fresh();
    let salt = rng.next_u64();
    for (n_ctx, len, bos) in [(16, 16 * 5 + 7, None), (64, 64 * 3, Some(1)), (9, 9 * 4 + 8, Some(3))] {
        let tokens: Vec<u32> = (0..len).map(|_| (rng.next_u64() % SYNTH_VOCAB as u64) as u32).collect();
        let (ppl, _, chunks, count) = synthetic_reference(&tokens, n_ctx, bos, salt);
        let got = synthetic_run(&tokens, n_ctx, bos, salt, rng.seed()).expect("the text has whole chunks");
        let what = format!("TEST_SEED={}: n_ctx {n_ctx}, {len} tokens, bos {bos:?}", rng.seed());
        assert_eq!((got.chunks, got.tokens_scored), (chunks, count), "{what}: (chunks, tokens scored)");
        assert!((got.ppl - ppl).abs() <= 1e-6 * ppl, "{what}: PPL yours {}, float64 {ppl}", got.ppl);
    }
}

#[test]
fn uncertainty_is_the_standard_error_carried_to_ppl() {
    let mut rng = Rng::fresh();
    let salt = rng.next_u64();
    let tokens: Vec<u32> = (0..32 * 6).map(|_| (rng.next_u64() % SYNTH_VOCAB as u64) as u32).collect();
    let (ppl, unc, _, _) = synthetic_reference(&tokens, 32, None, salt);
    let got = synthetic_run(&tokens, 32, None, salt, rng.seed()).expect("the text has whole chunks");
    assert!((got.ppl - ppl).abs() <= 1e-6 * ppl, "TEST_SEED={}: PPL yours {}, float64 {ppl}", rng.seed(), got.ppl);
    assert!(
        (got.uncertainty - unc).abs() <= 1e-5 * unc,
        "TEST_SEED={}: ± yours {}, float64 {unc} (sqrt(var / (count - 1)) * ppl)",
        rng.seed(),
        got.uncertainty
    );
}

#[test]
fn a_text_shorter_than_one_chunk_has_no_perplexity() {
    let mut rng = Rng::fresh();
    let tokens: Vec<u32> = (0..100).map(|_| (rng.next_u64() % SYNTH_VOCAB as u64) as u32).collect();
    let got = lab::perplexity(&tokens, 128, None, SYNTH_VOCAB, |_, _| panic!("no chunk to evaluate"));
    assert_eq!(got, None, "100 tokens hold no chunk of 128");
}

/// Grading size: 2 chunks of 128 tokens of data/gpl-3.txt (the README's table uses 14 of 512);
/// the table test, which runs five models, scores the first chunk only.
const N_CTX: usize = 128;
const N_CHUNKS: usize = 2;

fn default_model() -> GgufFile {
    let path = engine::fetch::default_model().expect("the default model is needed for this test");
    GgufFile::open(&path).expect("the default model parses")
}

/// The first N_CHUNKS · N_CTX tokens of the text, tokenized as llama-perplexity does.
fn text_tokens(file: &GgufFile) -> Vec<u32> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/gpl-3.txt")).unwrap();
    let mut tokens = Tokenizer::from_gguf(file).unwrap().encode(&text, false, true);
    tokens.truncate(N_CHUNKS * N_CTX);
    tokens
}

/// Your perplexity, with the engine's forward pass as `eval`, and the engine's own.
fn both_perplexities(file: &GgufFile, tokens: &[u32]) -> (lab::Perplexity, engine::perplexity::PerplexityResult) {
    let model = Model::load(file).unwrap();
    let vocab = model.config.vocab_size;
    let mut session = Session::new(&model, N_CTX, 2);
    let mine = lab::perplexity(tokens, N_CTX, None, vocab, |chunk, first| {
        session.truncate(0);
        session.forward(chunk, Logits::From(first)).unwrap().to_vec()
    })
    .expect("whole chunks");
    let engine = engine::perplexity::perplexity(&model, tokens, N_CTX, 2, None, |_, _| {}).unwrap();
    (mine, engine)
}

#[test]
fn perplexity_matches_the_engine_on_the_default_model() {
    let file = default_model();
    let tokens = text_tokens(&file);
    let (mine, want) = both_perplexities(&file, &tokens);
    assert_eq!((mine.chunks, mine.tokens_scored), (want.chunks, want.tokens_scored), "(chunks, tokens scored)");
    assert!((mine.ppl - want.ppl).abs() <= 1e-5 * want.ppl, "PPL yours {}, engine {}", mine.ppl, want.ppl);
    assert!(
        (mine.uncertainty - want.uncertainty).abs() <= 1e-4 * want.uncertainty,
        "± yours {}, engine {}",
        mine.uncertainty,
        want.uncertainty
    );
}

/// Parses the cells of a table line: `| a | b | … |` → ["a", "b", …].
fn cells(line: &str) -> Vec<&str> {
    line.trim().trim_matches('|').split('|').map(str::trim).collect()
}

#[test]
fn size_versus_ppl_table_of_five_formats() {
    // The shipped Q4_1 file and four llama-quantize style requantizations of it.
    let file = default_model();
    let tokens = &text_tokens(&file)[..N_CTX];
    let mut expected = Vec::new(); // (name, tensor bytes, weights, engine PPL)
    let mut rows = Vec::new();
    let mut add = |name: &str, f: &GgufFile| {
        let tensor_bytes: u64 = f.tensors().iter().map(|t| f.tensor_data(t).len() as u64).sum();
        let n_weights: u64 = f.tensors().iter().map(|t| t.n_elements()).sum();
        let (mine, engine) = both_perplexities(f, tokens);
        expected.push((name.to_owned(), tensor_bytes, n_weights, engine.ppl));
        rows.push(lab::FormatRow { name: name.into(), tensor_bytes, n_weights, ppl: mine.ppl, uncertainty: mine.uncertainty });
    };
    add("Q4_1", &file);
    for ftype in [FileType::Q8_0, FileType::Q6_K, FileType::Q5_0, FileType::Q4_0] {
        let (writer, _) = convert_model(&file, ftype).unwrap();
        let mut bytes = Vec::new();
        writer.write_to(&mut bytes).unwrap();
        add(ftype.name(), &GgufFile::from_bytes(bytes).unwrap());
    }

    let table = lab::render_table(&rows);
    let lines: Vec<&str> = table.lines().filter(|l| l.trim_start().starts_with('|')).collect();
    assert_eq!(lines.len(), 2 + expected.len(), "a header, a separator and one line per format:\n{table}");
    assert!(lines[1].contains("---"), "the second line separates the header:\n{table}");
    expected.sort_by(|a, b| b.1.cmp(&a.1));
    let base = expected[0].3;
    for (line, (name, bytes, weights, ppl)) in lines[2..].iter().zip(&expected) {
        let c = cells(line);
        let msg = format!("line {line:?} of\n{table}");
        assert!(c.len() >= 5, "{msg}: five cells");
        assert_eq!(c[0], name, "{msg}: largest file first");
        let num = |s: &str| s.trim_end_matches('%').parse::<f64>().unwrap_or_else(|_| panic!("{msg}: {s:?} is not a number"));
        let mib = *bytes as f64 / 1048576.0;
        assert!((num(c[1]) - mib).abs() <= 0.051, "{msg}: size {mib:.1} MiB");
        let bpw = 8.0 * *bytes as f64 / *weights as f64;
        assert!((num(c[2]) - bpw).abs() <= 0.0051, "{msg}: {bpw:.2} bits per weight");
        let shown_ppl = num(c[3].split_whitespace().next().unwrap_or(""));
        assert!((shown_ppl - ppl).abs() <= 1e-3, "{msg}: PPL {ppl:.4} (engine)");
        let delta = 100.0 * (ppl - base) / base;
        assert!((num(c[4]) - delta).abs() <= 0.011, "{msg}: ΔPPL {delta:+.2}% from the largest file's");
    }
}
