//! The `lint` command: registration files in, one report per app out.

use crate::app::Error;
use crate::checks::{self, LintOptions};
use crate::ngrok::{self, OAuthAction};
use crate::registration;
use crate::report::{Mode, Report, Target};

/// Lints every app of every file, in order. Stops at the first file that cannot be read.
/// With a policy, the app it names also gets `ngrok.policy` and, when the policy holds a
/// literal secret, `secret.valid` against the app's secret hints.
pub fn lint_files(
    files: &[String],
    opts: &LintOptions,
    policy: Option<&OAuthAction>,
) -> Result<Vec<Report>, Error> {
    let mut reports = Vec::new();
    let mut policy_matched = false;
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
            let mut findings = checks::lint(&reg, opts);
            if let Some(p) = policy
                && let (Some(id), Some(app_id)) = (p.client_id.as_deref(), reg.app_id.as_deref())
                && id.eq_ignore_ascii_case(app_id)
            {
                policy_matched = true;
                findings.push(ngrok::check(p, Some(app_id)));
                if let Some(secret) = &p.client_secret {
                    findings.push(checks::secret_supplied(&reg, secret, opts.now));
                }
                findings.sort_by_key(|f| f.id);
            }
            reports.push(Report::new(Mode::Lint, target, findings));
        }
    }
    if let Some(p) = policy
        && !policy_matched
    {
        return Err(Error::Usage(format!(
            "--ngrok-policy: its oauth action's client_id {:?} is none of the linted apps",
            p.client_id.as_deref().unwrap_or("(absent)")
        )));
    }
    Ok(reports)
}
