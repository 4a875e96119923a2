//! Graded tests of lab 1.4: your `chat` binary, driven as a process. The expected replies are
//! computed here with the engine library: the conversation rendered with the model's chat
//! template and continued from scratch in a fresh session for every turn.

// The binary under test: yours (src/main.rs), or the reference solution under `learn dev check`.
#[cfg(not(feature = "solution"))]
const CHAT: &str = env!("CARGO_BIN_EXE_chat");
#[cfg(feature = "solution")]
const CHAT: &str = env!("CARGO_BIN_EXE_chat-solution");

use std::io::Write;
use std::ops::ControlFlow;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use engine::chat_template::{ChatTemplate, Message};
use engine::generate::generate;
use engine::gguf::GgufFile;
use engine::model::{Model, Session};
use engine::sampling::{SamplerChain, SamplingParams};
use engine::tokenizer::Tokenizer;

/// Short replies keep the tests quick.
const N_PREDICT: usize = 16;

const QUESTIONS: [&str; 8] = [
    "What is the capital of France?",
    "Name three colors.",
    "Tell me a fact about cats.",
    "What is 2 + 2?",
    "Say hello in Spanish.",
    "What do llamas eat?",
    "Write one word that rhymes with cat.",
    "Why is the sky blue?",
];

/// A seeded pick of `n` different questions (the seed goes in every failure message).
fn pick_questions(n: usize) -> (Vec<&'static str>, u64) {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut order: Vec<usize> = (0..QUESTIONS.len()).collect();
    let mut state = seed;
    for i in (1..order.len()).rev() {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        order.swap(i, (state >> 33) as usize % (i + 1));
    }
    (order[..n].iter().map(|&i| QUESTIONS[i]).collect(), seed)
}

fn model_file() -> &'static GgufFile {
    static FILE: OnceLock<GgufFile> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = engine::fetch::default_model().expect("the default model is needed for this test and could not be fetched");
        GgufFile::open(&path).expect("the default model opens")
    })
}

/// What the engine replies to `messages`, generated from scratch, as the bytes it streams.
fn engine_reply(messages: &[Message], params: &SamplingParams) -> String {
    let file = model_file();
    let model = Model::load(file).unwrap();
    let tokenizer = Tokenizer::from_gguf(file).unwrap();
    let template = ChatTemplate::new(file.get("tokenizer.chat_template").and_then(|v| v.as_str()).unwrap()).unwrap();
    let text = |id: Option<u32>| id.map(|i| String::from_utf8_lossy(&tokenizer.token_to_piece(i, true)).into_owned()).unwrap_or_default();
    let prompt = template.render(messages, true, &text(tokenizer.bos()), &text(tokenizer.eos())).unwrap();
    let tokens = tokenizer.encode(&prompt, true, true);
    let mut session = Session::new(&model, 1024, 2);
    let mut sampler = SamplerChain::new(params).unwrap();
    let mut out = Vec::new();
    generate(&mut session, &tokenizer, &mut sampler, &tokens, N_PREDICT, |_, piece| {
        out.extend_from_slice(piece);
        ControlFlow::Continue(())
    })
    .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn greedy() -> SamplingParams {
    SamplingParams { temp: 0.0, ..SamplingParams::default() }
}

/// Greedy replies to a conversation of `questions`, each turn seeing the earlier ones.
fn engine_conversation(questions: &[&str]) -> Vec<String> {
    let mut messages = Vec::new();
    let mut replies = Vec::new();
    for q in questions {
        messages.push(Message::new("user", q));
        let reply = engine_reply(&messages, &greedy());
        messages.push(Message::new("assistant", &reply));
        replies.push(reply);
    }
    replies
}

/// Runs the chat binary with `args`, feeding it `stdin`.
fn chat(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(CHAT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {CHAT}: {e}"));
    // A program that exits early closes its end: that is not an error of the test.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn model_arg() -> String {
    engine::fetch::default_model().unwrap().display().to_string()
}

/// Runs greedy chat on the default model; fails with its stderr if it did not exit with 0.
fn greedy_chat(stdin: &str, seed: u64) -> String {
    let model = model_arg();
    let n = N_PREDICT.to_string();
    let out = chat(&["--model", &model, "--temp", "0", "--n-predict", &n], stdin);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "seed {seed}: chat exited with {} for input {stdin:?}\nstdout: {stdout}\nstderr: {stderr}", out.status);
    stdout
}

/// The replies as standard output should show them: each followed by a newline.
fn as_stdout(replies: &[String]) -> String {
    replies.iter().map(|r| format!("{r}\n")).collect()
}

#[test]
fn greedy_reply_equals_the_engines() {
    let (questions, seed) = pick_questions(1);
    let stdout = greedy_chat(&format!("{}\n", questions[0]), seed);
    let expected = engine_conversation(&questions);
    assert_eq!(stdout, as_stdout(&expected), "seed {seed}: the reply to {:?} (stdout must hold the reply and a newline, nothing else)", questions[0]);
}

#[test]
fn second_turn_sees_the_first() {
    let (questions, seed) = pick_questions(2);
    let stdout = greedy_chat(&format!("{}\n{}\n", questions[0], questions[1]), seed);
    let expected = engine_conversation(&questions);
    assert_eq!(stdout, as_stdout(&expected), "seed {seed}: a two-turn conversation {questions:?}; the second reply must see the first turn");
}

#[test]
fn reset_starts_a_new_conversation() {
    let (questions, seed) = pick_questions(2);
    let stdout = greedy_chat(&format!("{}\n/reset\n{}\n", questions[0], questions[1]), seed);
    let expected = [engine_conversation(&questions[..1]), engine_conversation(&questions[1..])].concat();
    assert_eq!(stdout, as_stdout(&expected), "seed {seed}: after /reset, {:?} must be answered as the first message of a new chat", questions[1]);
}

#[test]
fn exit_command_ends_the_chat_with_status_0() {
    let (questions, seed) = pick_questions(2);
    let stdout = greedy_chat(&format!("{}\n/exit\n{}\n", questions[0], questions[1]), seed);
    let expected = engine_conversation(&questions[..1]);
    assert_eq!(stdout, as_stdout(&expected), "seed {seed}: /exit must end the chat before the next line");
}

#[test]
fn end_of_input_ends_the_chat_with_status_0() {
    let (questions, seed) = pick_questions(1);
    assert_eq!(greedy_chat("", seed), "", "no input: no reply, exit status 0");
    // The last line need not end with a newline.
    let stdout = greedy_chat(questions[0], seed);
    assert_eq!(stdout, as_stdout(&engine_conversation(&questions)), "seed {seed}: a last line without a newline is still a message");
}

#[test]
fn sampled_reply_follows_the_seed_and_temperature() {
    let (questions, seed) = pick_questions(1);
    let sampler_seed = (seed % 100_000) as u32;
    let model = model_arg();
    let (n, s) = (N_PREDICT.to_string(), sampler_seed.to_string());
    let out = chat(&["--model", &model, "--temp", "0.9", "--seed", &s, "--n-predict", &n], &format!("{}\n", questions[0]));
    assert!(out.status.success(), "seed {seed}: {}", String::from_utf8_lossy(&out.stderr));
    let params = SamplingParams { temp: 0.9, seed: sampler_seed, ..SamplingParams::default() };
    let expected = engine_reply(&[Message::new("user", questions[0])], &params);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{expected}\n"), "seed {seed}: --temp 0.9 --seed {sampler_seed}: the engine's default sampler chain with that seed and temperature");
}

#[test]
fn missing_model_file_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("lab-1-4-{}", std::process::id()));
    let missing = dir.join("no-such-model.gguf");
    let path = missing.display().to_string();
    let out = chat(&["--model", &path, "--temp", "0"], "Hello\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a missing model file must give a non-zero exit status");
    assert!(out.status.code().is_some_and(|c| c != 101), "a missing model file must be an error message, not a panic:\n{stderr}");
    assert!(stderr.contains(&path), "the error must name the path {path}; stderr was:\n{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout when there is no model");
}
