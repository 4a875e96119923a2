//! The full-screen terminal: entered once, always restored (on return, on error, on panic), and
//! the colours, which NO_COLOR turns off.

use std::io::Stdout;
use std::time::Duration;

use anyhow::Result;
use crossterm::event::{self, Event, KeyEvent, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::style::{Color, Modifier, Style};

/// Styles for the TUI; all plain under NO_COLOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    pub fn from_env() -> Palette {
        Palette { color: !crate::style::no_color() }
    }

    fn pick(&self, style: Style) -> Style {
        if self.color { style } else { Style::default() }
    }

    pub fn title(&self) -> Style {
        if self.color { Style::default().fg(Color::Black).bg(Color::Cyan).add_modifier(Modifier::BOLD) } else { Style::default().add_modifier(Modifier::REVERSED) }
    }

    pub fn selected(&self) -> Style {
        // Without colour the selection still shows, as reverse video.
        if self.color { Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD) } else { Style::default().add_modifier(Modifier::REVERSED) }
    }

    pub fn bold(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        self.pick(Style::default().fg(Color::DarkGray))
    }

    pub fn good(&self) -> Style {
        self.pick(Style::default().fg(Color::Green).add_modifier(Modifier::BOLD))
    }

    pub fn bad(&self) -> Style {
        self.pick(Style::default().fg(Color::Red).add_modifier(Modifier::BOLD))
    }
}

/// The `?` overlay: a bordered list of keys centred over `area`.
pub fn help_popup(f: &mut ratatui::Frame, area: ratatui::layout::Rect, palette: Palette, keys: &[(&str, &str)]) {
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Block, Borders, Clear, Paragraph};
    let key_width = keys.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let mut text = vec![Line::from(Span::styled("Keys", palette.bold()))];
    text.extend(keys.iter().map(|(k, what)| Line::from(format!("{k:<key_width$}   {what}"))));
    text.push(Line::from(format!("{:<key_width$}   this help; any key closes it", "?")));
    let widest = text.iter().map(|l| l.width() as u16).max().unwrap_or(0) + 2;
    let w = widest.min(area.width);
    let h = (text.len() as u16 + 2).min(area.height);
    let rect = ratatui::layout::Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    f.render_widget(Clear, rect);
    f.render_widget(Paragraph::new(text).block(Block::default().borders(Borders::ALL).title(" help ")), rect);
}

/// Raw mode and the alternate screen for as long as this lives.
pub struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    pub fn enter() -> Result<Screen> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        enable_raw_mode()?;
        execute!(std::io::stdout(), EnterAlternateScreen)?;
        let terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        Ok(Screen { terminal })
    }

    pub fn draw(&mut self, render: impl FnOnce(&mut ratatui::Frame)) -> Result<()> {
        self.terminal.draw(render)?;
        Ok(())
    }

    /// The next key press, or None after a resize or other event (so the caller redraws).
    pub fn next_key(&mut self) -> Result<Option<KeyEvent>> {
        if !event::poll(Duration::from_millis(250))? {
            return Ok(None);
        }
        Ok(match event::read()? {
            Event::Key(key) if key.kind == KeyEventKind::Press => Some(key),
            _ => None,
        })
    }

    /// Leaves the screen for a while (to run a lab or open the book), then comes back.
    pub fn suspend<T>(&mut self, work: impl FnOnce() -> T) -> Result<T> {
        restore();
        let out = work();
        enable_raw_mode()?;
        execute!(std::io::stdout(), EnterAlternateScreen)?;
        self.terminal.clear()?;
        Ok(out)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
        let _ = self.terminal.show_cursor();
    }
}

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, crossterm::cursor::Show);
}
