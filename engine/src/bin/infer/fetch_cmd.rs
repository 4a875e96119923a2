//! `infer fetch`: fetch (or re-verify) the default model.

use anyhow::Result;
use engine::fetch;

pub fn run() -> Result<()> {
    let cached = fetch::cache_dir()?.join(fetch::MODEL_FILE_NAME);
    let path = if cached.exists() {
        // Re-check the hash of what is there: this is the command to run when in doubt.
        match fetch::check_sha256(&cached, fetch::MODEL_SHA256) {
            Ok(()) => cached,
            Err(e) => {
                eprintln!("{e:#}\nfetching it again");
                std::fs::remove_file(&cached)?;
                fetch::fetch_default_model()?
            }
        }
    } else {
        fetch::fetch_default_model()?
    };
    println!("{}", path.display());
    Ok(())
}
