//! Reading YAML content files so that every error names the file and the line.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A problem in a content file, located as precisely as we can.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ContentError {}

/// A content file's text, kept so that later checks can point at the line they are about.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    pub fn read(path: &Path) -> Result<SourceFile, ContentError> {
        let text = std::fs::read_to_string(path).map_err(|e| ContentError {
            file: path.to_path_buf(),
            line: None,
            message: format!("cannot read it: {e}"),
        })?;
        Ok(SourceFile { path: path.to_path_buf(), text })
    }

    /// Parses the whole file; a syntax or shape error carries the parser's line.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ContentError> {
        serde_yaml_ng::from_str(&self.text).map_err(|e| ContentError {
            file: self.path.clone(),
            line: e.location().map(|l| l.line()),
            message: e.to_string(),
        })
    }

    /// An error about the entry whose `key: value` line is found first (the file's first line
    /// when the value does not appear literally, e.g. after YAML quoting).
    pub fn error_at(&self, key: &str, value: &str, message: impl Into<String>) -> ContentError {
        ContentError { file: self.path.clone(), line: Some(self.line_of(key, value)), message: message.into() }
    }

    /// An error about the file as a whole.
    pub fn error(&self, message: impl Into<String>) -> ContentError {
        ContentError { file: self.path.clone(), line: None, message: message.into() }
    }

    fn line_of(&self, key: &str, value: &str) -> usize {
        let unquote = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        self.text
            .lines()
            .position(|line| {
                let line = line.trim_start().trim_start_matches("- ");
                line.split_once(':').is_some_and(|(k, v)| k.trim() == key && unquote(v) == value)
            })
            .map_or(1, |i| i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_of_a_quoted_or_listed_entry() {
        let file = SourceFile {
            path: "q.yaml".into(),
            text: "kind: quiz\nquestions:\n  - id: first\n    type: single\n  - id: \"second\"\n".into(),
        };
        assert_eq!(file.error_at("id", "second", "dup").line, Some(5));
        assert_eq!(file.error_at("id", "first", "x").to_string(), "q.yaml:3: x");
        assert_eq!(file.error_at("id", "missing", "x").line, Some(1));
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Shape {
            kind: String,
        }
        let file = SourceFile { path: "bad.yaml".into(), text: "kind: quiz\n  broken: [\n".into() };
        let err = file.parse::<Shape>().unwrap_err();
        assert_eq!(err.file, PathBuf::from("bad.yaml"));
        assert!(err.line.is_some_and(|l| l >= 2), "{err}");
    }
}
