//! Arguments shared by the commands that run a model.

use std::path::PathBuf;

use anyhow::Result;
use engine::gguf::GgufFile;

#[derive(clap::Args, Clone)]
pub struct ModelArgs {
    /// The model (default: the default model, fetched on first use).
    #[arg(long, short = 'm')]
    pub model: Option<PathBuf>,
    /// Threads for the forward pass.
    #[arg(long, short = 't', default_value_t = default_threads())]
    pub threads: usize,
}

pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

impl ModelArgs {
    /// Opens the model file (fetching the default model if none was given).
    pub fn open(&self) -> Result<GgufFile> {
        let path = engine::fetch::model_path(self.model.as_deref())?;
        Ok(GgufFile::open(&path)?)
    }
}
