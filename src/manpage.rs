//! `oauth-preflight manpage`: one roff page, oauth-preflight(1), with every command's synopsis,
//! description and options in its COMMANDS section. clap_mangen's default page cites one page
//! per command (`oauth-preflight-lint(1)`...) that nothing installs; this page cites none.

use clap_mangen::Man;
use std::io;

/// The two lines roff writes before every rendered piece (apostrophe handling); once is enough.
const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];

type Section = fn(&Man, &mut dyn io::Write) -> io::Result<()>;

/// One rendered section of `man`, as lines; `nested`: without its `.SH` heading, for our own.
fn section(man: &Man, render: Section, nested: bool, lines: &mut Vec<String>) -> io::Result<()> {
    let mut text = Vec::new();
    render(man, &mut text)?;
    let text = String::from_utf8_lossy(&text);
    let mut heading_dropped = !nested;
    for line in text.lines() {
        if !heading_dropped && line.starts_with(".SH ") {
            heading_dropped = true;
            continue;
        }
        if PREAMBLE.contains(&line) && lines.iter().any(|l| l == line) {
            continue;
        }
        lines.push(line.to_owned());
    }
    Ok(())
}

/// The whole page of `cmd` (the binary's clap command).
pub fn render(mut cmd: clap::Command, out: &mut dyn io::Write) -> io::Result<()> {
    cmd.build();
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    let man = Man::new(cmd);
    let mut lines = Vec::new();
    for render in [
        Man::render_title as Section,
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
    ] {
        section(&man, render, false, &mut lines)?;
    }
    lines.push(".SH COMMANDS".into());
    lines.push(
        "Each command's flags, as \\fBoauth\\-preflight\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR shows them."
            .into(),
    );
    for sub in subs {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_owned();
        let has_args = sub.get_arguments().any(|a| !a.is_hide_set());
        let sub_man = Man::new(sub);
        lines.push(format!(".SS \"{}\"", name.replace('-', "\\-")));
        section(&sub_man, Man::render_synopsis_section, true, &mut lines)?;
        lines.push(".PP".into());
        section(&sub_man, Man::render_description_section, true, &mut lines)?;
        if has_args {
            section(&sub_man, Man::render_options_section, true, &mut lines)?;
        }
    }
    section(&man, Man::render_version_section, false, &mut lines)?;
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
