//! `osdgate schema`: the JSON Schema of documents.

use std::process::ExitCode;

/// Print the JSON Schema of osdgate documents.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {}

/// Runs the command.
pub fn run(_: SchemaArgs) -> ExitCode {
    match serde_json::to_string_pretty(&osdgate_model::model::Document::json_schema()) {
        Ok(json) => {
            crate::output::write_stdout(&(json + "\n"));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("osdgate: cannot write the schema: {error}");
            ExitCode::FAILURE
        }
    }
}
