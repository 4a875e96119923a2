//! A small course (one lab, a quiz with every kind of question, an interview set, a track,
//! levels and a capstone) with the real book.toml and quiz JS/CSS, copied to a temporary folder.
#![allow(dead_code)] // each test file uses part of this

use std::path::{Path, PathBuf};

use grader::curriculum::Curriculum;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub struct Course {
    pub dir: tempfile::TempDir,
}

impl Course {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
    pub fn book(&self) -> PathBuf {
        self.root().join("book")
    }
    pub fn site(&self) -> PathBuf {
        self.root().join("site")
    }
    pub fn curriculum(&self) -> Curriculum {
        Curriculum::load(self.root()).unwrap_or_else(|e| panic!("the fixture course does not load: {e}"))
    }
    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.root().join(rel), text).unwrap();
    }
    pub fn append(&self, rel: &str, text: &str) {
        let old = std::fs::read_to_string(self.root().join(rel)).unwrap();
        self.write(rel, &(old + text));
    }
    pub fn build(&self) {
        grader::book::build::build(&self.curriculum(), &self.book(), &self.site()).unwrap_or_else(|e| panic!("{e:#}"));
    }
    pub fn page(&self, rel: &str) -> String {
        std::fs::read_to_string(self.site().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

pub fn course() -> Course {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("grader/tests/fixtures/book-course"), dir.path());
    std::fs::copy(repo().join("book/book.toml"), dir.path().join("book/book.toml")).unwrap();
    copy_dir(&repo().join("book/quiz"), &dir.path().join("book/quiz"));
    Course { dir }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
