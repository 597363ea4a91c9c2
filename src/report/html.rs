//! HTML for people (DESIGN.md §9.3): the report file of `--format html` / `--report html=PATH`
//! for the Entra administrator who makes the fix, and the verdict page `run` shows in the
//! browser's tab. One self-contained page each: inline CSS, no script, no external asset
//! (`Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'`, as a `<meta>` in
//! the file, as a header on the tab), no referrer (the tab's URL holds the authorization code).
//!
//! Every text from a registration, a policy, a file name or a server (a display name, an AADSTS
//! description, a policy expression) is escaped for HTML ([`esc`]): it renders as text, whatever
//! markup it holds. The file reads on a phone (viewport, one column under 40rem) and prints on
//! A4 and Letter alike (`@page` margins only, so the printer's paper size stands; folded
//! sections unfold where the browser allows it).

use super::sink::{Sink, Spool};
use super::{Report, Summary, Tally};
use crate::checks::{Finding, Status};
use std::fmt::Write as _;
use std::io::{self, Write};

/// The policy of both pages (the tab's server sends the same as a header).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE: &str = "\
:root{color-scheme:light}*{box-sizing:border-box}\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;background:#fff;max-width:62rem;margin:0 auto;padding:1rem 1.2rem}\
h1{font-size:1.5rem;margin:.3rem 0}h2{font-size:1.2rem;margin:0 0 .2rem;overflow-wrap:anywhere}\
h3{font-size:1rem;margin:.9rem 0 .2rem}h1.ok{color:#1a7f37}h1.bad{color:#cf222e}\
.target{border:1px solid #d0d7de;border-left:.4rem solid #8c959f;border-radius:.4rem;padding:.7rem 1rem;margin:1rem 0}\
.target.fail{border-left-color:#cf222e}.target.warn{border-left-color:#bf8700}.target.pass{border-left-color:#1a7f37}\
.finding{border-top:1px solid #d8dee4;padding:.5rem 0}.finding h4{margin:0 0 .3rem;font-size:1rem;overflow-wrap:anywhere}\
.badge{display:inline-block;min-width:3.3em;text-align:center;font:700 .72rem/1.6 system-ui,sans-serif;padding:0 .4em;border-radius:.3em;color:#fff;vertical-align:.12em}\
.badge.fail{background:#cf222e}.badge.warn{background:#9a6700}.badge.pass{background:#1a7f37}.badge.skip{background:#6e7781}\
dl{margin:.2rem 0;display:grid;grid-template-columns:6.5rem minmax(0,1fr);gap:.15rem .8rem}\
dt{font-weight:600;color:#57606a}dd{margin:0;overflow-wrap:anywhere;white-space:pre-line}\
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
pre{margin:0;padding:.45rem .6rem;background:#f6f8fa;border:1px solid #d0d7de;border-radius:.3rem;white-space:pre-wrap;overflow-wrap:anywhere}\
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}ul{margin:.3rem 0;padding-left:1.2rem}li{overflow-wrap:anywhere}\
.meta,.about,.counts{color:#57606a;font-size:.9rem;overflow-wrap:anywhere;margin:.2rem 0}.error{color:#cf222e;font-weight:600}\
a{color:#0969da}\
@media (max-width:40rem){body{padding:.6rem .7rem;font-size:16px}dl{grid-template-columns:minmax(0,1fr)}dt{margin-top:.3rem}.target{padding:.6rem .7rem}}\
@page{margin:14mm 12mm}\
@media print{*{-webkit-print-color-adjust:exact;print-color-adjust:exact}body{max-width:none;padding:0;font-size:10pt}\
.finding{break-inside:avoid}h2,h3{break-after:avoid}\
details::details-content{content-visibility:visible;display:contents}\
a{color:inherit;text-decoration:none}.docs a::after{content:' ('attr(href)')';color:#57606a;font-size:.85em}}";

/// `text` safe between HTML tags and in quoted attribute values; control characters other
/// than line breaks and tabs are shown as `\u{..}`, as in every other format.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// The document's start: `<head>` with the policy, the viewport and the style; `<body>` open.
fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{}</title>\n<style>{STYLE}</style></head>\n<body>\n",
        esc(title)
    );
}

fn tool() -> String {
    format!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
}

fn counts(s: Summary) -> String {
    format!(
        "{} fail, {} warn, {} pass, {} skip",
        s.fail, s.warn, s.pass, s.skip
    )
}

/// The worst status of a target, for its colour.
fn class_of(s: Summary) -> &'static str {
    if s.fail > 0 {
        "fail"
    } else if s.warn > 0 {
        "warn"
    } else {
        "pass"
    }
}

/// One finding that needs attention: the check, what was found, the evidence, the portal path,
/// the command, the docs.
fn finding(out: &mut String, f: &Finding) {
    let status = f.status.as_str();
    let _ = write!(
        out,
        "<article class=\"finding {status}\"><h4><span class=\"badge {status}\">{}</span> \
         <code>{}</code> {}",
        status.to_uppercase(),
        esc(f.id.as_str()),
        esc(&f.title)
    );
    if f.baseline_regressed() {
        out.push_str(" <strong>(regressed)</strong>");
    }
    out.push_str("</h4><dl>");
    if let Some(who) = &f.identity {
        let _ = write!(out, "<dt>Identity</dt><dd>{}</dd>", esc(who));
    }
    let _ = write!(out, "<dt>Evidence</dt><dd>{}</dd>", esc(&f.evidence));
    if let Some(fix) = &f.fix {
        let _ = write!(out, "<dt>Fix</dt><dd>{}</dd>", esc(fix));
    }
    if let Some(cmd) = &f.fix_command {
        let _ = write!(
            out,
            "<dt>Command</dt><dd><pre><code>{}</code></pre></dd>",
            esc(cmd)
        );
    }
    let _ = writeln!(
        out,
        "<dt>Docs</dt><dd class=\"docs\"><a href=\"{0}\" rel=\"noreferrer\">{0}</a></dd></dl></article>",
        esc(f.docs)
    );
}

/// The checks of `status`, folded: one line each (with the evidence under `-v`).
fn folded(out: &mut String, r: &Report, status: Status, what: &str, verbose: bool) {
    let list: Vec<&Finding> = r.checks.iter().filter(|f| f.status == status).collect();
    if list.is_empty() {
        return;
    }
    let _ = write!(out, "<details><summary>{} {what}</summary><ul>", list.len());
    for f in list {
        let _ = write!(
            out,
            "<li><code>{}</code> {}",
            esc(f.id.as_str()),
            esc(&f.title)
        );
        if let Some(who) = &f.identity {
            let _ = write!(out, " ({})", esc(who));
        }
        if verbose && f.evidence != f.title {
            let _ = write!(out, "<br><small>{}</small>", esc(&f.evidence));
        }
        out.push_str("</li>");
    }
    out.push_str("</ul></details>\n");
}

/// Where a target was checked (its label names the app): authority, tenant, the file, the
/// ngrok action.
fn meta(r: &Report) -> String {
    let t = &r.target;
    let mut parts = Vec::new();
    if let Some(a) = &t.authority {
        parts.push(format!("via {a}"));
    }
    if let Some(tenant) = &t.tenant {
        parts.push(format!("tenant {tenant}"));
    }
    if let Some(src) = &t.source {
        parts.push(format!("from {src}"));
    }
    if let Some(n) = &t.ngrok {
        let at = n.endpoint.as_deref().unwrap_or(&n.source);
        parts.push(format!("ngrok {} ({at}, rule {})", n.action, n.rule));
    }
    esc(&parts.join(" · "))
}

/// One target: the failing checks first, then the warnings, then the rest folded.
fn target(out: &mut String, r: &Report, verbose: bool) {
    let _ = write!(
        out,
        "<section class=\"target {}\">\n<h2>{} {}</h2>\n<p class=\"meta\">{}</p>\n<p class=\"counts\">{}</p>\n",
        class_of(r.summary),
        r.mode.as_str(),
        esc(&r.label()),
        meta(r),
        counts(r.summary)
    );
    if let Some(e) = &r.error {
        let _ = writeln!(
            out,
            "<p class=\"error\">Could not complete: {}</p>",
            esc(&e.message)
        );
    }
    for (status, heading) in [(Status::Fail, "Failing"), (Status::Warn, "Warnings")] {
        let list: Vec<&Finding> = r.checks.iter().filter(|f| f.status == status).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h3>{heading} ({})</h3>", list.len());
        for f in list {
            finding(out, f);
        }
    }
    folded(out, r, Status::Skip, "skipped (not judged)", true);
    folded(out, r, Status::Pass, "passed", verbose);
    out.push_str("</section>\n");
}

/// The report file: the totals come first, so the targets are spooled and copied after them;
/// the tool and the time at the end.
pub(super) struct Html<'a> {
    out: Box<dyn Write + 'a>,
    verbose: bool,
    targets: Spool,
    tally: Tally,
    /// The time it was generated; now, when it is written, unless a test fixes it.
    at: Option<String>,
    /// One target's text, before it goes to the spool.
    text: String,
}

impl<'a> Html<'a> {
    pub(super) fn new(verbose: bool, out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            verbose,
            targets: Spool::new(),
            tally: Tally::default(),
            at: None,
            text: String::new(),
        }
    }
}

impl Sink for Html<'_> {
    fn target(&mut self, r: &Report) -> io::Result<()> {
        self.tally.add(r);
        self.text.clear();
        target(&mut self.text, r, self.verbose);
        self.targets.write_all(self.text.as_bytes())
    }

    fn finish(&mut self) -> io::Result<()> {
        let at = self.at.take().unwrap_or_else(|| {
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        });
        let mut text = String::with_capacity(8192);
        head(&mut text, "oauth-preflight report");
        let s = self.tally.summary;
        let _ = write!(
            text,
            "<header><h1 class=\"{}\">oauth-preflight report</h1>\n<p class=\"counts\">{} target(s): {}</p></header>\n<main>\n",
            if s.fail > 0 { "bad" } else { "ok" },
            self.tally.targets,
            counts(s)
        );
        self.out.write_all(text.as_bytes())?;
        self.targets.copy_to(&mut self.out)?;
        write!(
            self.out,
            "</main>\n<footer><p class=\"about\">{} · generated {at}</p></footer>\n</body></html>\n",
            tool()
        )?;
        self.out.flush()
    }
}

/// The verdict of `run` for the browser's tab: the failing and warning checks with their
/// evidence and fix, or "all N checks pass", styled as pass (`ok`) or fail (`bad`).
pub fn verdict_page(report: &Report) -> String {
    let s = report.summary;
    let good = s.fail == 0 && report.error.is_none();
    let headline = match (s.fail, s.warn) {
        (0, 0) if good => format!("All {} checks pass", s.pass),
        (0, w) if good => format!(
            "All {} checks pass, with {w} warning{}",
            s.pass,
            if w == 1 { "" } else { "s" }
        ),
        (0, _) => "The run could not complete".to_owned(),
        (1, _) => "1 check fails".to_owned(),
        (n, _) => format!("{n} checks fail"),
    };
    let mut out = String::with_capacity(4096);
    head(&mut out, &format!("oauth-preflight: {headline}"));
    let _ = write!(
        out,
        "<header><h1 class=\"{}\">{}</h1>\n<p class=\"meta\">{} {} · {}</p>\n<p class=\"counts\">{}</p></header>\n<main>\n",
        if good { "ok" } else { "bad" },
        esc(&headline),
        report.mode.as_str(),
        esc(&report.label()),
        meta(report),
        counts(s)
    );
    // Who signed in, as ngrok would see them sign in.
    if let Some(who) = report
        .checks
        .iter()
        .find(|f| f.id == crate::checks::CheckId::TenancySignedIn && f.status == Status::Pass)
    {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(&who.title));
    }
    if let Some(e) = &report.error {
        let _ = writeln!(
            out,
            "<p class=\"error\">Could not complete: {}</p>",
            esc(&e.message)
        );
    }
    for f in report.checks.iter().filter(|f| f.status == Status::Fail) {
        finding(&mut out, f);
    }
    for f in report.checks.iter().filter(|f| f.status == Status::Warn) {
        finding(&mut out, f);
    }
    if s.skip > 0 {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{} check(s) could not be judged in this run: the terminal says why.</p>",
            s.skip
        );
    }
    let _ = write!(
        out,
        "</main>\n<footer><p class=\"about\">You can close this tab: the full report is in the terminal. {}</p></footer>\n</body></html>\n",
        tool()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckId;
    use crate::report::{Mode, Target};

    fn hostile_report() -> Report {
        let name = "<img src=x onerror=alert(1)></style><script>alert(2)</script>";
        let target = Target {
            client_id: Some("00000001-1111-4000-8000-000000000001".into()),
            display_name: Some(name.into()),
            ..Target::default()
        };
        let mut f = Finding::fail(
            CheckId::RedirectNgrok,
            format!("AADSTS50011: '{name}'"),
            "a \"quoted\" & <b>bold</b>\u{1b}[2J",
            "fix </style>",
        );
        f.fix_command = Some("az ad app update --id x --web-redirect-uris '<a>'".into());
        Report::new(Mode::Run, target, vec![f])
    }

    /// The report file of `reports`, generated at `at`.
    fn document(reports: &[Report], verbose: bool, at: &str) -> String {
        let mut page = Vec::new();
        let mut html = Html::new(verbose, Box::new(&mut page));
        html.at = Some(at.to_owned());
        for r in reports {
            html.target(r).unwrap();
        }
        html.finish().unwrap();
        drop(html);
        String::from_utf8(page).unwrap()
    }

    #[test]
    fn hostile_text_stays_text_in_both_pages() {
        let r = hostile_report();
        for page in [
            verdict_page(&r),
            document(std::slice::from_ref(&r), true, "T"),
        ] {
            assert!(!page.contains("<img"), "{page}");
            assert!(!page.contains("<script"), "{page}");
            assert!(!page.contains("<b>"), "{page}");
            assert_eq!(page.matches("</style>").count(), 1, "{page}");
            assert!(
                page.contains("&lt;img src=x onerror=alert(1)&gt;"),
                "{page}"
            );
            assert!(!page.contains('\u{1b}'), "{page}");
            assert!(page.contains(CSP));
        }
    }

    #[test]
    fn the_verdict_says_pass_or_fail() {
        let pass = Report::new(
            Mode::Run,
            Target::default(),
            vec![Finding::pass(CheckId::AppExists, "ok", "ok")],
        );
        let page = verdict_page(&pass);
        assert!(
            page.contains("<h1 class=\"ok\">All 1 checks pass</h1>"),
            "{page}"
        );
        let page = verdict_page(&hostile_report());
        assert!(
            page.contains("<h1 class=\"bad\">1 check fails</h1>"),
            "{page}"
        );
        assert!(page.contains("<pre><code>az ad app update"), "{page}");
    }
}
