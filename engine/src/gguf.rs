//! GGUF (TODO)
