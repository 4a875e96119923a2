//! The reference engine of the LLaMA.cpp learning path.
//!
//! Read it in course order: [`gguf`] (module 1: the file format), [`tensor`] and [`quant`]
//! (module 3: the block formats), [`tokenizer`] (text ↔ token ids), then the model (module 2,
//! issue 3).

pub mod fetch;
pub mod gguf;
pub mod model_quantize;
pub mod quant;
pub mod tensor;
pub mod tokenizer;

