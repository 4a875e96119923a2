//! Loading a model: weights stay in the memory map; models the engine cannot run, and
//! requests it cannot serve, fail with errors that say which.

mod common;

use engine::gguf::{GgufFile, GgufWriter, Value};
use engine::model::{Logits, Model, ModelError, Session};

/// The default model rewritten in memory with `edit` applied.
fn edited(edit: impl FnOnce(&mut GgufWriter)) -> GgufFile {
    let file = common::default_model();
    let mut w = GgufWriter::from_file(&file);
    edit(&mut w);
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    GgufFile::from_bytes(bytes).unwrap()
}

#[test]
fn an_unsupported_architecture_is_named() {
    let file = edited(|w| w.set("general.architecture", Value::string("mamba")));
    let err = Model::load(&file).err().expect("mamba must be refused");
    assert!(matches!(&err, ModelError::UnsupportedArchitecture { arch } if arch == "mamba"), "{err}");
    assert!(err.to_string().contains("'mamba'") && err.to_string().contains("llama"), "{err}");
}

#[test]
fn a_missing_tensor_is_named() {
    let file = edited(|w| w.remove_tensor("blk.7.ffn_up.weight"));
    let err = Model::load(&file).err().expect("a model without blk.7.ffn_up.weight must be refused");
    assert!(matches!(&err, ModelError::MissingTensor { name } if name == "blk.7.ffn_up.weight"), "{err}");
    assert!(err.to_string().contains("blk.7.ffn_up.weight"), "{err}");
}

#[test]
fn a_prompt_longer_than_the_context_is_refused_with_both_numbers() {
    let file = common::default_model();
    let model = Model::load(&file).unwrap();
    let mut session = Session::new(&model, 8, 1);
    let err = session.forward(&[1; 9], Logits::Last).unwrap_err();
    assert!(matches!(err, ModelError::ContextFull { tokens: 9, used: 0, n_ctx: 8 }), "{err}");
    assert!(err.to_string().contains('9') && err.to_string().contains('8'), "{err}");
    // What fits still runs, and the cache then refuses what no longer does.
    session.forward(&[1; 5], Logits::Last).unwrap();
    let err = session.forward(&[1; 4], Logits::Last).unwrap_err();
    assert!(matches!(err, ModelError::ContextFull { tokens: 4, used: 5, n_ctx: 8 }), "{err}");
}

#[test]
fn infer_run_reports_a_prompt_that_does_not_fit() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_infer"))
        .args(["run", "--prompt", "one two three four five six", "-n", "1", "--ctx-size", "3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not fit a context of 3"), "{stderr}");
}

#[test]
fn weights_are_views_into_the_memory_map_not_copies() {
    let file = common::default_model();
    let model = Model::load(&file).unwrap();
    let mapped = file.bytes().as_ptr_range();
    let layer = &model.layers[29];
    for m in [&model.token_embd, &model.output, &layer.wq, &layer.w_down] {
        assert!(mapped.contains(&m.data.as_ptr()), "{} was copied out of the map", m.name);
    }
    assert!(model.tied_embeddings(), "SmolLM2 ties its output matrix to the token embedding");
    assert_eq!(model.output.data.as_ptr(), model.token_embd.data.as_ptr());
}

/// What a fresh session generates greedily after `messages` rendered with the chat template.
fn fresh_reply(file: &GgufFile, messages: &[engine::chat_template::Message], n: usize) -> String {
    use engine::chat_template::ChatTemplate;
    use engine::sampling::{SamplerChain, SamplingParams};
    use engine::tokenizer::Tokenizer;
    let model = Model::load(file).unwrap();
    let tokenizer = Tokenizer::from_gguf(file).unwrap();
    let template = ChatTemplate::new(file.get("tokenizer.chat_template").and_then(Value::as_str).unwrap()).unwrap();
    let prompt = tokenizer.encode(&template.render(messages, true, "", "").unwrap(), true, true);
    let mut session = Session::new(&model, 4096, 2);
    let mut sampler = SamplerChain::new(&SamplingParams { temp: 0.0, ..SamplingParams::default() }).unwrap();
    let out = engine::generate::generate(&mut session, &tokenizer, &mut sampler, &prompt, n, |_, _| std::ops::ControlFlow::Continue(())).unwrap();
    tokenizer.decode_lossy(&out.tokens)
}

#[test]
fn infer_chat_keeps_the_cache_across_turns_and_answers_as_a_fresh_run_would() {
    use engine::chat_template::Message;
    use std::io::Write;
    let (q1, q2) = ("What is the capital of France?", "Tell me a fact about cats.");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_infer"))
        .args(["chat", "--temp", "0", "-n", "16", "--threads", "2"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{q1}\n{q2}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Two answered turns, then the end of input ends the chat at a fresh prompt.
    let turns: Vec<&str> = stdout.split("> ").skip(1).map(|t| t.trim_end_matches('\n')).collect();
    assert_eq!(turns.len(), 3, "{stdout:?}");
    assert_eq!(turns[2], "", "{stdout:?}");

    // The second turn ran only its new tokens on top of the cached first turn; a session that
    // recomputes the whole conversation must give the same reply.
    let file = common::default_model();
    let reply1 = fresh_reply(&file, &[Message::new("user", q1)], 16);
    assert_eq!(turns[0], reply1);
    let reply2 = fresh_reply(&file, &[Message::new("user", q1), Message::new("assistant", &reply1), Message::new("user", q2)], 16);
    assert_eq!(turns[1], reply2);
}
