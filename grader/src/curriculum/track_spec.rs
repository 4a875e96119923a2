//! `tracks/<id>.yaml` (a track, week by week) and `tracks/levels.yaml` (certification).

use std::path::Path;

use serde::Deserialize;

use super::source::{ContentError, SourceFile};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub goal: Option<String>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub job_titles: Vec<String>,
    pub weeks: Vec<Week>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Week {
    pub weeks: String,
    pub title: String,
    #[serde(default)]
    pub notes: Option<String>,
    // `- lab: "1.4"` (a one-key map) rather than YAML's `!lab "1.4"` tag form.
    #[serde(with = "serde_yaml_ng::with::singleton_map_recursive")]
    pub items: Vec<Item>,
}

/// One step of a track.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Item {
    Module(u32),
    Lab(String),
    Quiz(u32),
    Interview(u32),
    Capstone(u32),
}

impl Item {
    pub fn key(&self) -> (&'static str, String) {
        match self {
            Item::Module(m) => ("module", m.to_string()),
            Item::Lab(id) => ("lab", id.clone()),
            Item::Quiz(m) => ("quiz", m.to_string()),
            Item::Interview(m) => ("interview", m.to_string()),
            Item::Capstone(c) => ("capstone", c.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Track {
    pub spec: TrackSpec,
    pub source: SourceFile,
}

impl Track {
    pub fn load(path: &Path) -> Result<Track, ContentError> {
        let source = SourceFile::read(path)?;
        let spec: TrackSpec = source.parse()?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if spec.id != stem {
            return Err(source.error_at("id", &spec.id, format!("the track id {:?} must match its file name {stem:?}", spec.id)));
        }
        if spec.weeks.is_empty() {
            return Err(source.error("a track needs at least one entry under `weeks:`"));
        }
        Ok(Track { spec, source })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelsSpec {
    pub quiz_pass: f64,
    pub capstones: Vec<Capstone>,
    pub levels: Vec<LevelSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capstone {
    pub id: u32,
    pub uid: String,
    pub title: String,
    #[serde(default)]
    pub difficulty: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub requirements: Vec<String>,
    #[serde(default)]
    pub assessment: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSpec {
    pub level: u32,
    pub name: String,
    #[serde(default)]
    pub modules: Vec<u32>,
    #[serde(with = "serde_yaml_ng::with::singleton_map_recursive")]
    pub requires: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Requirement {
    Quiz(ScoreOver),
    Interview(ScoreOver),
    Labs(LabsOf),
    Lab(String),
    Capstones(CapstoneCount),
    Attest(Attestation),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreOver {
    pub modules: Vec<u32>,
    pub min_score: f64,
    /// Interview sets: only questions of at least this level count.
    #[serde(default)]
    pub level: Option<super::quiz_spec::Level>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabsOf {
    pub modules: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapstoneCount {
    #[serde(default)]
    pub count: Option<usize>,
    #[serde(default)]
    pub ids: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    pub uid: String,
    pub text: String,
    #[serde(default = "one")]
    pub count: usize,
}

fn one() -> usize {
    1
}

#[derive(Debug, Clone)]
pub struct Levels {
    pub spec: LevelsSpec,
    pub source: SourceFile,
}

impl Levels {
    pub fn load(path: &Path) -> Result<Levels, ContentError> {
        let source = SourceFile::read(path)?;
        let spec: LevelsSpec = source.parse()?;
        if !(0.0..=1.0).contains(&spec.quiz_pass) {
            return Err(source.error("quiz_pass is a fraction between 0 and 1"));
        }
        for (i, level) in spec.levels.iter().enumerate() {
            if level.level != i as u32 + 1 {
                return Err(source.error_at("level", &level.level.to_string(), "levels must be numbered 1, 2, 3, ... in order"));
            }
        }
        Ok(Levels { spec, source })
    }

    /// Every attestation uid a learner can record: capstones and `attest` requirements.
    pub fn attestable(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            self.spec.capstones.iter().map(|c| (c.uid.clone(), format!("Capstone {}: {}", c.id, c.title))).collect();
        for level in &self.spec.levels {
            for r in &level.requires {
                if let Requirement::Attest(a) = r
                    && !out.iter().any(|(uid, _)| *uid == a.uid)
                {
                    out.push((a.uid.clone(), a.text.clone()));
                }
            }
        }
        out
    }
}
