//! Reading an answer typed as text, and judging it. Shared by the terminal UI, the plain-text
//! mode and the tests.

use crate::curriculum::quiz_spec::{Ask, Question};

/// An answer to one question. Indices are into the choices as shown, or, for ordering, into
/// the items as shown (see `shown_order`).
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Choice(usize),
    Choices(Vec<usize>),
    Number(f64),
    Text(String),
    Order(Vec<usize>),
    /// Interview: which key points the learner says they covered.
    Covered(Vec<usize>),
}

/// The items of an ordering question as shown: a fixed shuffle per question id, so a scripted
/// answer stays valid from run to run, and never the right order itself.
pub fn shown_order(q: &Question) -> Vec<usize> {
    let n = match &q.ask {
        Ask::Ordering { items } => items.len(),
        _ => return Vec::new(),
    };
    let mut state = q.id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    if order.iter().enumerate().all(|(i, &o)| i == o) {
        order.rotate_left(1);
    }
    order
}

pub fn letter(i: usize) -> char {
    (b'a' + (i % 26) as u8) as char
}

/// How to type an answer to this question, for prompts and for "try again" messages.
pub fn expected_form(q: &Question) -> String {
    match &q.ask {
        Ask::Single { choices } => format!("one letter, a to {}", letter(choices.len() - 1)),
        Ask::Multiple { choices } => format!("all letters that apply, e.g. \"a c\", from a to {}", letter(choices.len() - 1)),
        Ask::Numeric { unit, .. } => match unit {
            Some(u) => format!("a number, in {u}"),
            None => "a number".into(),
        },
        Ask::Short { .. } => "a word or short phrase".into(),
        Ask::Ordering { items } => format!("all {} letters in the right order, e.g. \"c a b\"", items.len()),
        Ask::Interview { key_points, .. } => {
            format!("the numbers of the key points you covered, e.g. \"1 3\" (1 to {}), or \"none\"", key_points.len())
        }
    }
}

/// Parses what the learner typed; `Err` says what form was expected.
pub fn parse(q: &Question, input: &str) -> Result<Answer, String> {
    let input = input.trim();
    let bad = || Err(format!("please answer with {}", expected_form(q)));
    let letters = |n: usize| -> Option<Vec<usize>> {
        let picked: Option<Vec<usize>> = input
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                let s = s.to_ascii_lowercase();
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if c.is_ascii_lowercase() && ((c as u8 - b'a') as usize) < n => Some((c as u8 - b'a') as usize),
                    _ => None,
                }
            })
            .collect();
        picked.filter(|p| !p.is_empty())
    };
    match &q.ask {
        Ask::Single { choices } => match letters(choices.len()) {
            Some(p) if p.len() == 1 => Ok(Answer::Choice(p[0])),
            _ => bad(),
        },
        Ask::Multiple { choices } => match letters(choices.len()) {
            Some(mut p) => {
                p.sort();
                p.dedup();
                Ok(Answer::Choices(p))
            }
            None => bad(),
        },
        Ask::Numeric { unit, .. } => {
            let mut text = input.replace(['_', ','], "");
            if let Some(u) = unit {
                text = text.trim_end_matches(u.as_str()).trim().to_string();
            }
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Answer::Number(x)),
                _ => bad(),
            }
        }
        Ask::Short { .. } => {
            if input.is_empty() { bad() } else { Ok(Answer::Text(input.to_string())) }
        }
        Ask::Ordering { items } => match letters(items.len()) {
            Some(p) if p.len() == items.len() && {
                let mut s = p.clone();
                s.sort();
                s.dedup();
                s.len() == items.len()
            } =>
            {
                Ok(Answer::Order(p))
            }
            _ => bad(),
        },
        Ask::Interview { key_points, .. } => {
            if input.eq_ignore_ascii_case("none") || input == "-" {
                return Ok(Answer::Covered(Vec::new()));
            }
            let picked: Option<Vec<usize>> = input
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<usize>().ok().filter(|&k| (1..=key_points.len()).contains(&k)).map(|k| k - 1))
                .collect();
            match picked {
                Some(mut p) if !p.is_empty() => {
                    p.sort();
                    p.dedup();
                    Ok(Answer::Covered(p))
                }
                _ => bad(),
            }
        }
    }
}

/// The score of an answer: 1.0 or 0.0 for quiz questions, the fraction of key points covered
/// for interview questions.
pub fn score(q: &Question, answer: &Answer) -> f64 {
    let right = match (&q.ask, answer) {
        (Ask::Single { choices }, Answer::Choice(i)) => choices.get(*i).is_some_and(|c| c.correct),
        (Ask::Multiple { choices }, Answer::Choices(picked)) => {
            choices.iter().enumerate().all(|(i, c)| c.correct == picked.contains(&i))
        }
        (Ask::Numeric { answer, tolerance, .. }, Answer::Number(x)) => (x - answer).abs() <= tolerance + 1e-9 * answer.abs(),
        (Ask::Short { accept }, Answer::Text(t)) => {
            let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            accept.iter().any(|a| norm(a) == norm(t))
        }
        (Ask::Ordering { .. }, Answer::Order(picked)) => {
            let shown = shown_order(q);
            picked.iter().map(|&i| shown[i]).eq(0..shown.len())
        }
        (Ask::Interview { key_points, .. }, Answer::Covered(c)) => return c.len() as f64 / key_points.len() as f64,
        _ => false,
    };
    if right { 1.0 } else { 0.0 }
}

/// The right answer, written as the learner would see it.
pub fn right_answer(q: &Question) -> String {
    match &q.ask {
        Ask::Single { choices } | Ask::Multiple { choices } => choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.correct)
            .map(|(i, c)| format!("{}) {}", letter(i), c.text))
            .collect::<Vec<_>>()
            .join("; "),
        Ask::Numeric { answer, tolerance, unit, .. } => {
            let unit = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
            if *tolerance > 0.0 { format!("{answer}{unit} (± {tolerance})") } else { format!("{answer}{unit}") }
        }
        Ask::Short { accept } => accept.join(" / "),
        Ask::Ordering { items } => {
            let shown = shown_order(q);
            let letters: Vec<String> = (0..items.len())
                .map(|k| letter(shown.iter().position(|&s| s == k).expect("a permutation")).to_string())
                .collect();
            format!("{} ({})", letters.join(" "), items.join(" → "))
        }
        Ask::Interview { model_answer, .. } => model_answer.clone(),
    }
}
