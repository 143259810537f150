use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::exit;
use super::report::Reporter;
use crate::diagnostic::{Format, visible};
use crate::load;
use crate::probe::{Seen, StandIn};
use crate::validate;

#[derive(Debug, Args)]
pub struct StandInArgs {
    /// The docs tree whose catalog (gtdocs.yaml) the stand-in answers
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// The bearer key it asks for
    #[arg(long, value_name = "KEY", default_value = "gtak_stand_in")]
    key: String,
}

/// How often the requests seen are looked at, to print the new ones.
const LOOK_EVERY: Duration = Duration::from_millis(50);

pub fn run(args: &StandInArgs, reporter: &Reporter) -> ExitCode {
    let tree = match load::load_config(&args.root) {
        Ok((tree, _)) => tree,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    let (view, diagnostics) = match validate::catalog(&tree) {
        Ok(v) => v,
        Err(e) => return reporter.fatal(e, None),
    };
    let Some(catalog) = view else {
        reporter.diagnostics(&diagnostics, &tree.sources, Format::Human);
        return ExitCode::from(exit::INVALID);
    };
    let routes: Vec<String> = (catalog.catalog.routes.iter())
        .map(|r| r.route.clone())
        .collect();
    let stand_in = match StandIn::start(&routes, &args.key) {
        Ok(s) => s,
        Err(e) => return reporter.fatal(e, None),
    };
    if let Err(e) = ctrlc::set_handler(|| std::process::exit(0)) {
        return reporter.fatal(format!("cannot catch Ctrl-C: {e}"), None);
    }
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "GT API stand-in at {} ({} routes; key {}); each request is shown as it comes; Ctrl-C stops it",
        stand_in.base_url(),
        routes.len(),
        visible(&args.key),
    );
    let _ = out.flush();
    let mut shown = 0;
    loop {
        std::thread::sleep(LOOK_EVERY);
        let seen = stand_in.seen();
        for request in seen.iter().skip(shown) {
            let _ = writeln!(out, "{}", line(request));
        }
        shown = seen.len();
        let _ = out.flush();
    }
}

/// One request as a line: what was asked, what it reached, and what it
/// sent (request text is escaped: a client may send anything).
fn line(seen: &Seen) -> String {
    let reached = seen.route.as_deref().unwrap_or("off the catalog");
    let text = format!(
        "{} {} -> {} ({reached}); key {}; {} {}",
        seen.method,
        seen.path,
        seen.status,
        seen.key,
        if seen.content_type.is_empty() {
            "no body type"
        } else {
            &seen.content_type
        },
        seen.body,
    );
    visible(&text).replace('\n', "\\n")
}
