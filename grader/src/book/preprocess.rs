//! The book's own directives, expanded from the course's YAML:
//!
//! - `{{#quiz N}}`: module N's quiz, interactive (see `quiz_html`);
//! - `{{#quiz N interview}}`: module N's interview set (model answers, self-assessed key points);
//! - `{{#track ID}}`: a track's facts and its weeks, each item a link to its page;
//! - `{{#levels}}`: the certification levels of `tracks/levels.yaml`;
//! - `{{#capstones}}`: the capstone projects, with requirements and assessment.
//!
//! `\{{#…}}` is left alone (mdBook's `links` preprocessor then drops the backslash). The same code
//! runs in-process (`learn book build`) and as mdBook's external preprocessor (`learn book
//! preprocess`), so the plain `mdbook` CLI builds the same book.

use std::io::{Read, Write};
use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result, bail};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use super::quiz_html;
use crate::curriculum::track_spec::{Capstone, Requirement};
use crate::curriculum::{Curriculum, Item, SetKind, Track, module_title};

/// The name under `[preprocessor.workbook]` in book.toml.
pub const NAME: &str = "workbook";

#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    Quiz(SetKind, u32),
    Track(String),
    Levels,
    Capstones,
}

/// Every directive of ours in a page, with its byte range; other `{{#…}}` (include, title,
/// playground…) belong to mdBook and are skipped. A malformed directive of ours is an `Err`.
pub fn directives(content: &str) -> Vec<(Range<usize>, Result<Directive, String>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = content[from..].find("{{#").map(|i| i + from) {
        let Some(end) = content[start..].find("}}").map(|i| i + start + 2) else { break };
        from = end;
        if content[..start].ends_with('\\') {
            continue;
        }
        let words: Vec<&str> = content[start + 3..end - 2].split_whitespace().collect();
        let parsed = match words.as_slice() {
            ["quiz", rest @ ..] => match rest {
                [m] => module(m).map(|m| Directive::Quiz(SetKind::Quiz, m)),
                [m, "interview"] => module(m).map(|m| Directive::Quiz(SetKind::Interview, m)),
                _ => Err("write {{#quiz N}} or {{#quiz N interview}}".to_string()),
            },
            ["track", id] => Ok(Directive::Track(id.to_string())),
            ["track", ..] => Err("write {{#track ID}}, e.g. {{#track infra}}".to_string()),
            ["levels"] => Ok(Directive::Levels),
            ["capstones"] => Ok(Directive::Capstones),
            ["levels" | "capstones", ..] => Err(format!("{{{{#{}}}}} takes no arguments", words[0])),
            _ => continue,
        };
        out.push((start..end, parsed));
    }
    out
}

fn module(word: &str) -> Result<u32, String> {
    word.parse().map_err(|_| format!("{word:?} is not a module number"))
}

const ROOT: &str = "@/";

/// Every `](@/target)` of generated Markdown as a link relative to `page` (both under book/src).
fn relativize(markdown: &str, page: &Path) -> String {
    let from: Vec<String> = page.parent().into_iter().flat_map(|d| d.components()).map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let marker = format!("]({ROOT}");
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(i) = rest.find(&marker) {
        out += &rest[..i + 2];
        rest = &rest[i + marker.len()..];
        let end = rest.find(')').unwrap_or(rest.len());
        let to: Vec<&str> = rest[..end].split('/').collect();
        let (dirs, file) = to.split_at(to.len() - 1);
        let common = from.iter().zip(dirs).take_while(|(a, b)| a == *b).count();
        out += &"../".repeat(from.len() - common);
        for d in &dirs[common..] {
            out += d;
            out.push('/');
        }
        out += file[0];
        rest = &rest[end..];
    }
    out += rest;
    out
}

/// Expands our directives, reading the course's YAML through a loaded `Curriculum`.
pub struct Workbook {
    curriculum: Curriculum,
}

impl Workbook {
    pub fn new(curriculum: Curriculum) -> Workbook {
        Workbook { curriculum }
    }

    /// One page; `page` is its path under `book/src` (links are made relative to it).
    pub fn expand(&self, content: &str, page: &Path) -> Result<String, String> {
        // Links are written from the book's root (`@/module-1/quiz.md`), then made relative to the page.
        let up = ROOT;
        let mut out = String::with_capacity(content.len());
        let mut last = 0;
        for (range, directive) in directives(content) {
            let directive = directive.map_err(|e| format!("{}: {e}", page.display()))?;
            out += &content[last..range.start];
            let expanded = self.render(&directive, up).map_err(|e| format!("{}: {e}", page.display()))?;
            out += &relativize(&expanded, page);
            last = range.end;
        }
        out += &content[last..];
        Ok(out)
    }

    fn render(&self, directive: &Directive, up: &str) -> Result<String, String> {
        let c = &self.curriculum;
        match directive {
            Directive::Quiz(kind, m) => match c.set(*kind, *m) {
                // Blank lines around it: the HTML block must start and end on its own.
                Some(set) => Ok(format!("\n\n{}\n", quiz_html::render(set))),
                None => Err(format!("there is no {} for module {m} in quizzes/", kind.as_str())),
            },
            Directive::Track(id) => match c.track(id) {
                Some(track) => Ok(track_markdown(c, track, up)),
                None => {
                    let known: Vec<&str> = c.tracks.iter().map(|t| t.spec.id.as_str()).collect();
                    Err(format!("there is no track {id:?} (tracks: {})", known.join(", ")))
                }
            },
            Directive::Levels => Ok(levels_markdown(c, up)),
            Directive::Capstones => Ok(capstones_markdown(c, up)),
        }
    }
}

impl Preprocessor for Workbook {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, _ctx: &PreprocessorContext, mut book: Book) -> mdbook_preprocessor::errors::Result<Book> {
        let mut errors = Vec::new();
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item
                && let Some(path) = &chapter.path
            {
                match self.expand(&chapter.content, path) {
                    Ok(content) => chapter.content = content,
                    Err(e) => errors.push(e),
                }
            }
        });
        if !errors.is_empty() {
            bail!("the book's directives have {} problem(s):\n  {}", errors.len(), errors.join("\n  "));
        }
        Ok(book)
    }
}

/// mdBook's external-preprocessor protocol: `supports <renderer>` answers with the exit status;
/// otherwise `[context, book]` as JSON on stdin, the book as JSON on stdout.
pub fn run_external(curriculum: impl FnOnce() -> Result<Curriculum>, args: &[String], input: &mut dyn Read, output: &mut dyn Write) -> Result<bool> {
    if let [supports, renderer] = args
        && supports == "supports"
    {
        // Plain Markdown in, Markdown or HTML out: every renderer is fine.
        let _ = renderer;
        return Ok(true);
    }
    if !args.is_empty() {
        bail!("usage: learn book preprocess [supports <renderer>] (mdBook's preprocessor protocol)");
    }
    let (ctx, book) = mdbook_preprocessor::parse_input(input).context("reading mdBook's [context, book] JSON from stdin")?;
    if ctx.mdbook_version.split('.').take(2).collect::<Vec<_>>() != mdbook_preprocessor::MDBOOK_VERSION.split('.').take(2).collect::<Vec<_>>() {
        eprintln!(
            "warning: this book's preprocessor was built for mdBook {}, called from mdBook {}",
            mdbook_preprocessor::MDBOOK_VERSION,
            ctx.mdbook_version
        );
    }
    let workbook = Workbook::new(curriculum()?);
    let book = workbook.run(&ctx, book)?;
    serde_json::to_writer(&mut *output, &book).context("writing the book as JSON")?;
    output.flush()?;
    Ok(true)
}

fn item_link(c: &Curriculum, item: &Item, up: &str) -> String {
    match item {
        Item::Module(m) => format!("[Module {m}: {}]({up}module-{m}/index.md)", module_title(*m)),
        Item::Lab(id) => {
            let m = id.split('.').next().unwrap_or_default();
            let title = c.lab(id).map(|l| format!(": {}", l.spec.title)).unwrap_or_default();
            format!("[Lab {id}{title}]({up}module-{m}/lab-{id}.md) — `cargo learn lab {id}`")
        }
        Item::Quiz(m) => format!("[Module {m} quiz]({up}module-{m}/quiz.md) — `cargo learn quiz {m}`"),
        Item::Interview(m) => format!("[Module {m} interview questions]({up}module-{m}/interview.md) — `cargo learn quiz {m} --interview`"),
        Item::Capstone(id) => match c.levels.spec.capstones.iter().find(|cap| cap.id == *id) {
            Some(cap) => format!("[Capstone {id}: {}]({}) — attested with `cargo learn attest {}`", cap.title, capstone_page(cap, up), cap.uid),
            None => format!("Capstone {id}"),
        },
    }
}

/// `capstones/<id>-<uid>.md`, the capstone's page.
pub fn capstone_page(cap: &Capstone, up: &str) -> String {
    format!("{up}capstones/{}-{}.md", cap.id, cap.uid)
}

fn track_markdown(c: &Curriculum, track: &Track, up: &str) -> String {
    let s = &track.spec;
    let mut out = String::from("\n");
    let facts = [
        ("Duration", s.duration.clone()),
        ("Goal", s.goal.clone()),
        ("For", s.audience.clone()),
        ("Prerequisites", (!s.prerequisites.is_empty()).then(|| s.prerequisites.join("; "))),
        ("Skills", (!s.skills.is_empty()).then(|| s.skills.join(", "))),
        ("Job titles", (!s.job_titles.is_empty()).then(|| s.job_titles.join(", "))),
    ];
    for (name, value) in facts {
        if let Some(v) = value {
            out += &format!("- **{name}:** {}\n", v.trim());
        }
    }
    for week in &s.weeks {
        let when = if week.weeks.contains(['-', '–']) { "Weeks" } else { "Week" };
        out += &format!("\n### {when} {}: {}\n\n", week.weeks, week.title);
        if let Some(notes) = &week.notes {
            out += &format!("{}\n\n", notes.trim());
        }
        for item in &week.items {
            out += &format!("- {}\n", item_link(c, item, up));
        }
    }
    out
}

fn levels_markdown(c: &Curriculum, up: &str) -> String {
    let pct = |x: f64| format!("{:.0}%", 100.0 * x);
    let modules_links = |ms: &[u32], page: &str, what: &str| -> String {
        let links: Vec<String> = ms.iter().map(|m| format!("[module {m} {what}]({up}module-{m}/{page})")).collect();
        join_and(&links)
    };
    let spec = &c.levels.spec;
    let mut out = format!(
        "\nA quiz counts as passed at {}. `cargo learn status` shows where you stand; levels build on each other.\n",
        pct(spec.quiz_pass)
    );
    for level in &spec.levels {
        out += &format!("\n### Level {}: {}\n\n", level.level, level.name);
        if !level.modules.is_empty() {
            let ms: Vec<String> = level.modules.iter().map(|m| format!("[{m}]({up}module-{m}/index.md)")).collect();
            out += &format!("Modules {}.\n\n", join_and(&ms));
        }
        for r in &level.requires {
            let line = match r {
                Requirement::Quiz(s) => format!("{} or more on the {}", pct(s.min_score), modules_links(&s.modules, "quiz.md", "quiz")),
                Requirement::Interview(s) => {
                    let which = s.level.map(|l| format!(", counting {} questions and above", format!("{l:?}").to_lowercase())).unwrap_or_default();
                    format!(
                        "{} or more on the {}{which} (self-assessed)",
                        pct(s.min_score),
                        modules_links(&s.modules, "interview.md", "interview questions")
                    )
                }
                Requirement::Labs(l) => {
                    let labs: Vec<String> = c
                        .labs
                        .iter()
                        .filter(|lab| l.modules.contains(&lab.spec.module))
                        .map(|lab| format!("[{}]({up}module-{}/lab-{}.md)", lab.spec.id, lab.spec.module, lab.spec.id))
                        .collect();
                    let ms: Vec<String> = l.modules.iter().map(u32::to_string).collect();
                    format!("Every lab of module{} {} complete ({})", if ms.len() > 1 { "s" } else { "" }, join_and(&ms), labs.join(", "))
                }
                Requirement::Lab(id) => format!("{} complete", item_link(c, &Item::Lab(id.clone()), up)),
                Requirement::Capstones(caps) => {
                    if caps.ids.is_empty() {
                        let n = caps.count.unwrap_or(spec.capstones.len());
                        format!("{n} or more [capstone projects]({up}capstones/index.md), attested")
                    } else {
                        let links: Vec<String> = spec
                            .capstones
                            .iter()
                            .filter(|cap| caps.ids.contains(&cap.id))
                            .map(|cap| format!("[{}: {}]({})", cap.id, cap.title, capstone_page(cap, up)))
                            .collect();
                        format!("Capstone{} {}, attested", if links.len() > 1 { "s" } else { "" }, join_and(&links))
                    }
                }
                Requirement::Attest(a) => {
                    let times = if a.count > 1 { format!(", {} times", a.count) } else { String::new() };
                    format!("{}: attested with `cargo learn attest {} <evidence-url>`{times}", a.text, a.uid)
                }
            };
            out += &format!("- {line}\n");
        }
    }
    out
}

fn capstones_markdown(c: &Curriculum, up: &str) -> String {
    let mut out = String::new();
    for cap in &c.levels.spec.capstones {
        // A heading is already a link (to itself): the page link goes on its own line.
        out += &format!("\n### Capstone {}: {}\n\n[The project page]({})\n\n", cap.id, cap.title, capstone_page(cap, up));
        let mut intro = Vec::new();
        if let Some(d) = &cap.difficulty {
            intro.push(format!("**Difficulty:** {}.", d.trim().trim_end_matches('.')));
        }
        if let Some(s) = &cap.summary {
            intro.push(s.trim().to_string());
        }
        if !intro.is_empty() {
            out += &format!("{}\n\n", intro.join(" "));
        }
        if !cap.requirements.is_empty() {
            out += "Requirements:\n\n";
            for r in &cap.requirements {
                out += &format!("- {}\n", r.trim());
            }
            out += "\n";
        }
        if let Some(a) = &cap.assessment {
            out += &format!("**Assessment:** {}\n\n", a.trim());
        }
        out += &format!("Record it with `cargo learn attest {} <evidence-url>`.\n", cap.uid);
    }
    out
}

/// "a", "a and b", "a, b and c".
fn join_and(xs: &[String]) -> String {
    match xs {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_our_directives_and_leaves_the_others() {
        let page = "a {{#quiz 3}} b {{#include x.md}} \\{{#quiz 4}} {{#quiz 2 interview}} {{#track infra}} {{#levels}}{{#capstones}} {{#quiz x}}";
        let found: Vec<_> = directives(page).into_iter().map(|(r, d)| (page[r].to_string(), d)).collect();
        assert_eq!(found[0], ("{{#quiz 3}}".to_string(), Ok(Directive::Quiz(SetKind::Quiz, 3))));
        assert_eq!(found[1].1, Ok(Directive::Quiz(SetKind::Interview, 2)));
        assert_eq!(found[2].1, Ok(Directive::Track("infra".into())));
        assert_eq!(found[3].1, Ok(Directive::Levels));
        assert_eq!(found[4].1, Ok(Directive::Capstones));
        assert!(found[5].1.is_err(), "{{#quiz x}} is malformed");
        assert_eq!(found.len(), 6, "the include and the escaped quiz are not ours: {found:?}");
    }

    #[test]
    fn links_are_relative_to_the_page() {
        let md = "[a](@/module-1/quiz.md) [b](@/capstones/1-x.md) [c](@/intro.md)";
        assert_eq!(relativize(md, Path::new("capstones/index.md")), "[a](../module-1/quiz.md) [b](1-x.md) [c](../intro.md)");
        assert_eq!(relativize(md, Path::new("assessment.md")), "[a](module-1/quiz.md) [b](capstones/1-x.md) [c](intro.md)");
        assert_eq!(relativize(md, Path::new("a/b/c.md")), "[a](../../module-1/quiz.md) [b](../../capstones/1-x.md) [c](../../intro.md)");
    }

    #[test]
    fn joins_lists_in_words() {
        let s = |xs: &[&str]| join_and(&xs.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["1"]), "1");
        assert_eq!(s(&["1", "2"]), "1 and 2");
        assert_eq!(s(&["1", "2", "3"]), "1, 2 and 3");
    }
}
