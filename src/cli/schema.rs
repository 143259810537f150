use std::io::Write as _;
use std::process::ExitCode;

use clap::Args;

use super::exit;
use crate::schema::SchemaKind;

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema to print
    #[arg(value_enum, default_value_t = SchemaKind::Source)]
    kind: SchemaKind,
}

pub fn run(args: &SchemaArgs) -> ExitCode {
    match std::io::stdout().write_all(args.kind.to_pretty().as_bytes()) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(_) => ExitCode::from(exit::USAGE_OR_IO),
    }
}
