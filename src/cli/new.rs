use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit;
use super::report::Reporter;
use crate::load::{self, RUNBOOKS_DIR};
use crate::model::Catalog;
use crate::schema::SchemaKind;
use crate::source::Support;
use crate::validate::{self, suggest};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The runbook's slug: lowercase letters, digits and dashes (the file name)
    slug: String,
    /// The docs tree: a folder with gtdocs.yaml
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
}

pub fn run(args: &NewArgs, reporter: &Reporter) -> ExitCode {
    let slug = args.slug.as_str();
    if !regex::Regex::new(crate::source::SLUG_PATTERN).is_ok_and(|r| r.is_match(slug)) {
        let hint = format!("for example `{}`", suggest::slugify(slug));
        return reporter.fatal(
            format!(
                "`{slug}` is not a valid slug: use lowercase letters, digits and single dashes"
            ),
            Some(&hint),
        );
    }
    let tree = match load::load(&args.root) {
        Ok(t) => t,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    let (view, diagnostics) = match validate::catalog(&tree) {
        Ok(v) => v,
        Err(e) => return reporter.fatal(e, None),
    };
    let Some(view) = view else {
        reporter.diagnostics(
            &diagnostics,
            &tree.sources,
            crate::diagnostic::Format::Human,
        );
        return ExitCode::from(exit::INVALID);
    };
    let shown = load::display_path(
        &args.root,
        &PathBuf::from(RUNBOOKS_DIR).join(format!("{slug}.yaml")),
    );
    // The folder as the loader sees it: never written through a link that
    // leads out of the tree, nor when `runbooks` is a file.
    let dir = match load::runbooks_dir(&args.root) {
        Ok(Some(dir)) => dir,
        Ok(None) => {
            let dir = args.root.join(RUNBOOKS_DIR);
            // `create_dir`, not `create_dir_all`: the root exists (it has
            // gtdocs.yaml), and a link put there since is not followed.
            if let Err(e) = std::fs::create_dir(&dir) {
                return reporter.fatal(format!("cannot create `{}`: {e}", dir.display()), None);
            }
            dir
        }
        Err(d) => {
            reporter.diagnostics(
                std::slice::from_ref(&*d),
                &tree.sources,
                crate::diagnostic::Format::Human,
            );
            return ExitCode::from(exit::INVALID);
        }
    };
    let file = dir.join(format!("{slug}.yaml"));
    // Editors validate as you type against a committed schema, which a
    // fresh clone has: the one the tree's runbooks name, else
    // `schemas/runbook.schema.json`; a build's copy in site/ is the fallback.
    let named = schema_line(&dir);
    let committed = named.is_some() || args.root.join(COMMITTED_SCHEMA).is_file();
    let schema = named.unwrap_or_else(|| {
        if committed {
            format!("../{COMMITTED_SCHEMA}")
        } else {
            format!("../site/json/schema/{}", SchemaKind::Source.file_name())
        }
    });
    let text = skeleton(slug, &view.catalog, &schema);
    // `create_new` (O_CREAT|O_EXCL) never follows a link at the file's
    // name: a link there, even to nothing, is "already exists".
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    match written {
        Ok(()) => {
            let _ = writeln!(anstream::stderr(), "wrote {}", shown.display());
            if !committed {
                let _ = writeln!(
                    anstream::stderr(),
                    "hint: for editors in a fresh clone, commit `gtdocs schema source --exact > {COMMITTED_SCHEMA}` (again when the catalog changes): new runbooks then point at it"
                );
            }
            ExitCode::from(exit::OK)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => reporter.fatal(
            format!("`{}` already exists", shown.display()),
            Some("pick another slug, or edit the existing runbook"),
        ),
        Err(e) => reporter.fatal(format!("cannot write `{}`: {e}", shown.display()), None),
    }
}

/// The schema the tree's runbooks name on their first line (the first in
/// file name order that names one), when it is a file that exists.
fn schema_line(dir: &std::path::Path) -> Option<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files.iter().find_map(|f| {
        use std::io::{BufRead as _, Read as _};
        let mut line = String::new();
        // One line, bounded: a runbook's first line is short.
        std::io::BufReader::new(std::fs::File::open(f).ok()?.take(4096))
            .read_line(&mut line)
            .ok()?;
        let target = line
            .trim_end()
            .strip_prefix("# yaml-language-server: $schema=")?;
        // `../<path below the tree>`: never a place outside it.
        let below = target.strip_prefix("../")?;
        let inside = !below.contains(':')
            && !below.starts_with('/')
            && below
                .split('/')
                .all(|part| !part.is_empty() && part != "..");
        (inside && dir.join(target).is_file()).then(|| target.to_owned())
    })
}

/// Where a tree keeps the runbook schema that its runbooks' first line
/// names, as this repository does.
const COMMITTED_SCHEMA: &str = "schemas/runbook.schema.json";

/// A YAML scalar: plain when unambiguous, else a JSON (double-quoted) string.
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-./{}".contains(c))
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && !s.ends_with(' ');
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

fn one_of(ids: impl Iterator<Item = String>) -> String {
    ids.collect::<Vec<_>>().join(", ")
}

/// A runbook that validates as written, with every catalog route mapped to
/// the catalog's "no support" verdict until someone checks the client.
pub fn skeleton(slug: &str, catalog: &Catalog, schema: &str) -> String {
    let title = crate::model::wiki_page_name("", slug).replace('-', " ");
    let first =
        |terms: &[crate::model::Term]| terms.first().map(|t| t.id.clone()).unwrap_or_default();
    let ids = |terms: &[crate::model::Term]| one_of(terms.iter().map(|t| t.id.clone()));
    let verdict = catalog
        .verdicts
        .iter()
        .find(|v| v.support == Support::None)
        .or(catalog.verdicts.first())
        .map(|v| v.id.clone())
        .unwrap_or_default();
    let mut s = String::new();
    let _ = writeln!(s, "# yaml-language-server: $schema={schema}");
    let _ = writeln!(s, "title: {}", scalar(&title));
    let _ = writeln!(
        s,
        "summary: >-\n  How to point {title} at GT API: replace this sentence."
    );
    let _ = writeln!(
        s,
        "compatibility: {}  # one of: {}",
        scalar(&first(&catalog.compatibility)),
        ids(&catalog.compatibility)
    );
    let _ = writeln!(
        s,
        "category: {}  # one of: {}",
        scalar(&first(&catalog.categories)),
        ids(&catalog.categories)
    );
    let _ = writeln!(
        s,
        "key_preset: {}  # one of: {}",
        scalar(&first(&catalog.key_presets)),
        ids(&catalog.key_presets)
    );
    if !catalog.evidence.is_empty() {
        let _ = writeln!(
            s,
            "evidence: {}  # one of: {}",
            scalar(&first(&catalog.evidence)),
            ids(&catalog.evidence)
        );
    }
    // Commented out: a new runbook is not checked yet, and a date written
    // now would say it was.
    let _ = writeln!(
        s,
        "# verified:  # when the verdicts were last checked against the client (a route may have its own)\n#   date: YYYY-MM-DD\n#   client_version: \"1.2.3\"  # or a range: \"since 1.2.3\"\n#   evidence: {}  # how it was checked\n#   link: https://example.com/proof  # a CI run, an issue",
        if catalog.evidence.is_empty() {
            "<an evidence id of gtdocs.yaml>".to_string()
        } else {
            scalar(&first(&catalog.evidence))
        }
    );
    let _ = writeln!(s, "docs:  # official documentation, absolute https:// URLs");
    let _ = writeln!(s, "  - https://docs.example.com/{slug}");
    let _ = writeln!(
        s,
        "config:  # configuration fields, in order; never a real key"
    );
    let _ = writeln!(
        s,
        "  - field: OPENAI_BASE_URL\n    value: https://<tenant-host>/api/tenant"
    );
    let _ = writeln!(s, "  - field: OPENAI_API_KEY\n    value: gtak_...");
    let _ = writeln!(
        s,
        "routes:  # verdicts: {}",
        one_of(catalog.verdicts.iter().map(|v| v.id.clone()))
    );
    for route in &catalog.routes {
        let _ = writeln!(s, "  - route: {}", scalar(&route.route));
        let _ = writeln!(s, "    verdict: {}", scalar(&verdict));
        let _ = writeln!(s, "    integration: Not checked yet");
    }
    for key in [
        "not_supported",
        "prerequisites",
        "setup",
        "caveats",
        "checklist",
    ] {
        let _ = writeln!(s, "{key}: []");
    }
    let _ = writeln!(s, "matrix:\n  subtitle: How {title} is configured");
    s
}
