//! Reading JSON into the raw types, with the JSON path of any error: the error type that every
//! shape parser (apps, Terraform, ARM) returns, shared so that none of them imports another.

/// Why bytes are not registration JSON.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the file is empty")]
    Empty,
    #[error("not JSON: the text starts with {0}")]
    NotJson(String),
    #[error("invalid JSON at {path}: {message}")]
    Json { path: String, message: String },
    #[error(
        "bad date at {path}: {value} is not an RFC 3339 date and time like 2027-01-31T00:00:00Z ({message})"
    )]
    Date {
        path: String,
        value: String,
        message: String,
    },
    #[error("the JSON ends before it is complete (a truncated file?): {0}")]
    Truncated(String),
    #[error(
        "not an app registration at {0}: expected an application object with appId (az ad app show), \
         an array of them (az ad app list) or a Graph list {{\"value\":[...]}}"
    )]
    NotARegistration(String),
    #[error("no app registrations in the file (empty list)")]
    NoApps,
    /// Infrastructure as code that this tool does not read (a major `format_version` it does
    /// not know), or that holds no Entra application: what was found instead.
    #[error("{0}")]
    Code(String),
}

/// Fast path without path tracking; on error, parse again to name the JSON path.
pub(super) fn deserialize<'de, T: serde::Deserialize<'de>>(
    bytes: &'de [u8],
) -> Result<T, ParseError> {
    serde_json::from_slice(bytes).map_err(|_| {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => {
                let path = e.path().to_string();
                let path = if path == "." {
                    "$".to_owned()
                } else {
                    // `?` stands for a segment serde never reached (the input ended first).
                    format!("$.{path}").replace(".[", "[").replace(".?", "")
                };
                let inner = e.into_inner();
                if inner.is_eof() {
                    return ParseError::Truncated(inner.to_string());
                }
                let message = inner.to_string();
                let date_field = ["endDateTime", "startDateTime", "endDate", "startDate"]
                    .iter()
                    .any(|f| path.ends_with(f));
                if date_field && inner.is_data() {
                    return ParseError::Date {
                        value: value_at(bytes, &path).unwrap_or_else(|| "the value".into()),
                        path,
                        message: message
                            .split(" at line ")
                            .next()
                            .unwrap_or(&message)
                            .to_owned(),
                    };
                }
                ParseError::Json { path, message }
            }
            // The document parsed: what failed is what follows it (serde_json's end check).
            Ok(_) => ParseError::Json {
                path: "$".into(),
                message: match de.end() {
                    Err(e) => format!(
                        "{e}: one JSON document was expected, and something follows it (a second document, or a stray byte such as NUL)"
                    ),
                    Ok(()) => "the document could not be read twice alike".into(),
                },
            },
        }
    })
}

/// The JSON text of the value at a `$.a[0].b` path, quoted, for an error message (at most 60
/// characters).
fn value_at(bytes: &[u8], path: &str) -> Option<String> {
    let root: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let mut cur = &root;
    for part in path
        .trim_start_matches('$')
        .split('.')
        .filter(|p| !p.is_empty())
    {
        let (name, indexes) = part.split_once('[').map_or((part, ""), |(n, i)| (n, i));
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        for idx in indexes.split('[').filter(|i| !i.is_empty()) {
            cur = cur.get(idx.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(cur.to_string().chars().take(60).collect())
}
