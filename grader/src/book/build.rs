//! `learn book build`: the book rendered to HTML with mdbook-driver, our preprocessor running
//! in-process in place of the `[preprocessor.workbook]` command of book.toml.

use std::path::Path;

use anyhow::{Context, Result};
use mdbook_driver::MDBook;

use super::preprocess::Workbook;
use crate::curriculum::Curriculum;

/// Builds the book at `book_root` (the folder of book.toml) into `dest`.
pub fn build(curriculum: &Curriculum, book_root: &Path, dest: &Path) -> Result<()> {
    let mut book = MDBook::load(book_root).with_context(|| format!("loading the book in {}", book_root.display()))?;
    book.config.build.build_dir = std::path::absolute(dest)?;
    // Same name as in book.toml: it takes the external command's place (and its order).
    book.with_preprocessor(Workbook::new(curriculum.clone()));
    book.build().with_context(|| format!("building the book into {}", dest.display()))
}
