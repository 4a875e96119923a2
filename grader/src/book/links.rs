//! `learn book check`: what mdBook itself lets through. mdBook logs a missing `{{#include}}` and
//! renders a broken link as is; here each is an error:
//!
//! - in the Markdown (`book/src`): every `{{#include}}` target exists, every directive of ours
//!   names something that exists, every lab page includes its lab's README, every lab has a page;
//! - in the built HTML: every internal link and `#anchor` resolves to a file and an `id`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use super::preprocess::{Directive, directives};
use crate::curriculum::Curriculum;

/// One broken thing, named by the file it is in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: PathBuf,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

/// The Markdown side: includes, directives and lab pages under `book_root/src`.
pub fn check_sources(curriculum: &Curriculum, book_root: &Path) -> Vec<Problem> {
    let src = book_root.join("src");
    let mut problems = Vec::new();
    let mut lab_pages = BTreeSet::new();
    for file in files_with_extension(&src, "md") {
        let Ok(text) = std::fs::read_to_string(&file) else {
            problems.push(Problem { file, message: "cannot be read".into() });
            continue;
        };
        let rel = file.strip_prefix(&src).unwrap_or(&file).to_path_buf();
        let mut problem = |message: String| problems.push(Problem { file: rel.clone(), message });
        let dir = file.parent().unwrap_or(&src);

        let includes = include_targets(&text);
        for target in &includes {
            if !dir.join(target).is_file() {
                problem(format!("{{{{#include {target}}}}}: there is no such file"));
            }
        }
        for (_, directive) in directives(&text) {
            match directive {
                Err(e) => problem(e),
                Ok(Directive::Quiz(kind, m)) if curriculum.set(kind, m).is_none() => {
                    problem(format!("{{{{#quiz {m}{}}}}}: there is no {} for module {m} in quizzes/", if kind.as_str() == "interview" { " interview" } else { "" }, kind.as_str()))
                }
                Ok(Directive::Track(id)) if curriculum.track(&id).is_none() => problem(format!("{{{{#track {id}}}}}: there is no tracks/{id}.yaml")),
                Ok(_) => {}
            }
        }

        // A lab page, `module-M/lab-M.N.md`, shows the lab's README.
        let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(id) = name.strip_prefix("lab-").and_then(|n| n.strip_suffix(".md")) {
            lab_pages.insert(rel.clone());
            match curriculum.lab(id) {
                None => problem(format!("a page for lab {id}, but there is no lab {id} in labs/")),
                Some(lab) => {
                    let readme = lab.dir.join("README.md");
                    let includes_it = includes.iter().any(|t| same_file(&dir.join(t), &readme));
                    if !readme.is_file() {
                        problem(format!("lab {id} has no README.md in {}", lab.dir.display()));
                    } else if !includes_it {
                        problem(format!("the page of lab {id} must {{{{#include}}}} {}", readme.display()));
                    }
                }
            }
        }
    }
    for lab in &curriculum.labs {
        let page = PathBuf::from(format!("module-{}/lab-{}.md", lab.spec.module, lab.spec.id));
        if !lab_pages.contains(&page) {
            problems.push(Problem { file: page.clone(), message: format!("lab {} has no book page (expected book/src/{})", lab.spec.id, page.display()) });
        }
    }
    problems.sort();
    problems
}

/// The HTML side: every relative link of every page under `site` resolves, anchors included.
/// `print.html` (every chapter again), `404.html` (links relative to the site root) and an
/// `index.html` that repeats the first chapter are left out, so that each fault is named once.
pub fn check_html(site: &Path) -> Vec<Problem> {
    let pages = files_with_extension(site, "html");
    let mut ids: HashMap<PathBuf, BTreeSet<String>> = HashMap::new();
    let mut problems = Vec::new();
    let index_repeats_a_chapter = std::fs::read_to_string(site.join("index.html")).ok().and_then(|h| main_of(&h).map(str::to_string)).is_some_and(|index| {
        pages.iter().filter(|p| p.parent() == Some(site) && !p.ends_with("index.html")).any(|p| std::fs::read_to_string(p).ok().as_deref().and_then(main_of) == Some(index.as_str()))
    });
    for page in &pages {
        let rel = page.strip_prefix(site).unwrap_or(page);
        if rel == Path::new("print.html") || rel == Path::new("404.html") || (rel == Path::new("index.html") && index_repeats_a_chapter) {
            continue;
        }
        let Ok(html) = std::fs::read_to_string(page) else { continue };
        for link in attribute_values(&html, &["href", "src"]) {
            if is_external(&link) {
                continue;
            }
            let link = percent_decode(&link);
            let (path_part, fragment) = match link.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (link.as_str(), None),
            };
            let path_part = path_part.split('?').next().unwrap_or_default();
            let target = if path_part.is_empty() {
                Some(page.clone())
            } else {
                normalize(&page.parent().unwrap_or(site).join(path_part)).filter(|t| t.starts_with(site))
            };
            let Some(mut target) = target else {
                problems.push(Problem { file: rel.into(), message: format!("link {link:?} leads outside the book") });
                continue;
            };
            if target.is_dir() {
                target = target.join("index.html");
            }
            if !target.is_file() {
                problems.push(Problem { file: rel.into(), message: format!("link {link:?}: there is no {}", target.strip_prefix(site).unwrap_or(&target).display()) });
                continue;
            }
            if let Some(fragment) = fragment.filter(|f| !f.is_empty())
                && target.extension().is_some_and(|e| e == "html")
            {
                let known = ids.entry(target.clone()).or_insert_with(|| std::fs::read_to_string(&target).map(|h| attribute_values(&h, &["id", "name"]).into_iter().collect()).unwrap_or_default());
                if !known.contains(fragment) {
                    problems.push(Problem { file: rel.into(), message: format!("link {link:?}: {} has no anchor #{fragment}", target.strip_prefix(site).unwrap_or(&target).display()) });
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

/// The chapter's own content of an mdBook page.
fn main_of(html: &str) -> Option<&str> {
    let start = html.find("<main>")?;
    let end = html[start..].find("</main>")? + start;
    Some(&html[start..end])
}

/// The file part of every `{{#include …}}` (and `{{#rustdoc_include …}}`): anchors and line
/// ranges after `:` are dropped.
pub fn include_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{#").map(|i| i + from) {
        let Some(end) = text[start..].find("}}").map(|i| i + start) else { break };
        from = end + 2;
        if text[..start].ends_with('\\') {
            continue;
        }
        let mut words = text[start + 3..end].split_whitespace();
        if let (Some("include" | "rustdoc_include"), Some(arg)) = (words.next(), words.next()) {
            out.push(arg.split(':').next().unwrap_or(arg).to_string());
        }
    }
    out
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn is_external(link: &str) -> bool {
    let scheme = link.split_once(':').is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) && !s.contains('/'));
    scheme || link.starts_with("//") || link.contains("{{")
}

/// The values of `name="…"` / `name='…'` attributes, in a page that mdBook wrote.
fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    for name in names {
        let mut from = 0;
        let pattern = format!("{name}=");
        while let Some(i) = html[from..].find(&pattern).map(|i| i + from) {
            from = i + pattern.len();
            // A whole attribute name: preceded by whitespace (not `data-id=`, `aria-hidden=`).
            if i == 0 || !bytes[i - 1].is_ascii_whitespace() {
                continue;
            }
            let Some(&quote) = bytes.get(from).filter(|q| **q == b'"' || **q == b'\'') else { continue };
            if let Some(len) = html[from + 1..].find(quote as char) {
                out.push(unescape(&html[from + 1..from + 1 + len]));
            }
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a/b/../c` → `a/c` without touching the disk; `None` when `..` climbs above the start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_and_includes() {
        let html = r#"<a href="a.html#x" data-href="no"><img src='i.png'><h2 id="x">"#;
        assert_eq!(attribute_values(html, &["href", "src"]), vec!["a.html#x", "i.png"]);
        assert_eq!(attribute_values(html, &["id"]), vec!["x"]);
        let md = "{{#include ../../labs/1.1-x/README.md}} \\{{#include no.md}} {{#include f.rs:anchor}} {{#quiz 1}}";
        assert_eq!(include_targets(md), vec!["../../labs/1.1-x/README.md", "f.rs"]);
    }

    #[test]
    fn external_links_and_paths() {
        assert!(is_external("https://x.org/a"));
        assert!(is_external("mailto:a@b"));
        assert!(is_external("//cdn/x.js"));
        assert!(!is_external("module-1/index.html"));
        assert!(!is_external("../a.html#b:c"));
        assert_eq!(normalize(Path::new("/s/a/../b/./c.html")), Some(PathBuf::from("/s/b/c.html")));
        assert_eq!(percent_decode("a%20b"), "a b");
    }
}
