//! `learn book`: the course's mdBook, built with the mdBook 0.5 libraries, with quizzes,
//! interview sets, tracks, levels and capstones rendered from the same YAML as the terminal.
//!
//! - `build`: load `book/` with mdbook-driver, run our preprocessor in-process, render HTML.
//! - `preprocess`: the `{{#quiz …}}`, `{{#track …}}`, `{{#levels}}`, `{{#capstones}}` directives,
//!   in-process or as mdBook's external preprocessor (`learn book preprocess`).
//! - `quiz_html`: a question set as interactive HTML (the browser side is `book/quiz/quiz.js`).
//! - `links`: every internal link, anchor, include, lab page and quiz directive resolves.
//! - `serve`: a static server on 127.0.0.1 that rebuilds on change.

pub mod build;
pub mod links;
pub mod preprocess;
pub mod quiz_html;
pub mod serve;

use std::path::{Path, PathBuf};

/// The book's folder in a course checkout.
pub fn book_dir(root: &Path) -> PathBuf {
    root.join("book")
}

/// Where `learn book build` writes the HTML unless told otherwise.
pub fn default_dest(root: &Path) -> PathBuf {
    root.join("target").join("book")
}

/// `learn book check`: builds the book into `dest`, then checks its sources and its HTML.
pub fn check(curriculum: &crate::curriculum::Curriculum, root: &Path, dest: &Path) -> anyhow::Result<Vec<links::Problem>> {
    let book_root = book_dir(root);
    build::build(curriculum, &book_root, dest)?;
    let mut problems = links::check_sources(curriculum, &book_root);
    problems.extend(links::check_html(dest).into_iter().map(|p| links::Problem { file: Path::new("(html)").join(&p.file), ..p }));
    Ok(problems)
}
