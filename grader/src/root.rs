//! Finding the course checkout that `learn` works on.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// `$LEARN_ROOT`, else the nearest folder at or above the current one holding `labs/` and
/// `tracks/levels.yaml`, else the checkout this binary was built from.
pub fn course_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("LEARN_ROOT").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        if !is_root(&dir) {
            bail!("LEARN_ROOT={} is not a checkout of the course (no labs/ and tracks/levels.yaml there)", dir.display());
        }
        return Ok(dir);
    }
    if let Ok(cwd) = std::env::current_dir()
        && let Some(dir) = cwd.ancestors().find(|d| is_root(d))
    {
        return Ok(dir.to_path_buf());
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf);
    match built_from.filter(|d| is_root(d)) {
        Some(dir) => Ok(dir),
        None => bail!("cannot find the course: run `learn` inside your checkout of the workbook, or set LEARN_ROOT to it"),
    }
}

fn is_root(dir: &Path) -> bool {
    dir.join("labs").is_dir() && dir.join("tracks/levels.yaml").is_file()
}
