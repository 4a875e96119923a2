//! `learn book serve`: the built book on 127.0.0.1, rebuilt when a page, a lab README, a quiz or
//! a track changes, and opened in the browser.
//!
//! The server is a few dozen lines of std: it serves files from one folder to one local browser,
//! so an HTTP framework (tiny_http, axum and their dependency trees) would only add build time.
//! `/__learn/build` answers with a number that changes on every rebuild; quiz.js polls it and
//! reloads the page (under the plain `mdbook serve` it is a 404 and quiz.js stops asking).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::Watcher;

use crate::curriculum::Curriculum;

/// A running server: its address and the counter behind `/__learn/build`.
pub struct Server {
    pub addr: SocketAddr,
    pub build: Arc<AtomicU64>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

/// Serves `site` on 127.0.0.1:`port` (0: any free port) from a background thread.
pub fn start(site: &Path, port: u16) -> Result<Server> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{port} (is another server there? try --port)"))?;
    let addr = listener.local_addr()?;
    let build = Arc::new(AtomicU64::new(1));
    let site = site.to_path_buf();
    let counter = build.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let site = site.clone();
            let counter = counter.clone();
            std::thread::spawn(move || {
                let _ = respond(stream, &site, &counter);
            });
        }
    });
    Ok(Server { addr, build })
}

fn respond(mut stream: TcpStream, site: &Path, build: &AtomicU64) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or("/"));
    if method != "GET" && method != "HEAD" {
        return send(&mut stream, "405 Method Not Allowed", "text/plain", b"GET only\n", method == "HEAD");
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if path == "/__learn/build" {
        let body = build.load(Ordering::SeqCst).to_string();
        return send(&mut stream, "200 OK", "text/plain", body.as_bytes(), method == "HEAD");
    }
    match file_for(site, path) {
        Some(file) => {
            let body = std::fs::read(&file)?;
            send(&mut stream, "200 OK", content_type(&file), &body, method == "HEAD")
        }
        None => {
            let body = std::fs::read(site.join("404.html")).unwrap_or_else(|_| b"not found\n".to_vec());
            send(&mut stream, "404 Not Found", "text/html; charset=utf-8", &body, method == "HEAD")
        }
    }
}

/// The file a URL path names inside `site` (a folder means its index.html); never outside it.
pub fn file_for(site: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path);
    let mut file = site.to_path_buf();
    for part in decoded.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." || part.contains('\\') {
            return None;
        }
        file.push(part);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match s.get(i + 1..i + 3).filter(|_| bytes[i] == b'%').and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn send(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8], head: bool) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Builds the book, serves it, opens the browser and rebuilds on every change until stopped.
pub fn serve(root: &Path, dest: &Path, port: u16, open: bool) -> Result<()> {
    let book_root = super::book_dir(root);
    super::build::build(&Curriculum::load(root)?, &book_root, dest)?;
    let server = start(dest, port)?;
    let url = server.url();
    println!("The book is at {url}  (Ctrl-C stops the server)");
    if open {
        open_browser(&url);
    }

    let (tx, rx) = mpsc::channel();
    let root_for_filter = root.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reads are events too (the build opens every file): only writes count.
        if let Ok(event) = event
            && (event.kind.is_create() || event.kind.is_modify() || event.kind.is_remove())
            && event.paths.iter().any(|p| is_source(&root_for_filter, p))
        {
            let _ = tx.send(());
        }
    })
    .context("cannot watch the book's files")?;
    for dir in ["book", "labs", "quizzes", "tracks"] {
        let path = root.join(dir);
        if path.is_dir() {
            watcher.watch(&path, notify::RecursiveMode::Recursive).with_context(|| format!("cannot watch {}", path.display()))?;
        }
    }
    println!("Watching book/, labs/*/README.md, quizzes/ and tracks/: the book is rebuilt when they change.");
    while rx.recv().is_ok() {
        std::thread::sleep(Duration::from_millis(200)); // an editor's save is several events
        while rx.try_recv().is_ok() {}
        let rebuilt = Curriculum::load(root).map_err(anyhow::Error::from).and_then(|c| super::build::build(&c, &book_root, dest));
        match rebuilt {
            Ok(()) => {
                server.build.fetch_add(1, Ordering::SeqCst);
                println!("rebuilt");
            }
            Err(e) => eprintln!("error: {e:#}\n(still serving the last good build)"),
        }
    }
    Ok(())
}

/// A change that can change the book: its pages and theme, a lab README, a quiz, a track.
pub fn is_source(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return false };
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    match parts.first().map(String::as_str) {
        Some("book") => parts.get(1).is_none_or(|p| p != "book"), // `mdbook build` output, if any
        Some("quizzes" | "tracks") => true,
        Some("labs") => parts.len() == 3 && parts[2] == "README.md",
        _ => false,
    }
}

/// Opens `url` in the desktop's browser; when there is none, the printed URL is all there is.
pub fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else if cfg!(windows) { "explorer" } else { "xdg-open" };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        println!("(no {opener} here: open {url} in your browser)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watches_only_what_the_book_is_made_of() {
        let root = Path::new("/c");
        assert!(is_source(root, Path::new("/c/book/src/module-1/index.md")));
        assert!(is_source(root, Path::new("/c/quizzes/01-foundations.yaml")));
        assert!(is_source(root, Path::new("/c/tracks/infra.yaml")));
        assert!(is_source(root, Path::new("/c/labs/1.1-gguf-header/README.md")));
        assert!(!is_source(root, Path::new("/c/labs/1.1-gguf-header/src/lib.rs")));
        assert!(!is_source(root, Path::new("/c/target/book/index.html")));
        assert!(!is_source(root, Path::new("/c/book/book/index.html")));
    }

    #[test]
    fn never_serves_outside_the_site() {
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("index.html"), "x").unwrap();
        std::fs::create_dir(site.path().join("m")).unwrap();
        std::fs::write(site.path().join("m/index.html"), "y").unwrap();
        assert_eq!(file_for(site.path(), "/"), Some(site.path().join("index.html")));
        assert_eq!(file_for(site.path(), "/m"), Some(site.path().join("m/index.html")));
        assert_eq!(file_for(site.path(), "/m/../index.html"), None);
        assert_eq!(file_for(site.path(), "/%2e%2e/etc/passwd"), None);
        assert_eq!(file_for(site.path(), "/nope.html"), None);
    }
}
