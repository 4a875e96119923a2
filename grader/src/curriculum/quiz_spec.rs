//! `quizzes/NN-<slug>.yaml` and `quizzes/NN-<slug>-interview.yaml`.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::source::{ContentError, SourceFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SetKind {
    Quiz,
    Interview,
}

impl SetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SetKind::Quiz => "quiz",
            SetKind::Interview => "interview",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    kind: SetKind,
    module: u32,
    title: String,
    questions: Vec<RawQuestion>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawType {
    Single,
    Multiple,
    Numeric,
    Short,
    Ordering,
}

/// Every field any question kind may have; `QuestionSet::load` checks that each kind has what it
/// needs and nothing it does not.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    lesson: Option<String>,
    #[serde(rename = "type")]
    kind: Option<RawType>,
    prompt: String,
    #[serde(default)]
    explanation: Option<String>,
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    answer: Option<f64>,
    #[serde(default)]
    tolerance: Option<f64>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    engine_fact: Option<String>,
    #[serde(default)]
    accept: Option<Vec<String>>,
    #[serde(default)]
    items: Option<Vec<String>>,
    // interview questions
    #[serde(default)]
    level: Option<Level>,
    #[serde(default)]
    model_answer: Option<String>,
    #[serde(default)]
    key_points: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub text: String,
    #[serde(default)]
    pub correct: bool,
    /// Why this choice is wrong (required for wrong choices), or a note on a right one.
    #[serde(default)]
    pub why: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Mid,
    Senior,
    Staff,
}

/// What the learner is asked, and how an answer is judged.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Single { choices: Vec<Choice> },
    Multiple { choices: Vec<Choice> },
    Numeric { answer: f64, tolerance: f64, unit: Option<String>, engine_fact: Option<String> },
    Short { accept: Vec<String> },
    /// `items` in the right order.
    Ordering { items: Vec<String> },
    Interview { level: Level, model_answer: String, key_points: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub aliases: Vec<String>,
    pub lesson: Option<String>,
    pub prompt: String,
    pub explanation: String,
    pub ask: Ask,
}

#[derive(Debug, Clone)]
pub struct QuestionSet {
    pub kind: SetKind,
    pub module: u32,
    pub title: String,
    pub questions: Vec<Question>,
    pub source: SourceFile,
}

impl QuestionSet {
    pub fn load(path: &Path) -> Result<QuestionSet, ContentError> {
        let source = SourceFile::read(path)?;
        let raw: RawSet = source.parse()?;
        let mut ids = HashSet::new();
        let mut questions = Vec::with_capacity(raw.questions.len());
        for q in raw.questions {
            let at = |message: String| source.error_at("id", &q.id, format!("question {:?}: {message}", q.id));
            if q.id.is_empty() || !q.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(at("an id is a non-empty kebab-case key".into()));
            }
            for id in std::iter::once(&q.id).chain(&q.aliases) {
                if !ids.insert(id.clone()) {
                    return Err(at(format!("the id {id:?} is used twice in this file")));
                }
            }
            if q.prompt.trim().is_empty() {
                return Err(at("the prompt is empty".into()));
            }
            let ask = match raw.kind {
                SetKind::Quiz => quiz_ask(&q).map_err(at)?,
                SetKind::Interview => interview_ask(&q).map_err(at)?,
            };
            let explanation = q.explanation.clone().unwrap_or_default();
            if raw.kind == SetKind::Quiz && explanation.trim().is_empty() {
                return Err(at("every quiz question needs an `explanation`".into()));
            }
            questions.push(Question { id: q.id, aliases: q.aliases, lesson: q.lesson, prompt: q.prompt, explanation, ask });
        }
        if questions.is_empty() {
            return Err(source.error("the file has no questions"));
        }
        Ok(QuestionSet { kind: raw.kind, module: raw.module, title: raw.title, questions, source })
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id || q.aliases.iter().any(|a| a == id))
    }
}

fn quiz_ask(q: &RawQuestion) -> Result<Ask, String> {
    let kind = q.kind.ok_or("a quiz question needs a `type`: single, multiple, numeric, short or ordering")?;
    if q.level.is_some() || q.model_answer.is_some() || q.key_points.is_some() {
        return Err("level/model_answer/key_points belong to interview sets (kind: interview)".into());
    }
    let only = |allowed: &[&str]| -> Result<(), String> {
        let present = [
            ("choices", q.choices.is_some()),
            ("answer", q.answer.is_some()),
            ("tolerance", q.tolerance.is_some()),
            ("unit", q.unit.is_some()),
            ("engine_fact", q.engine_fact.is_some()),
            ("accept", q.accept.is_some()),
            ("items", q.items.is_some()),
        ];
        match present.iter().find(|(name, here)| *here && !allowed.contains(name)) {
            Some((name, _)) => Err(format!("`{name}` does not belong to a {kind:?} question")),
            None => Ok(()),
        }
    };
    Ok(match kind {
        RawType::Single | RawType::Multiple => {
            only(&["choices"])?;
            let choices = q.choices.clone().ok_or("a choice question needs `choices`")?;
            if choices.len() < 2 {
                return Err("a choice question needs at least two choices".into());
            }
            let right = choices.iter().filter(|c| c.correct).count();
            if kind == RawType::Single && right != 1 {
                return Err(format!("a single-choice question needs exactly one correct choice, not {right}"));
            }
            if kind == RawType::Multiple && right == 0 {
                return Err("a multiple-choice question needs at least one correct choice".into());
            }
            if let Some(c) = choices.iter().find(|c| !c.correct && c.why.as_deref().is_none_or(|w| w.trim().is_empty())) {
                return Err(format!("the wrong choice {:?} must say `why` it is wrong", c.text));
            }
            if kind == RawType::Single { Ask::Single { choices } } else { Ask::Multiple { choices } }
        }
        RawType::Numeric => {
            only(&["answer", "tolerance", "unit", "engine_fact"])?;
            let answer = q.answer.ok_or("a numeric question needs an `answer`")?;
            let tolerance = q.tolerance.unwrap_or(0.0);
            if !answer.is_finite() || !tolerance.is_finite() || tolerance < 0.0 {
                return Err("answer and tolerance must be finite, tolerance >= 0".into());
            }
            Ask::Numeric { answer, tolerance, unit: q.unit.clone(), engine_fact: q.engine_fact.clone() }
        }
        RawType::Short => {
            only(&["accept"])?;
            let accept = q.accept.clone().filter(|a| !a.is_empty()).ok_or("a short-answer question needs `accept` (one or more forms)")?;
            Ask::Short { accept }
        }
        RawType::Ordering => {
            only(&["items"])?;
            let items = q.items.clone().ok_or("an ordering question needs `items` in the right order")?;
            if items.len() < 3 {
                return Err("an ordering question needs at least three items".into());
            }
            if items.iter().collect::<HashSet<_>>().len() != items.len() {
                return Err("the items of an ordering question must be distinct".into());
            }
            Ask::Ordering { items }
        }
    })
}

fn interview_ask(q: &RawQuestion) -> Result<Ask, String> {
    if q.kind.is_some() || q.choices.is_some() || q.answer.is_some() || q.accept.is_some() || q.items.is_some() {
        return Err("an interview question has only prompt, level, model_answer and key_points".into());
    }
    let level = q.level.ok_or("an interview question needs a `level`: mid, senior or staff")?;
    let model_answer = q.model_answer.clone().filter(|a| !a.trim().is_empty()).ok_or("an interview question needs a `model_answer`")?;
    let key_points = q.key_points.clone().filter(|k| !k.is_empty()).ok_or("an interview question needs `key_points`")?;
    Ok(Ask::Interview { level, model_answer, key_points })
}
