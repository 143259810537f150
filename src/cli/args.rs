//! Options more than one command takes, and what they set up.

use std::path::PathBuf;

use clap::Args;

use crate::diagnostic::Format;

/// Options shared by the commands that validate a tree.
#[derive(Debug, Args)]
pub(super) struct TreeArgs {
    /// The docs tree: a folder with gtdocs.yaml and runbooks/
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(super) root: PathBuf,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// Treat warnings as errors (exit code 1)
    #[arg(long)]
    pub(super) deny_warnings: bool,
    /// Worker threads, 1 to 256 (default: one per core)
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    pub(super) jobs: Option<usize>,
}

/// Settings of gtdocs.yaml replaced for one run: the place a CI job
/// publishes the site at.
#[derive(Debug, Args)]
pub(super) struct SiteArgs {
    /// Path the HTML site is served under, in place of `site.base_url`, checked as that
    /// is. The final `/` may be left out (`/gt-docs` is `/gt-docs/`) and an empty PATH is
    /// `/`: the `base_path` GitHub Pages' actions/configure-pages gives can be passed as is
    #[arg(long, value_name = "PATH")]
    base_url: Option<String>,
    /// Origin the HTML site is published at (scheme and host, e.g.
    /// https://owner.github.io), in place of `site.url`, checked as that is: canonical and
    /// sitemap URLs start with it (configure-pages' `origin`)
    #[arg(long, value_name = "URL")]
    site_url: Option<String>,
}

impl SiteArgs {
    pub(super) fn overrides(
        &self,
    ) -> Result<crate::validate::SiteOverrides, crate::validate::OverrideError> {
        crate::validate::SiteOverrides::new(
            self.base_url.as_deref().map(|v| ("--base-url", v)),
            self.site_url.as_deref().map(|v| ("--site-url", v)),
        )
    }
}

/// Most worker threads `--jobs` accepts. The work is bound by the CPU, so
/// threads beyond the cores only cost memory (a stack each) and start-up
/// time: 5,000 took 26 s and 1 GB before this cap.
pub const MAX_JOBS: usize = 256;

fn parse_jobs(text: &str) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    if (1..=MAX_JOBS).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} is not between 1 and {MAX_JOBS} (more threads than cores make nothing faster)"
        ))
    }
}

pub(super) fn set_threads(jobs: Option<usize>) {
    if let Some(n) = jobs {
        // Fails only if a pool already exists, in which case it stays.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.clamp(1, MAX_JOBS))
            .build_global();
    }
}
