//! What the learner has done, computed from the progress file and the course content: per
//! module, per track item, and per certification level (tracks/levels.yaml).

use serde::Serialize;

use crate::curriculum::track_spec::{Item, Requirement};
use crate::curriculum::{Curriculum, SetKind};
use crate::progress::Progress;
use crate::quiz::set_score;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModuleProgress {
    pub module: u32,
    pub title: &'static str,
    pub labs_done: usize,
    pub labs: usize,
    /// None when the module has no quiz yet.
    pub quiz_score: Option<f64>,
    pub interview_score: Option<f64>,
}

impl ModuleProgress {
    /// Done: every lab complete and the quiz at the pass mark. None when there is nothing to
    /// check yet (no labs and no quiz).
    pub fn done(&self, quiz_pass: f64) -> Option<bool> {
        if self.labs == 0 && self.quiz_score.is_none() {
            return None;
        }
        Some(self.labs_done == self.labs && self.quiz_score.is_none_or(|s| s >= quiz_pass))
    }
}

pub fn modules(curriculum: &Curriculum, progress: &Progress) -> Vec<ModuleProgress> {
    (1..=crate::curriculum::MODULES.len() as u32)
        .map(|m| {
            let labs: Vec<_> = curriculum.labs_of(m).collect();
            let score = |kind| curriculum.set(kind, m).map(|s| set_score(s, progress.set(kind, m), None));
            ModuleProgress {
                module: m,
                title: crate::curriculum::module_title(m),
                labs_done: labs.iter().filter(|l| progress.lab_complete(l)).count(),
                labs: labs.len(),
                quiz_score: score(SetKind::Quiz),
                interview_score: score(SetKind::Interview),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemState {
    Done,
    Todo,
    /// Nothing to check yet (a module whose labs and quiz are still to come): read its pages.
    Reading,
}

pub fn item_state(curriculum: &Curriculum, progress: &Progress, modules: &[ModuleProgress], item: &Item) -> ItemState {
    let pass = curriculum.levels.spec.quiz_pass;
    let done = match item {
        Item::Module(m) => match modules.get(*m as usize - 1).and_then(|mp| mp.done(pass)) {
            Some(done) => done,
            None => return ItemState::Reading,
        },
        Item::Lab(id) => curriculum.lab(id).is_some_and(|l| progress.lab_complete(l)),
        Item::Quiz(m) => curriculum.set(SetKind::Quiz, *m).is_some_and(|s| set_score(s, progress.set(SetKind::Quiz, *m), None) >= pass),
        Item::Interview(m) => curriculum
            .set(SetKind::Interview, *m)
            .is_some_and(|s| progress.set(SetKind::Interview, *m).is_some_and(|r| s.questions.iter().all(|q| r.answers.contains_key(&q.id)))),
        Item::Capstone(c) => curriculum
            .levels
            .spec
            .capstones
            .iter()
            .find(|cap| cap.id == *c)
            .is_some_and(|cap| progress.attestations.get(&cap.uid).is_some_and(|a| !a.is_empty())),
    };
    if done { ItemState::Done } else { ItemState::Todo }
}

pub fn describe(curriculum: &Curriculum, item: &Item) -> String {
    match item {
        Item::Module(m) => format!("Module {m}: {}", crate::curriculum::module_title(*m)),
        Item::Lab(id) => match curriculum.lab(id) {
            Some(l) => format!("Lab {id}: {}", l.spec.title),
            None => format!("Lab {id}"),
        },
        Item::Quiz(m) => format!("Quiz {m}: {}", crate::curriculum::module_title(*m)),
        Item::Interview(m) => format!("Interview questions {m}: {}", crate::curriculum::module_title(*m)),
        Item::Capstone(c) => match curriculum.levels.spec.capstones.iter().find(|cap| cap.id == *c) {
            Some(cap) => format!("Capstone {c}: {}", cap.title),
            None => format!("Capstone {c}"),
        },
    }
}

/// The command that starts an item.
pub fn command_for(item: &Item) -> String {
    match item {
        Item::Module(m) => format!("cargo learn book   (module {m})"),
        Item::Lab(id) => format!("cargo learn lab {id}"),
        Item::Quiz(m) => format!("cargo learn quiz {m}"),
        Item::Interview(m) => format!("cargo learn quiz {m} --interview"),
        Item::Capstone(_) => "cargo learn attest --list".into(),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequirementStatus {
    pub text: String,
    pub met: bool,
    /// Met on the learner's word (with evidence), not checked on this machine.
    pub attested: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LevelStatus {
    pub level: u32,
    pub name: String,
    pub achieved: bool,
    /// Achieved, with at least one requirement attested rather than verified.
    pub includes_attested: bool,
    pub requirements: Vec<RequirementStatus>,
}

pub fn levels(curriculum: &Curriculum, progress: &Progress) -> Vec<LevelStatus> {
    let mut below_achieved = true;
    curriculum
        .levels
        .spec
        .levels
        .iter()
        .map(|level| {
            let requirements: Vec<RequirementStatus> = level.requires.iter().map(|r| requirement(curriculum, progress, r)).collect();
            // Levels build on each other: level 3 needs levels 1 and 2.
            let achieved = below_achieved && requirements.iter().all(|r| r.met);
            below_achieved = achieved;
            let includes_attested = achieved && requirements.iter().any(|r| r.attested);
            LevelStatus { level: level.level, name: level.name.clone(), achieved, includes_attested, requirements }
        })
        .collect()
}

/// The highest level reached (0 before level 1).
pub fn current_level(levels: &[LevelStatus]) -> u32 {
    levels.iter().take_while(|l| l.achieved).last().map_or(0, |l| l.level)
}

fn requirement(curriculum: &Curriculum, progress: &Progress, r: &Requirement) -> RequirementStatus {
    let pct = |x: f64| format!("{:.0}%", 100.0 * x);
    match r {
        Requirement::Quiz(s) | Requirement::Interview(s) => {
            let kind = if matches!(r, Requirement::Quiz(_)) { SetKind::Quiz } else { SetKind::Interview };
            let scores: Vec<(u32, f64)> = s
                .modules
                .iter()
                .map(|&m| (m, curriculum.set(kind, m).map_or(0.0, |set| set_score(set, progress.set(kind, m), s.level))))
                .collect();
            let what = match (kind, s.level) {
                (SetKind::Quiz, _) => "quiz".to_string(),
                (SetKind::Interview, Some(l)) => format!("{l:?}-level interview questions").to_lowercase(),
                (SetKind::Interview, None) => "interview questions".to_string(),
            };
            let now: Vec<String> = scores.iter().map(|(m, x)| format!("module {m}: {}", pct(*x))).collect();
            RequirementStatus {
                text: format!("{} or more on the {what} of {} (now {})", pct(s.min_score), modules_text(&s.modules), now.join(", ")),
                met: scores.iter().all(|(_, x)| *x >= s.min_score - 1e-9),
                attested: kind == SetKind::Interview,
            }
        }
        Requirement::Labs(l) => {
            let labs: Vec<_> = curriculum.labs.iter().filter(|lab| l.modules.contains(&lab.spec.module)).collect();
            let done = labs.iter().filter(|lab| progress.lab_complete(lab)).count();
            RequirementStatus {
                text: format!("every lab of {} complete ({done} of {})", modules_text(&l.modules), labs.len()),
                met: !labs.is_empty() && done == labs.len(),
                attested: false,
            }
        }
        Requirement::Lab(id) => {
            let lab = curriculum.lab(id);
            RequirementStatus {
                text: format!("lab {id} complete{}", lab.map(|l| format!(" ({})", l.spec.title)).unwrap_or_default()),
                met: lab.is_some_and(|l| progress.lab_complete(l)),
                attested: false,
            }
        }
        Requirement::Capstones(c) => {
            let caps = &curriculum.levels.spec.capstones;
            let attested: Vec<u32> = caps.iter().filter(|cap| progress.attestations.get(&cap.uid).is_some_and(|a| !a.is_empty())).map(|cap| cap.id).collect();
            let (text, met) = if !c.ids.is_empty() {
                (format!("capstones {} done", c.ids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")), c.ids.iter().all(|id| attested.contains(id)))
            } else {
                let n = c.count.unwrap_or(caps.len());
                (format!("{n} or more capstone projects done ({} so far)", attested.len()), attested.len() >= n)
            };
            RequirementStatus { text, met, attested: true }
        }
        Requirement::Attest(a) => {
            let have = progress.attestations.get(&a.uid).map_or(0, Vec::len);
            let count = if a.count > 1 { format!(" ({have} of {})", a.count) } else { String::new() };
            RequirementStatus { text: format!("{}{count}", a.text), met: have >= a.count, attested: true }
        }
    }
}

/// "module 1" or "modules 1, 2".
fn modules_text(xs: &[u32]) -> String {
    let list = xs.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    if xs.len() == 1 { format!("module {list}") } else { format!("modules {list}") }
}
