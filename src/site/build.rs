//! A docs tree built: loaded, validated and rendered, to disk ([`build`])
//! or in memory ([`build_in_memory`]), or rendered only as far as `check`
//! needs ([`check`]). A theme template's error is one more diagnostic.

use std::path::Path;
use std::time::{Duration, Instant};

use super::compile::{CompileError, Compiled, compile, compile_cached};
use super::template;
use crate::diagnostic::{self, Diagnostic, Sources};
use crate::output::{self, OutputError, Staging, WriteStats};
use crate::render::{self, Output, RenderContext, RenderError, Renderer, html};
use crate::validate::SiteOverrides;

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Settings of `gtdocs.yaml` replaced for this build (`--base-url`,
    /// `--site-url`).
    pub overrides: SiteOverrides,
    /// Warnings refuse the build as errors do (`--deny-warnings`).
    pub deny_warnings: bool,
    /// The accepted findings are shown (`-v`, a machine format), so need
    /// their line.
    pub locate_accepted: bool,
    /// The build cache's folder (`None`: no cache, everything built).
    pub cache: Option<std::path::PathBuf>,
}

/// What stops a build for a reason outside the sources: the output
/// folder, an unreadable tree, the build's settings, a write.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl BuildError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            BuildError::Compile(e) => e.hint(),
            BuildError::Render(e) => e.hint(),
            BuildError::Output(e) => e.hint(),
        }
    }
}

/// A build of validated sources: its diagnostics (warnings, or a
/// template's error), and how it ended.
pub struct BuildReport {
    /// Sorted by file and position; a template's error, if any, last.
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    pub outcome: Outcome,
    /// What the validation cache did, in a line (`None`: no cache).
    pub cache: Option<String>,
    /// What the build no longer needs: the caller drops it, or, a process
    /// about to end, leaves it to the system ([`Leftovers::leave`]).
    pub leftovers: Leftovers,
}

/// Memory a build no longer needs, not freed yet: freeing the book of
/// 10,000 runbooks, one allocation at a time, takes tens of milliseconds
/// at the end of a build of under a second.
#[derive(Default)]
pub struct Leftovers {
    _book: Option<crate::model::Book>,
}

impl Leftovers {
    /// Leaves the memory to the system, which takes it back whole when the
    /// process ends: for a command about to exit, never in a process that
    /// goes on (`serve`).
    pub fn leave(self) {
        std::mem::forget(self);
    }
}

/// How a build ended. Only [`Outcome::Written`] changed the output folder.
pub enum Outcome {
    /// The sources have errors (or warnings, denied): nothing was rendered.
    Invalid,
    /// A theme template failed: its diagnostic is the report's last.
    Template,
    /// Rendering or writing failed for a reason outside the sources.
    Failed(BuildError),
    Written(Written),
}

/// What a build wrote, and how long each step took.
pub struct Written {
    pub runbooks: usize,
    pub stats: WriteStats,
    pub validate: Duration,
    /// Rendering and writing into the staging folder.
    pub render: Duration,
    /// Putting the staging folder in the output's place.
    pub swap: Duration,
    /// What reading the history of verdicts did (`None`: the book was
    /// not valid, so it was not read).
    pub history: Option<String>,
}

/// Builds the tree at `root` into `out`, which is replaced whole, and
/// only when everything was written: a failed build leaves it untouched.
/// `Err` when nothing could be validated (a folder `out` may not be, a
/// tree that cannot be read).
pub fn build(root: &Path, out: &Path, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    output::check_out_dir(root, out)?;
    if let Some(cache) = &options.cache {
        output::prepare_cache_dir(cache, out)?;
    }
    let started = Instant::now();
    // The output's indexes are read while the sources are validated.
    let (indexes, compiled) = rayon::join(
        || {
            let cache = options.cache.as_deref()?;
            Some(output::Indexes::read(cache, out))
        },
        || {
            compile_cached(
                root,
                &options.overrides,
                options.locate_accepted,
                options.cache.as_deref(),
            )
        },
    );
    let Compiled {
        mut book,
        mut diagnostics,
        mut sources,
        cache,
        ..
    } = compiled?;
    let mut history = None;
    if let Some(book) = book
        .as_mut()
        .filter(|_| !diagnostics.iter().any(Diagnostic::is_error))
    {
        history = Some(with_history(root, book, &mut diagnostics));
    }
    let validate = started.elapsed();
    // What validation read and parsed is freed: returned before the site,
    // the other half of the peak, is rendered.
    crate::memory::release_pool();
    let (errors, warnings) = diagnostic::counts(&diagnostics);
    let refused = errors > 0 || (options.deny_warnings && warnings > 0);
    let Some(book) = book.filter(|_| !refused) else {
        return Ok(BuildReport {
            diagnostics,
            sources,
            outcome: Outcome::Invalid,
            cache,
            leftovers: Leftovers::default(),
        });
    };
    let rendered = RenderContext::from_env().and_then(|ctx| {
        let (ctx, staging) = match (&options.cache, indexes) {
            // Side by side: the keys are made from the book, the staging
            // folder from the cache's indexes.
            (Some(cache), Some(indexes)) => {
                let (ctx, staging) = rayon::join(
                    || ctx.with_keys(&book),
                    || Staging::with_cache(out, cache, indexes),
                );
                (ctx, staging?)
            }
            _ => (ctx, Staging::new(out)?),
        };
        render::render_into(&book, &ctx, &render::ALL, &staging)?;
        Ok(staging)
    });
    let staging = match rendered {
        Ok(staging) => staging,
        Err(e) => {
            let outcome = match template::diagnostic(root, &book, &e, &mut sources) {
                Some(d) => {
                    diagnostics.push(d);
                    Outcome::Template
                }
                None => Outcome::Failed(e.into()),
            };
            return Ok(BuildReport {
                diagnostics,
                sources,
                outcome,
                cache,
                leftovers: Leftovers { _book: Some(book) },
            });
        }
    };
    let rendered = started.elapsed();
    let outcome = match staging.commit() {
        Ok(stats) => Outcome::Written(Written {
            runbooks: book.runbooks.len(),
            stats,
            validate,
            render: rendered - validate,
            swap: started.elapsed() - rendered,
            history,
        }),
        Err(e) => Outcome::Failed(e.into()),
    };
    Ok(BuildReport {
        diagnostics,
        sources,
        outcome,
        cache,
        leftovers: Leftovers { _book: Some(book) },
    })
}

/// Reads the history of verdicts from git into `book` (none outside a
/// work tree); a shallow clone's warning joins `diagnostics`. Returns a
/// line on what was read, for `-v`.
pub fn with_history(
    root: &Path,
    book: &mut crate::model::Book,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    let mut read = crate::history::read(root, book.site.max_history_commits, Some(book));
    let summary = read.summary();
    diagnostics.append(&mut read.diagnostics);
    book.history = read.history;
    book.source = read.source;
    summary
}

/// A tree built in memory: its diagnostics, and its files when it is valid.
pub struct InMemory {
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when the sources have errors (or a template, its
    /// diagnostic the last).
    pub output: Option<Output>,
}

/// Builds the tree at `root` in memory with `renderers`: their files, as
/// [`build`] would write them.
pub fn build_in_memory(root: &Path, renderers: &[&dyn Renderer]) -> Result<InMemory, BuildError> {
    let Compiled {
        book,
        mut diagnostics,
        mut sources,
        ..
    } = compile(root)?;
    let Some(book) = book else {
        return Ok(InMemory {
            diagnostics,
            output: None,
        });
    };
    let ctx = RenderContext::from_env()?;
    let output = match render::render_with(&book, &ctx, renderers) {
        Ok(output) => Some(output),
        Err(e) => {
            diagnostics.push(template::diagnostic(root, &book, &e, &mut sources).ok_or(e)?);
            None
        }
    };
    Ok(InMemory {
        diagnostics,
        output,
    })
}

/// Validates the tree at `root`, then renders one page of each kind
/// through its theme: what [`build`] refuses after validation (the
/// build's settings, a template's error), `check` refuses too. `cache`:
/// the validation cache's folder (`None`: none), that of the default
/// output: one that is not gtdocs' own is not used (`check` writes no
/// output, so it refuses nothing for it).
pub fn check(
    root: &Path,
    locate_accepted: bool,
    cache: Option<&Path>,
) -> Result<Compiled, BuildError> {
    let out = root.join("site");
    let cache = cache.filter(|c| output::prepare_cache_dir(c, &out).is_ok());
    let mut compiled = compile_cached(root, &SiteOverrides::default(), locate_accepted, cache)?;
    let ctx = RenderContext::from_env()?;
    if let Some(book) = &compiled.book
        && let Err(e) = html::check_theme(book, &ctx)
    {
        let d = template::diagnostic(root, book, &e, &mut compiled.sources).ok_or(e)?;
        compiled.diagnostics.push(d);
    }
    Ok(compiled)
}
