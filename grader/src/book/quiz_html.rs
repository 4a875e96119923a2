//! A question set as HTML for the book. The page's `quiz.js` makes it interactive: it reads the
//! answers from data attributes, gives feedback at once and keeps each answer in localStorage
//! under `learn-quiz:<kind>-<module>:<question-id>`.
//!
//! The output is one raw-HTML block for Markdown: it must not contain a blank line (CommonMark
//! ends an HTML block there), so blank lines inside code blocks are written as `&#10;`.

use pulldown_cmark::{Options, Parser, html};

use crate::curriculum::quiz_spec::{Ask, Choice, Question, QuestionSet};
use crate::quiz::answer::{letter, right_answer, shown_order};

/// The localStorage key prefix of a set, e.g. `quiz-1`; the browser stores question `q` of it
/// under `learn-quiz:quiz-1:q`.
pub fn set_key(set: &QuestionSet) -> String {
    format!("{}-{}", set.kind.as_str(), set.module)
}

pub fn render(set: &QuestionSet) -> String {
    let key = set_key(set);
    let mut out = String::new();
    out += &format!(
        "<div class=\"wb-set\" data-set=\"{key}\" data-kind=\"{}\" data-module=\"{}\">\n",
        set.kind.as_str(),
        set.module
    );
    out += "<div class=\"wb-set-bar\"><span class=\"wb-score\" aria-live=\"polite\"></span> \
            <button type=\"button\" class=\"wb-reset\">Clear my answers</button></div>\n";
    for (n, q) in set.questions.iter().enumerate() {
        out += &question(&key, n + 1, q);
    }
    out += "</div>\n";
    no_blank_lines(&out)
}

fn question(set_key: &str, number: usize, q: &Question) -> String {
    let anchor = format!("{set_key}-{}", q.id);
    let (kind, extra) = match &q.ask {
        Ask::Single { .. } => ("single", String::new()),
        Ask::Multiple { .. } => ("multiple", String::new()),
        Ask::Numeric { answer, tolerance, unit, .. } => (
            "numeric",
            format!(
                " data-answer=\"{answer}\" data-tolerance=\"{tolerance}\" data-unit=\"{}\"",
                attr(unit.as_deref().unwrap_or(""))
            ),
        ),
        Ask::Short { accept } => {
            ("short", format!(" data-accept=\"{}\"", attr(&serde_json::to_string(accept).expect("strings serialize"))))
        }
        Ask::Ordering { .. } => ("ordering", String::new()),
        Ask::Interview { level, .. } => ("interview", format!(" data-level=\"{}\"", format!("{level:?}").to_lowercase())),
    };
    let mut out = format!(
        "<div class=\"wb-q\" id=\"{}\" data-qid=\"{}\" data-aliases=\"{}\" data-type=\"{kind}\"{extra}>\n",
        attr(&anchor),
        attr(&q.id),
        attr(&q.aliases.join(" ")),
    );
    let level = match &q.ask {
        Ask::Interview { level, .. } => format!(" <span class=\"wb-level\">{}</span>", format!("{level:?}").to_lowercase()),
        _ => String::new(),
    };
    out += &format!("<div class=\"wb-head\"><a class=\"wb-num\" href=\"#{}\">{number}.</a>{level}</div>\n", attr(&anchor));
    out += &format!("<div class=\"wb-prompt\">{}</div>\n", markdown(&q.prompt));
    match &q.ask {
        Ask::Single { choices } | Ask::Multiple { choices } => {
            let input = if matches!(q.ask, Ask::Single { .. }) { "radio" } else { "checkbox" };
            out += &choice_list(&anchor, input, choices);
        }
        Ask::Numeric { unit, .. } => {
            out += "<div class=\"wb-answer\"><input type=\"text\" class=\"wb-input\" inputmode=\"decimal\" autocomplete=\"off\" aria-label=\"your answer\">";
            if let Some(u) = unit {
                out += &format!(" <span class=\"wb-unit\">{}</span>", text(u));
            }
            out += "</div>\n";
        }
        Ask::Short { .. } => {
            out += "<div class=\"wb-answer\"><input type=\"text\" class=\"wb-input\" autocomplete=\"off\" spellcheck=\"false\" aria-label=\"your answer\"></div>\n";
        }
        Ask::Ordering { items } => {
            // The terminal's shuffle, so that the letters match `learn quiz` exactly.
            out += "<p class=\"wb-hint\">Put these in order with the arrows, then check.</p>\n<ol class=\"wb-order\">\n";
            for (shown, &right_position) in shown_order(q).iter().enumerate() {
                out += &format!(
                    "<li data-index=\"{right_position}\"><span class=\"wb-letter\">{}</span> <span class=\"wb-item\">{}</span> \
                     <button type=\"button\" class=\"wb-up\" aria-label=\"move up\">↑</button>\
                     <button type=\"button\" class=\"wb-down\" aria-label=\"move down\">↓</button></li>\n",
                    letter(shown),
                    inline_markdown(&items[right_position])
                );
            }
            out += "</ol>\n";
        }
        Ask::Interview { model_answer, key_points, .. } => {
            out += "<p class=\"wb-hint\">Answer out loud or on paper first, then open the model answer.</p>\n";
            out += "<div class=\"wb-actions\"><button type=\"button\" class=\"wb-reveal\">Show the model answer</button></div>\n";
            out += "<div class=\"wb-model\" hidden>\n";
            out += &format!("<div class=\"wb-model-answer\">{}</div>\n", markdown(model_answer));
            out += "<p class=\"wb-hint\">Tick the key points your answer covered (self-assessed):</p>\n<ul class=\"wb-points\">\n";
            for (i, point) in key_points.iter().enumerate() {
                out += &format!(
                    "<li><label><input type=\"checkbox\" value=\"{i}\"> <span>{}</span></label></li>\n",
                    inline_markdown(point)
                );
            }
            out += "</ul>\n<div class=\"wb-actions\"><button type=\"button\" class=\"wb-check\">Record</button></div>\n</div>\n";
        }
    }
    if !matches!(q.ask, Ask::Interview { .. }) {
        out += "<div class=\"wb-actions\"><button type=\"button\" class=\"wb-check\">Check</button> \
                <button type=\"button\" class=\"wb-retry\" hidden>Try again</button></div>\n";
        out += &format!("<div class=\"wb-right\" hidden>{}</div>\n", text(&right_answer(q)));
    }
    out += "<div class=\"wb-feedback\" role=\"status\" hidden></div>\n";
    if !q.explanation.trim().is_empty() {
        out += &format!("<div class=\"wb-explanation\" hidden>{}</div>\n", markdown(&q.explanation));
    }
    out += "</div>\n";
    out
}

fn choice_list(anchor: &str, input: &str, choices: &[Choice]) -> String {
    let mut out = String::from("<ol class=\"wb-choices\" type=\"a\">\n");
    for (i, c) in choices.iter().enumerate() {
        out += &format!(
            "<li class=\"wb-choice\" data-correct=\"{}\"><label><input type=\"{input}\" name=\"{}\" value=\"{i}\"> <span>{}</span></label>",
            c.correct,
            attr(anchor),
            inline_markdown(&c.text)
        );
        if let Some(why) = c.why.as_deref().filter(|w| !w.trim().is_empty()) {
            out += &format!("<div class=\"wb-why\" hidden>{}</div>", markdown(why));
        }
        out += "</li>\n";
    }
    out += "</ol>\n";
    out
}

/// Markdown (prompts, explanations, model answers) as HTML.
pub fn markdown(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(source.trim(), options));
    out.trim_end().to_string()
}

/// One line of Markdown (a choice, an item) without its paragraph.
fn inline_markdown(source: &str) -> String {
    let html = markdown(source);
    match html.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html,
    }
}

fn text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn attr(s: &str) -> String {
    text(s).replace('"', "&quot;").replace('\'', "&#39;")
}

/// A blank line would end the raw-HTML block; inside `<pre>` it must still show, so it becomes
/// a character reference for the newline on the line before.
fn no_blank_lines(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    for line in html.lines() {
        if line.trim().is_empty() {
            out.pop(); // the previous line's "\n"
            out += "&#10;\n";
        } else {
            out += line;
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_become_newline_references() {
        let html = "<pre><code>a\n\nb\n   \nc</code></pre>\n";
        let out = no_blank_lines(html);
        assert_eq!(out, "<pre><code>a&#10;\nb&#10;\nc</code></pre>\n");
        assert!(!out.lines().any(|l| l.trim().is_empty()));
    }

    #[test]
    fn inline_markdown_drops_the_paragraph_only() {
        assert_eq!(inline_markdown("The `GGUF` magic"), "The <code>GGUF</code> magic");
        assert_eq!(inline_markdown("one\n\ntwo"), "<p>one</p>\n<p>two</p>");
        assert_eq!(attr("a\"b<c>&'"), "a&quot;b&lt;c&gt;&amp;&#39;");
    }
}
