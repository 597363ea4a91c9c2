//! The format's sink, chosen once: what knows every format (each format knows only [`Sink`]).

use super::sink::{Json, Sink};
use super::{Format, RenderOptions, Report};
use std::io::{self, Write};

/// The sink of `opts.format`, writing to `out`.
pub fn sink<'a>(opts: RenderOptions, out: Box<dyn Write + 'a>) -> Box<dyn Sink + 'a> {
    match opts.format {
        Format::Human => Box::new(super::human::Human::new(opts, out)),
        Format::Json => Box::new(Json::new(out)),
        Format::Junit => Box::new(super::junit::Junit::new(opts.strict, out)),
        Format::Github => Box::new(super::github::Github::new(opts.strict, out)),
        Format::Markdown => Box::new(super::markdown::Markdown::new(opts.strict, out)),
        Format::Html => Box::new(super::html::Html::new(opts.verbose, out)),
    }
}

/// Writes `reports` in the chosen format.
pub fn render(reports: &[Report], opts: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut s = sink(opts, Box::new(out));
    for r in reports {
        s.target(r)?;
    }
    s.finish()
}
