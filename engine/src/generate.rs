//! The decode loop: run the prompt through the model once (as a batch), then sample one token
//! at a time, feeding each back in, until an end-of-generation token, the token budget or the
//! end of the context. Tokens are streamed to a callback as they are sampled.

use std::ops::ControlFlow;

use crate::model::{Logits, ModelError, Session};
use crate::sampling::SamplerChain;
use crate::tokenizer::Tokenizer;

/// Why generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model produced an end-of-generation token (not included in the output).
    EndOfGeneration,
    /// `max_tokens` were generated.
    MaxTokens,
    /// The KV cache is full.
    ContextFull,
    /// The callback asked to stop.
    Stopped,
}

/// What [`generate`] produced.
#[derive(Clone, Debug)]
pub struct Generation {
    pub tokens: Vec<u32>,
    pub stop: StopReason,
}

/// Generates up to `max_tokens` tokens after `prompt` (which must not be empty), continuing
/// from whatever `session` already holds. `on_token(id, piece)` gets each token and its bytes
/// as it is sampled and may return `ControlFlow::Break(())` to stop.
pub fn generate(
    session: &mut Session,
    tokenizer: &Tokenizer,
    sampler: &mut SamplerChain,
    prompt: &[u32],
    max_tokens: usize,
    mut on_token: impl FnMut(u32, &[u8]) -> ControlFlow<()>,
) -> Result<Generation, ModelError> {
    // The prompt counts as recent text for the repetition penalties, as in llama.cpp.
    for &t in prompt {
        sampler.accept(t);
    }
    let mut tokens = Vec::new();
    let mut logits = session.forward(prompt, Logits::Last)?.to_vec();
    let stop = loop {
        if tokens.len() == max_tokens {
            break StopReason::MaxTokens;
        }
        let token = sampler.sample(&logits);
        sampler.accept(token);
        if tokenizer.is_eog(token) {
            break StopReason::EndOfGeneration;
        }
        tokens.push(token);
        if on_token(token, &tokenizer.token_to_piece(token, false)).is_break() {
            break StopReason::Stopped;
        }
        if tokens.len() == max_tokens {
            break StopReason::MaxTokens;
        }
        if session.position() == session.n_ctx() {
            break StopReason::ContextFull;
        }
        logits.copy_from_slice(session.forward(&[token], Logits::Last)?);
    };
    Ok(Generation { tokens, stop })
}
