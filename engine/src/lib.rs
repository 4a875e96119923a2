//! The reference engine of the LLaMA.cpp learning path.
//!
//! Read it in course order: [`gguf`] (module 1: the file format), [`tensor`] and [`quant`]
//! (module 3: the block formats), [`tokenizer`] (text ↔ token ids), then the model (module 2,
//! issue 3).

pub mod bench;
pub mod chat_template;
pub mod fetch;
pub mod generate;
pub mod gguf;
pub mod kv_cache;
pub mod model;
pub mod model_quantize;
pub mod ops;
pub mod perplexity;
pub mod quant;
pub mod sampling;
pub mod tensor;
pub mod threadpool;
pub mod tokenizer;

