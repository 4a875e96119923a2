//! Everything the course is made of, read once and validated: labs, quizzes, interview sets,
//! tracks, certification levels and the book's lessons. Every error names a file (and a line
//! where it can).

pub mod lab_spec;
pub mod quiz_spec;
pub mod source;
pub mod track_spec;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub use lab_spec::Lab;
pub use quiz_spec::{QuestionSet, SetKind};
pub use source::ContentError;
pub use track_spec::{Item, Levels, Track};

/// The nine modules of the seed, in order.
pub const MODULES: [&str; 9] = [
    "Foundations",
    "Core Implementation",
    "Quantization",
    "GPU Acceleration",
    "Advanced Inference",
    "Server & Production",
    "Multimodal Models",
    "Integration & Ecosystems",
    "Production Engineering",
];

pub fn module_title(module: u32) -> &'static str {
    MODULES.get(module.wrapping_sub(1) as usize).copied().unwrap_or("(unknown module)")
}

/// A lesson page of the book, from `book/src/SUMMARY.md`.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    /// Relative to `book/src`.
    pub page: String,
}

#[derive(Debug, Clone)]
pub struct Curriculum {
    pub root: PathBuf,
    pub labs: Vec<Lab>,
    pub quizzes: Vec<QuestionSet>,
    pub tracks: Vec<Track>,
    pub levels: Levels,
    pub lessons: Vec<Lesson>,
}

/// All the problems found, so that a maintainer fixes them in one go.
#[derive(Debug)]
pub struct ContentErrors(pub Vec<ContentError>);

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the course content has {} problem(s):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContentErrors {}

impl Curriculum {
    pub fn load(root: &Path) -> Result<Curriculum, ContentErrors> {
        let mut errors = Vec::new();
        fn keep<T>(errors: &mut Vec<ContentError>, r: Result<T, ContentError>) -> Option<T> {
            r.map_err(|e| errors.push(e)).ok()
        }

        let labs: Vec<Lab> = yaml_dirs(&root.join("labs")).iter().filter_map(|d| keep(&mut errors, Lab::load(d))).collect();
        let quizzes: Vec<QuestionSet> =
            yaml_files(&root.join("quizzes")).iter().filter_map(|f| keep(&mut errors, QuestionSet::load(f))).collect();
        let tracks: Vec<Track> = yaml_files(&root.join("tracks"))
            .iter()
            .filter(|f| f.file_name().is_some_and(|n| n != "levels.yaml"))
            .filter_map(|f| keep(&mut errors, Track::load(f)))
            .collect();
        let levels = keep(&mut errors, Levels::load(&root.join("tracks/levels.yaml")));
        let lessons = keep(&mut errors, read_lessons(&root.join("book/src/SUMMARY.md"))).unwrap_or_default();
        let Some(levels) = levels else { return Err(ContentErrors(errors)) };

        let curriculum = Curriculum { root: root.to_path_buf(), labs, quizzes, tracks, levels, lessons };
        errors.extend(curriculum.cross_check());
        if errors.is_empty() { Ok(curriculum) } else { Err(ContentErrors(errors)) }
    }

    /// The references between files: ids unique, every item and requirement points at something.
    fn cross_check(&self) -> Vec<ContentError> {
        let mut errors = Vec::new();
        let lessons: HashSet<&str> = self.lessons.iter().map(|l| l.id.as_str()).collect();

        let mut lab_ids = HashMap::new();
        let mut lab_uids = HashMap::new();
        for lab in &self.labs {
            if let Some(other) = lab_ids.insert(lab.spec.id.as_str(), lab) {
                errors.push(lab.source.error_at("id", &lab.spec.id, format!("lab id {} is also used by {}", lab.spec.id, other.dir.display())));
            }
            for uid in lab.uids() {
                if let Some(other) = lab_uids.insert(uid, lab) {
                    errors.push(lab.source.error_at("uid", uid, format!("uid {uid} is also used by {}", other.dir.display())));
                }
            }
            if !lessons.contains(lab.spec.lesson.as_str()) {
                errors.push(lab.source.error_at("lesson", &lab.spec.lesson, format!("lesson {} is not in book/src/SUMMARY.md", lab.spec.lesson)));
            }
        }

        let mut sets = HashSet::new();
        for set in &self.quizzes {
            if !(1..=MODULES.len() as u32).contains(&set.module) {
                errors.push(set.source.error_at("module", &set.module.to_string(), "module must be 1 to 9"));
            }
            if !sets.insert((set.kind, set.module)) {
                errors.push(set.source.error(format!("module {} has a second {} file", set.module, set.kind.as_str())));
            }
            for q in &set.questions {
                if let Some(lesson) = &q.lesson
                    && !lessons.contains(lesson.as_str())
                {
                    errors.push(set.source.error_at("lesson", lesson, format!("question {}: lesson {lesson} is not in book/src/SUMMARY.md", q.id)));
                }
            }
        }

        let capstones: HashSet<u32> = self.levels.spec.capstones.iter().map(|c| c.id).collect();
        for track in &self.tracks {
            for week in &track.spec.weeks {
                for item in &week.items {
                    if let Some(problem) = self.missing(item, &capstones) {
                        let (key, value) = item.key();
                        errors.push(track.source.error_at(key, &value, problem));
                    }
                }
            }
        }
        for level in &self.levels.spec.levels {
            for r in &level.requires {
                use track_spec::Requirement::*;
                let problem = match r {
                    Quiz(s) => s.modules.iter().find(|m| self.set(SetKind::Quiz, **m).is_none()).map(|m| format!("level {}: there is no quiz for module {m}", level.level)),
                    Interview(s) => s.modules.iter().find(|m| self.set(SetKind::Interview, **m).is_none()).map(|m| format!("level {}: there is no interview set for module {m}", level.level)),
                    Labs(l) => l.modules.iter().find(|m| !self.labs.iter().any(|lab| lab.spec.module == **m)).map(|m| format!("level {}: module {m} has no labs", level.level)),
                    Lab(id) => self.lab(id).is_none().then(|| format!("level {}: there is no lab {id}", level.level)),
                    Capstones(c) => c.ids.iter().find(|id| !capstones.contains(id)).map(|id| format!("level {}: there is no capstone {id}", level.level)),
                    Attest(_) => None,
                };
                if let Some(p) = problem {
                    errors.push(self.levels.source.error_at("level", &level.level.to_string(), p));
                }
            }
        }
        errors
    }

    fn missing(&self, item: &Item, capstones: &HashSet<u32>) -> Option<String> {
        match item {
            Item::Module(m) => (!(1..=MODULES.len() as u32).contains(m)).then(|| format!("there is no module {m}")),
            Item::Lab(id) => self.lab(id).is_none().then(|| format!("there is no lab {id}")),
            Item::Quiz(m) => self.set(SetKind::Quiz, *m).is_none().then(|| format!("there is no quiz for module {m}")),
            Item::Interview(m) => self.set(SetKind::Interview, *m).is_none().then(|| format!("there is no interview set for module {m}")),
            Item::Capstone(c) => (!capstones.contains(c)).then(|| format!("there is no capstone {c}")),
        }
    }

    pub fn lab(&self, id: &str) -> Option<&Lab> {
        self.labs.iter().find(|l| l.spec.id == id)
    }

    pub fn set(&self, kind: SetKind, module: u32) -> Option<&QuestionSet> {
        self.quizzes.iter().find(|s| s.kind == kind && s.module == module)
    }

    pub fn track(&self, id: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.spec.id == id)
    }

    pub fn labs_of(&self, module: u32) -> impl Iterator<Item = &Lab> {
        self.labs.iter().filter(move |l| l.spec.module == module)
    }
}

/// Sub-folders of `dir` holding a `lab.yaml`, sorted by lab number (1.2 before 1.10).
fn yaml_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = read_dir_sorted(dir).into_iter().filter(|p| p.join("lab.yaml").is_file()).collect();
    out.sort_by_key(|p| lab_order(&p.file_name().unwrap_or_default().to_string_lossy()));
    out
}

fn lab_order(dir_name: &str) -> (u32, u32, String) {
    let id = dir_name.split('-').next().unwrap_or_default();
    let (m, n) = id.split_once('.').unwrap_or((id, "0"));
    (m.parse().unwrap_or(u32::MAX), n.parse().unwrap_or(u32::MAX), dir_name.to_string())
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    read_dir_sorted(dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml")).collect()
}

fn read_dir_sorted(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    out.sort();
    out
}

/// Lessons are the SUMMARY entries titled "M.N Title" that link a page.
fn read_lessons(summary: &Path) -> Result<Vec<Lesson>, ContentError> {
    let file = source::SourceFile::read(summary)?;
    let mut lessons = Vec::new();
    for line in file.text.lines() {
        let line = line.trim_start().trim_start_matches(['-', '*']).trim_start();
        let Some(rest) = line.strip_prefix('[') else { continue };
        let Some((title, rest)) = rest.split_once("](") else { continue };
        let Some((page, _)) = rest.split_once(')') else { continue };
        let Some((id, name)) = title.split_once(' ') else { continue };
        let is_lesson = id.split_once('.').is_some_and(|(m, n)| m.parse::<u32>().is_ok() && n.parse::<u32>().is_ok());
        if is_lesson {
            lessons.push(Lesson { id: id.to_string(), title: name.to_string(), page: page.to_string() });
        }
    }
    Ok(lessons)
}
