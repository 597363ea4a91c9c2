//! The `lint` command: registration files in, one report per app out.

use crate::checks::{self, LintOptions};
use crate::registration::{self, LoadError};
use crate::report::{Mode, Report, Target};

/// Lints every app of every file, in order. Stops at the first file that cannot be read.
pub fn lint_files(files: &[String], opts: &LintOptions) -> Result<Vec<Report>, LoadError> {
    let mut reports = Vec::new();
    for file in files {
        for reg in registration::load_path(file)? {
            let target = Target {
                client_id: reg.app_id.clone(),
                display_name: reg.display_name.clone(),
                source: Some(if file == "-" {
                    "<stdin>".into()
                } else {
                    file.clone()
                }),
                shape: Some(reg.shape.as_str()),
                ..Target::default()
            };
            reports.push(Report::new(Mode::Lint, target, checks::lint(&reg, opts)));
        }
    }
    Ok(reports)
}
