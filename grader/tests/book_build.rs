//! `learn book build` on a small course: the directives become quiz HTML, track, levels and
//! capstone lists, and the lab page shows the lab's README.

mod book_common;

use grader::curriculum::SetKind;
use grader::quiz::answer::shown_order;

/// The text of the element `<tag … id="id" …>` up to its matching `</div>` (our own markup).
fn element<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no element #{id}"));
    let start = html[..start].rfind('<').unwrap();
    let mut depth = 0;
    let mut i = start;
    loop {
        let open = html[i..].find("<div").map(|x| x + i);
        let close = html[i..].find("</div>").map(|x| x + i).expect("balanced divs");
        match open {
            Some(o) if o < close => {
                depth += 1;
                i = o + 4;
            }
            _ => {
                depth -= 1;
                i = close + 6;
                if depth == 0 {
                    return &html[start..i];
                }
            }
        }
    }
}

#[test]
fn quizzes_render_as_interactive_html() {
    let course = book_common::course();
    course.build();
    let page = course.page("module-1/quiz.html");
    assert!(!page.contains("{{#quiz"), "the directive was not expanded");
    assert!(!page.contains("&lt;div class=&quot;wb-q"), "the quiz HTML was escaped as text");
    assert!(page.contains("data-set=\"quiz-1\""), "the set's storage key");

    let magic = element(&page, "quiz-1-magic");
    assert!(magic.contains("data-qid=\"magic\"") && magic.contains("data-type=\"single\""), "{magic}");
    // Choices in the file's order, the right one (the second) marked, each wrong one with its why.
    let correct: Vec<&str> = magic.match_indices("data-correct=\"").map(|(i, _)| &magic[i + 14..i + 18]).collect();
    assert_eq!(correct, ["fals", "true", "fals"], "{magic}");
    assert!(magic.contains("The version comes right after the magic."), "{magic}");
    assert!(magic.contains("<code>GGUF</code>"), "the prompt's Markdown is rendered: {magic}");
    // The explanation's code block keeps its blank lines (as &#10;) and stays inside the HTML block.
    assert!(magic.contains("<pre><code class=\"language-text\">47 47 55 46\n\nGGUF"), "{magic}");

    let numeric = element(&page, "quiz-1-q4-0-bytes");
    assert!(numeric.contains("data-answer=\"18\"") && numeric.contains("data-tolerance=\"0\"") && numeric.contains("data-unit=\"bytes\""), "{numeric}");
    let short = element(&page, "quiz-1-alignment-key");
    assert!(short.contains("data-accept=\"[&quot;general.alignment&quot;]\""), "{short}");
    assert!(short.contains("data-aliases=\"old-alignment-key\""), "{short}");
    assert!(element(&page, "quiz-1-quantized-types").contains("type=\"checkbox\""));

    // Ordering: the items in the terminal's shown order, each carrying its right position.
    let set = course.curriculum().set(SetKind::Quiz, 1).unwrap().clone();
    let q = set.question("forward-order").unwrap();
    let items = ["tokenize", "embed", "transformer blocks", "sample"];
    let ordering = element(&page, "quiz-1-forward-order");
    let shown: Vec<usize> = ordering.match_indices("<li data-index=\"").map(|(i, _)| ordering[i + 16..i + 17].parse().unwrap()).collect();
    assert_eq!(shown, shown_order(q), "{ordering}");
    assert_ne!(shown, [0, 1, 2, 3], "never shown in the right order");
    let positions: Vec<usize> = shown.iter().map(|&k| ordering.find(&format!("<span class=\"wb-item\">{}</span>", items[k])).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "items follow the shown order: {ordering}");

    let interview = course.page("module-1/interview.html");
    let why = element(&interview, "interview-1-why-gguf");
    assert!(why.contains("data-type=\"interview\"") && why.contains("data-level=\"senior\""), "{why}");
    assert!(why.contains("Memory-mappable tensor data") && why.contains("One file holds the tensors"), "{why}");
    assert!(interview.contains("data-set=\"interview-1\""));

    // The page loads the quiz script and style (book.toml's additional-js/css; mdBook adds a hash).
    let script = page.split("src=\"../quiz/quiz-").nth(1).and_then(|s| s.split('"').next()).expect("quiz.js is loaded");
    assert!(course.site().join(format!("quiz/quiz-{script}")).is_file(), "{script}");
    assert!(page.contains("href=\"../quiz/quiz-"), "quiz.css is loaded");
}

#[test]
fn tracks_levels_capstones_and_lab_pages() {
    let course = book_common::course();
    course.build();
    let track = course.page("tracks/demo.html");
    for link in ["../module-1/index.html", "../module-1/lab-1.1.html", "../module-1/quiz.html", "../module-1/interview.html", "../capstones/1-demo-capstone.html"] {
        assert!(track.contains(&format!("href=\"{link}\"")), "the track links {link}: {track}");
    }
    assert!(track.contains("Weeks 1-2: Foundations") && track.contains("Lab 1.1: A demo lab") && track.contains("2 weeks"), "{track}");

    let levels = course.page("assessment.html");
    assert!(levels.contains("Level 1: Foundation"), "{levels}");
    assert!(levels.contains("80% or more on the <a href=\"module-1/quiz.html\">module 1 quiz</a>"), "{levels}");
    assert!(levels.contains("counting senior questions and above"), "{levels}");
    assert!(levels.contains("cargo learn attest merged-prs &lt;evidence-url&gt;") && levels.contains("3 times"), "{levels}");

    let capstones = course.page("capstones/index.html");
    assert!(capstones.contains("<a href=\"1-demo-capstone.html\">The project page</a>"), "{capstones}");
    assert!(capstones.contains("Capstone 1: Demo Capstone</a></h3>") && !capstones.contains("<a href=\"1-demo-capstone.html\">Capstone"), "the heading is not a second link: {capstones}");
    assert!(capstones.contains("A server") && capstones.contains("Attested with a repository URL.") && capstones.contains("demo-capstone"), "{capstones}");

    let lab = course.page("module-1/lab-1.1.html");
    assert!(lab.contains("This sentence comes from the lab’s README.") || lab.contains("This sentence comes from the lab's README."), "{lab}");

    let intro = course.page("introduction.html");
    assert!(intro.contains("{{#quiz 1}}") && !intro.contains("wb-set"), "an escaped directive stays text: {intro}");
}

#[test]
fn a_directive_naming_nothing_fails_the_build() {
    let course = book_common::course();
    course.append("book/src/module-1/quiz.md", "\n{{#quiz 7}}\n");
    let err = grader::book::build::build(&course.curriculum(), &course.book(), &course.site()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("module-1/quiz.md") && msg.contains("no quiz for module 7"), "{msg}");

    let course = book_common::course();
    course.append("book/src/tracks/demo.md", "\n{{#track nope}}\n");
    let msg = format!("{:#}", grader::book::build::build(&course.curriculum(), &course.book(), &course.site()).unwrap_err());
    assert!(msg.contains("there is no track \"nope\""), "{msg}");
}
