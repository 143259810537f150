use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit;
use super::report::{self, Reporter, note};
use crate::diagnostic::Format;
use crate::serve::{self, Events, Options, Rebuilt};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The docs tree: a folder with gtdocs.yaml and runbooks/
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Port to listen on (0 picks a free one)
    #[arg(long, short = 'p', default_value_t = 4000)]
    port: u16,
    /// Address to listen on; loopback unless you say otherwise
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Open the site in the default browser
    #[arg(long)]
    open: bool,
    /// Poll for changes instead of using file system events
    #[arg(long)]
    poll: bool,
    /// Also answer requests for this host name (repeatable); by default
    /// only localhost and the listening address are answered, so that no
    /// other site can read the preview through a DNS name of its own
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
}

struct Terminal<'a> {
    reporter: &'a Reporter,
    open: bool,
    /// What the builds so far left: whether one succeeded (there is a good
    /// site being served) and whether the last one failed.
    history: std::sync::Mutex<History>,
}

#[derive(Default)]
struct History {
    served: bool,
    failing: bool,
}

impl Events for Terminal<'_> {
    fn listening(&self, url: &str) {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "serving {url}");
        let _ = out.flush();
        if self.open {
            open_browser(url);
        }
    }

    fn rebuilt(&self, outcome: &Rebuilt) {
        self.reporter
            .diagnostics(&outcome.diagnostics, &outcome.sources, Format::Human);
        if let Some(error) = &outcome.error {
            report::error(error, None);
        }
        let what = outcome.change.as_deref().unwrap_or("first build");
        let mut history = self
            .history
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let verdict = match (outcome.ok, history.failing, history.served) {
            (true, true, _) => "fixed, rebuilt",
            (true, false, _) => "rebuilt",
            (false, _, true) => "rebuild failed, serving the last good site",
            (false, _, false) => "build failed, no site to serve until the sources are fixed",
        };
        // Milliseconds, always: scripts/bench-reload.sh reads them.
        let line = format!(
            "{verdict} ({what}): {} of {} pages in {} ms",
            outcome.pages,
            outcome.total_pages,
            outcome.elapsed.as_millis()
        );
        // A failure, and the build that ends one, are told by default;
        // every other rebuild with `-v`.
        if outcome.ok && !history.failing {
            self.reporter.info(line);
        } else {
            note(line);
        }
        history.served |= outcome.ok;
        history.failing = !outcome.ok;
    }
}

/// Best effort: the platform's opener, if there is one.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

pub fn run(args: &ServeArgs, reporter: &Reporter) -> ExitCode {
    let options = Options {
        root: args.root.clone(),
        bind: args.bind,
        port: args.port,
        poll: args.poll,
        allow_hosts: args.allow_hosts.clone(),
    };
    let terminal = Terminal {
        reporter,
        open: args.open,
        history: std::sync::Mutex::default(),
    };
    match serve::run(&options, &terminal) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(crate::serve::ServeError::Compile(crate::site::CompileError::Load(e))) => {
            reporter.fatal(&e, e.hint())
        }
        Err(e) => {
            let hint = e.hint();
            reporter.fatal(e, hint)
        }
    }
}
