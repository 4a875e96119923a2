//! `labs/<M>.<N>-<slug>/lab.yaml`: what a lab is and how it is graded.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::source::{ContentError, SourceFile};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabSpec {
    /// The stable key of the learner's progress.
    pub uid: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The number shown and typed: `learn lab 1.1`.
    pub id: String,
    pub title: String,
    pub module: u32,
    pub lesson: String,
    #[serde(default)]
    pub estimate_minutes: Option<u32>,
    #[serde(default)]
    pub objectives: Vec<String>,
    pub files: Vec<String>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    pub tests: Vec<GradedTest>,
    /// Plausible mistakes that the graded tests must catch: `learn dev check` plants each one
    /// in the reference solution and expects at least one graded test to fail.
    #[serde(default)]
    pub mistakes: Vec<Mistake>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mistake {
    pub name: String,
    /// Relative to the lab, usually `solution/lib.rs`.
    pub file: String,
    /// Text that occurs exactly once in `file`…
    pub find: String,
    /// …and what the mistaken version has instead.
    pub replace: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradedTest {
    pub name: String,
    pub hint: String,
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

fn default_timeout() -> u64 {
    60
}

/// A lab on disk: its spec and where it lives.
#[derive(Debug, Clone)]
pub struct Lab {
    pub spec: LabSpec,
    pub dir: PathBuf,
    /// The Cargo package name, from the lab's Cargo.toml.
    pub package: String,
    pub source: SourceFile,
}

impl Lab {
    pub fn load(dir: &Path) -> Result<Lab, ContentError> {
        let source = SourceFile::read(&dir.join("lab.yaml"))?;
        let spec: LabSpec = source.parse()?;
        let package = package_name(&dir.join("Cargo.toml"))?;
        let lab = Lab { spec, dir: dir.to_path_buf(), package, source };
        lab.validate()?;
        Ok(lab)
    }

    fn validate(&self) -> Result<(), ContentError> {
        let s = &self.spec;
        let id_ok = s.id.split_once('.').is_some_and(|(m, n)| m.parse() == Ok(s.module) && n.parse::<u32>().is_ok());
        if !id_ok {
            return Err(self.source.error_at("id", &s.id, format!("id {:?} must be \"<module>.<n>\" with module {}", s.id, s.module)));
        }
        let dir_name = self.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !dir_name.starts_with(&format!("{}-", s.id)) {
            return Err(self.source.error_at("id", &s.id, format!("the lab's folder {dir_name:?} must start with its id \"{}-\"", s.id)));
        }
        if s.uid.is_empty() || !s.uid.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
            return Err(self.source.error_at("uid", &s.uid, "uid must be non-empty kebab-case (a-z, 0-9, '-')"));
        }
        if s.tests.is_empty() {
            return Err(self.source.error("a lab needs at least one graded test under `tests:`"));
        }
        let mut seen = std::collections::HashSet::new();
        for t in &s.tests {
            if !seen.insert(t.name.as_str()) {
                return Err(self.source.error_at("name", &t.name, format!("graded test {:?} is listed twice", t.name)));
            }
            if t.hint.trim().is_empty() {
                return Err(self.source.error_at("name", &t.name, format!("graded test {:?} has no hint", t.name)));
            }
        }
        for m in &s.mistakes {
            let text = std::fs::read_to_string(self.dir.join(&m.file)).unwrap_or_default();
            if text.matches(m.find.as_str()).count() != 1 {
                return Err(self.source.error_at("name", &m.name, format!("mistake {:?}: its `find` text must occur exactly once in {}", m.name, m.file)));
            }
        }
        for f in &s.files {
            if !self.dir.join(f).is_file() {
                return Err(self.source.error(format!("`files` lists {f}, which does not exist in {}", self.dir.display())));
            }
        }
        Ok(())
    }

    pub fn timeout_of(&self, test: &str) -> u64 {
        self.spec.tests.iter().find(|t| t.name == test).and_then(|t| t.timeout_seconds).unwrap_or(self.spec.timeout_seconds)
    }

    pub fn hint_of(&self, test: &str) -> Option<&str> {
        self.spec.tests.iter().find(|t| t.name == test).map(|t| t.hint.as_str())
    }

    /// Every uid this lab's progress may be stored under, the current one first.
    pub fn uids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.spec.uid.as_str()).chain(self.spec.aliases.iter().map(String::as_str))
    }
}

/// The `name` of `[package]` in a Cargo.toml (enough of TOML for our own lab manifests).
fn package_name(manifest: &Path) -> Result<String, ContentError> {
    let file = SourceFile::read(manifest)?;
    let mut in_package = false;
    for (i, line) in file.text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "name"
        {
            let name = value.trim().trim_matches('"');
            if name.is_empty() {
                return Err(ContentError { file: manifest.into(), line: Some(i + 1), message: "empty package name".into() });
            }
            return Ok(name.to_string());
        }
    }
    Err(file.error("no `name` under [package]"))
}
