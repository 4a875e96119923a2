//! The learner's progress: one JSON file, written atomically, updated under a lock, versioned.
//!
//! Records are keyed by stable uids (labs) and question ids, never by display numbers, so a lab
//! that is renumbered keeps its history; a uid listed in `aliases` is moved to the new uid on
//! load. Records for content that no longer exists are kept, not dropped.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::curriculum::{Curriculum, SetKind};

pub const SCHEMA: u32 = 1;
const FILE_NAME: &str = "progress.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Progress {
    pub schema: u32,
    #[serde(default)]
    pub track: Option<String>,
    /// By lab uid.
    #[serde(default)]
    pub labs: BTreeMap<String, LabRecord>,
    /// By question set: `quiz-1`, `interview-2`.
    #[serde(default)]
    pub sets: BTreeMap<String, SetRecord>,
    /// By attestation uid (capstones and `attest` requirements of levels.yaml).
    #[serde(default)]
    pub attestations: BTreeMap<String, Vec<Attestation>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LabRecord {
    pub attempts: Vec<LabAttempt>,
    /// When every graded test first passed.
    #[serde(default)]
    pub completed_at: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LabAttempt {
    pub at: u64,
    pub passed: usize,
    pub total: usize,
    pub complete: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SetRecord {
    /// The latest answer to each question, by question id.
    #[serde(default)]
    pub answers: BTreeMap<String, AnswerRecord>,
    #[serde(default)]
    pub attempts: Vec<SetAttempt>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AnswerRecord {
    pub at: u64,
    /// 0.0..=1.0: right or wrong for quiz questions, key points covered for interview ones.
    pub score: f64,
    /// True for interview answers: the learner judged them.
    #[serde(default)]
    pub self_assessed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SetAttempt {
    pub at: u64,
    /// Question ids asked in this attempt (a retry asks only the missed ones).
    pub asked: Vec<String>,
    pub answered: usize,
    /// Sum of the answers' scores in this attempt.
    pub points: f64,
    /// False when the learner left (or input ended) before the last question.
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attestation {
    pub at: u64,
    pub evidence: String,
    #[serde(default)]
    pub note: Option<String>,
}

pub fn set_key(kind: SetKind, module: u32) -> String {
    format!("{}-{module}", kind.as_str())
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Progress {
    pub fn new() -> Progress {
        Progress { schema: SCHEMA, ..Progress::default() }
    }

    pub fn lab(&self, curriculum_lab: &crate::curriculum::Lab) -> Option<&LabRecord> {
        self.labs.get(&curriculum_lab.spec.uid)
    }

    pub fn lab_complete(&self, lab: &crate::curriculum::Lab) -> bool {
        self.lab(lab).is_some_and(|r| r.completed_at.is_some())
    }

    pub fn set(&self, kind: SetKind, module: u32) -> Option<&SetRecord> {
        self.sets.get(&set_key(kind, module))
    }

    /// Moves records stored under a lab's or question's former ids to its current one.
    fn migrate_aliases(&mut self, curriculum: &Curriculum) {
        for lab in &curriculum.labs {
            for alias in &lab.spec.aliases {
                if let Some(old) = self.labs.remove(alias) {
                    let entry = self.labs.entry(lab.spec.uid.clone()).or_default();
                    entry.attempts.extend(old.attempts);
                    entry.attempts.sort_by_key(|a| a.at);
                    entry.completed_at = match (entry.completed_at, old.completed_at) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
        }
        for set in &curriculum.quizzes {
            let Some(record) = self.sets.get_mut(&set_key(set.kind, set.module)) else { continue };
            for q in &set.questions {
                for alias in &q.aliases {
                    if let Some(old) = record.answers.remove(alias) {
                        let newer = record.answers.get(&q.id).is_none_or(|cur| cur.at < old.at);
                        if newer {
                            record.answers.insert(q.id.clone(), old);
                        }
                    }
                }
            }
        }
    }
}

/// Where the progress file lives: `$LEARN_HOME`, else the platform's data directory.
pub fn home() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("LEARN_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let base = dirs::data_dir().context("no data directory on this platform: set LEARN_HOME to a folder for your progress")?;
    Ok(base.join("llama-workbook"))
}

/// The progress file, read and updated safely.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn open_default() -> Result<Store> {
        Ok(Store { dir: home()? })
    }

    pub fn at(dir: &Path) -> Store {
        Store { dir: dir.to_path_buf() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Reads the progress (empty when there is none yet). A corrupt or newer file is an error,
    /// and the file is left exactly as it is.
    pub fn load(&self, curriculum: &Curriculum) -> Result<Progress> {
        let mut progress = self.read()?;
        progress.migrate_aliases(curriculum);
        Ok(progress)
    }

    fn read(&self) -> Result<Progress> {
        let path = self.path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Progress::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read your progress file {}", path.display())),
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "your progress file {} is not valid JSON ({e}).\n\
                 It has not been changed. Fix it by hand, or move it aside to start afresh \
                 (a backup of the previous good version is at {}.bak when there is one).",
                path.display(),
                path.display()
            )
        })?;
        let schema = value.get("schema").and_then(|s| s.as_u64());
        match schema {
            Some(s) if s == SCHEMA as u64 => {}
            Some(s) if s > SCHEMA as u64 => bail!(
                "your progress file {} was written by a newer `learn` (schema {s}; this one knows {SCHEMA}). \
                 Update this checkout (git pull) before using it; the file has not been changed.",
                path.display()
            ),
            _ => bail!("your progress file {} has no valid \"schema\" field; it has not been changed. Fix it or move it aside.", path.display()),
        }
        serde_json::from_value(value).map_err(|e| {
            anyhow::anyhow!("your progress file {} does not have the expected shape ({e}); it has not been changed. Fix it or move it aside.", path.display())
        })
    }

    /// Reads the latest progress under an exclusive lock, applies `change`, and writes it back
    /// atomically (a temporary file renamed over the old one), so two `learn` processes never
    /// lose each other's updates and a crash never leaves half a file.
    pub fn update<T>(&self, curriculum: &Curriculum, change: impl FnOnce(&mut Progress) -> T) -> Result<T> {
        std::fs::create_dir_all(&self.dir).with_context(|| format!("cannot create {}", self.dir.display()))?;
        let lock_path = self.dir.join("progress.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        lock_exclusive(&lock, &lock_path)?;
        let mut progress = self.load(curriculum)?;
        let out = change(&mut progress);
        self.write(&progress)?;
        drop(lock); // unlocks
        Ok(out)
    }

    fn write(&self, progress: &Progress) -> Result<()> {
        let path = self.path();
        let tmp = self.dir.join(format!("{FILE_NAME}.tmp-{}", std::process::id()));
        let text = serde_json::to_string_pretty(progress)? + "\n";
        let written = (|| -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            if path.exists() {
                std::fs::copy(&path, self.dir.join(format!("{FILE_NAME}.bak")))?;
            }
            std::fs::rename(&tmp, &path)?;
            if let Ok(dir) = File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            Ok(())
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("cannot write your progress file {}", path.display()));
        }
        Ok(())
    }
}

/// Waits up to 10 s for the lock (another `learn` finishing its write), then explains.
fn lock_exclusive(file: &File, path: &Path) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another `learn` process holds {} for more than 10 s; wait for it to finish, then try again",
                path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => return Err(e).with_context(|| format!("cannot lock {}", path.display())),
        }
    }
}
