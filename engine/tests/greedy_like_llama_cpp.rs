//! The forward pass, tokenizer and greedy sampling reproduce llama.cpp's greedy continuations
//! token for token (../shared/reference/greedy-shared.json, from llama-server b11312), and
//! the perplexity on GPL-3 is llama-perplexity's.

mod common;

use std::ops::ControlFlow;
use std::process::Command;

use engine::generate::generate;
use engine::model::{Model, Session};
use engine::perplexity::perplexity;
use engine::sampling::{SamplerChain, SamplingParams};
use engine::tokenizer::Tokenizer;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    prompt: String,
    n_predict: usize,
    content: String,
    tokens: Vec<u32>,
}

fn cases() -> Vec<Case> {
    let path = common::reference_file("greedy-shared.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn greedy_continuations_equal_llama_cpp_token_for_token() {
    let file = common::default_model();
    let model = Model::load(&file).unwrap();
    let tokenizer = Tokenizer::from_gguf(&file).unwrap();
    let greedy = SamplingParams { temp: 0.0, ..SamplingParams::default() };
    for case in cases() {
        let prompt = tokenizer.encode(&case.prompt, true, true);
        let mut session = Session::new(&model, prompt.len() + case.n_predict, 2);
        let mut sampler = SamplerChain::new(&greedy).unwrap();
        let out = generate(&mut session, &tokenizer, &mut sampler, &prompt, case.n_predict, |_, _| ControlFlow::Continue(())).unwrap();
        let first_diff = out.tokens.iter().zip(&case.tokens).position(|(a, b)| a != b);
        assert_eq!(out.tokens, case.tokens, "prompt {:?}: first difference at token {first_diff:?}", case.prompt);
        assert_eq!(tokenizer.decode_lossy(&out.tokens), case.content, "prompt {:?}", case.prompt);
    }
}

#[test]
fn infer_run_json_prints_the_greedy_tokens_and_text() {
    let case = &cases()[0];
    let out = Command::new(env!("CARGO_BIN_EXE_infer"))
        .args(["run", "--prompt", &case.prompt, "-n", &case.n_predict.to_string(), "--temp", "0", "--json", "--threads", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tokens"], serde_json::json!(case.tokens));
    assert_eq!(json["text"], case.content.as_str());
}

#[test]
fn perplexity_on_gpl3_matches_llama_perplexity() {
    // llama-perplexity -c 512 on the default model: PPL = 18.3914 +/- 0.86455 (reference README).
    let file = common::default_model();
    let model = Model::load(&file).unwrap();
    let tokenizer = Tokenizer::from_gguf(&file).unwrap();
    let text = std::fs::read_to_string(common::reference_file("gpl-3.txt")).unwrap();
    let tokens = tokenizer.encode(&text, false, true);
    assert_eq!(tokens.len(), 7639);
    let r = perplexity(&model, &tokens, 512, 2, None, |_, _| {}).unwrap();
    assert_eq!((r.chunks, r.tokens_scored), (14, 3570));
    assert!((r.ppl - 18.3914).abs() < 0.02, "PPL {} (llama.cpp: 18.3914)", r.ppl);
    assert!((r.uncertainty - 0.86455).abs() < 0.01, "± {} (llama.cpp: 0.86455)", r.uncertainty);
}
