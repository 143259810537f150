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
    /// Whether the last build failed: the next good one says it is fixed.
    failing: std::sync::atomic::AtomicBool,
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
        let failing = self
            .failing
            .swap(!outcome.ok, std::sync::atomic::Ordering::Relaxed);
        // The pages served are the last good site's: none, no good build yet.
        let served = outcome.total_pages > 0;
        let verdict = match (outcome.ok, failing, served) {
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
        if outcome.ok && !failing {
            self.reporter.info(line);
        } else {
            note(line);
        }
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
        failing: std::sync::atomic::AtomicBool::default(),
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
