//! Reading registration files: size limits, and which parser a document goes to (an app, a list
//! of apps, Terraform JSON, an ARM template). The parsers import what they share from `parse`
//! and `build`, never this file.

use super::build::{build, looks_like_registration};
use super::parse::{ParseError, deserialize};
use super::raw::RawApp;
use super::{Registration, Shape};
use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::path::Path;

/// Larger inputs are refused before they are read: a tenant of 10,000 apps is about 50 MB.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Why a registration file could not be used. Each message fits on one line and names no secret.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{source_name}: {message}")]
    Io {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: {error}")]
    Parse {
        source_name: String,
        #[source]
        error: ParseError,
    },
}

/// Reads and parses a file, or standard input for `-`.
pub fn load_path(path: &str) -> Result<Vec<Registration>, LoadError> {
    let io_error = |message: String| LoadError::Io {
        source_name: display_name(path),
        message,
    };
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| io_error(format!("cannot read standard input: {e}")))?;
        if buf.len() as u64 > MAX_INPUT_BYTES {
            return Err(io_error(too_large()));
        }
        buf
    } else {
        let meta = std::fs::metadata(Path::new(path)).map_err(|e| io_error(describe_io(&e)))?;
        if meta.is_dir() {
            return Err(io_error("is a directory, not a registration file".into()));
        }
        match read_capped(path, MAX_INPUT_BYTES) {
            Ok(bytes) => bytes,
            Err(Capped::TooLarge) => return Err(io_error(too_large())),
            Err(Capped::Io(e)) => return Err(io_error(describe_io(&e))),
        }
    };
    parse_bytes(&bytes).map_err(|error| LoadError::Parse {
        source_name: display_name(path),
        error,
    })
}

/// Why [`read_capped`] gave no bytes.
#[derive(Debug)]
pub enum Capped {
    /// More than the cap: the read stopped there.
    TooLarge,
    Io(std::io::Error),
}

/// Reads a file, but never more than `cap` bytes: a character device (`/dev/zero`) or a FIFO
/// reports no size, so the size in its metadata cannot be trusted to bound the read.
pub fn read_capped(path: &str, cap: u64) -> Result<Vec<u8>, Capped> {
    let f = std::fs::File::open(path).map_err(Capped::Io)?;
    let mut buf = Vec::new();
    f.take(cap + 1).read_to_end(&mut buf).map_err(Capped::Io)?;
    if buf.len() as u64 > cap {
        return Err(Capped::TooLarge);
    }
    Ok(buf)
}

fn display_name(path: &str) -> String {
    if path == "-" {
        "<stdin>".into()
    } else {
        path.into()
    }
}

fn too_large() -> String {
    format!(
        "larger than {} MiB; split the list (az ad app list --query '[0:5000]')",
        MAX_INPUT_BYTES >> 20
    )
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => format!("cannot read: {e}"),
    }
}

/// Parses one document: an app, an array of apps, or `{"value":[...]}`.
pub fn parse_bytes(bytes: &[u8]) -> Result<Vec<Registration>, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes); // PowerShell writes a BOM
    let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err(ParseError::Empty);
    };
    match first {
        b'[' => deserialize::<Apps>(bytes)?.finish("$"),
        b'{' => {
            let mut raw: RawApp<Apps> = deserialize(bytes)?;
            // Infrastructure as code, detected from its top-level fields (DESIGN.md §9.4).
            if raw.is_terraform() {
                return super::terraform::parse(bytes);
            }
            if raw.is_arm_template() {
                return super::arm::parse(bytes);
            }
            match raw.value.take() {
                Some(list) => list.finish("$.value"),
                None => Ok(vec![normalise(raw, "$")?]),
            }
        }
        _ => {
            let start: String = String::from_utf8_lossy(&bytes[..bytes.len().min(64)])
                .trim()
                .chars()
                .take(20)
                .collect();
            Err(ParseError::NotJson(format!("{start:?}")))
        }
    }
}

/// A list of apps, each turned into its registration as soon as it is read, so that only one
/// app's raw fields exist at a time: 200,000 apps are 200,000 registrations, never as many raw
/// apps beside them (issue 18, item 5). Serde drives it, so a type error still names its JSON
/// path (`$[1].appId`) and ends the read; the apps after the first that is not a registration
/// are still read, for such an error, and not kept.
#[derive(Debug, Default)]
struct Apps {
    regs: Vec<Registration>,
    /// The index of the first item that is no app registration.
    stray: Option<usize>,
}

impl<'de> serde::Deserialize<'de> for Apps {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Each;
        impl<'de> serde::de::Visitor<'de> for Each {
            type Value = Apps;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Apps, A::Error> {
                let mut apps = Apps::default();
                let mut i = 0;
                while let Some(raw) = seq.next_element::<RawApp>()? {
                    if apps.stray.is_none() {
                        if looks_like_registration(&raw) {
                            apps.regs.push(build(raw));
                        } else {
                            apps.stray = Some(i);
                        }
                    }
                    i += 1;
                }
                Ok(apps)
            }
        }
        d.deserialize_seq(Each)
    }
}

impl Apps {
    /// The registrations of the list at `at`, each service principal beside its application.
    fn finish(self, at: &str) -> Result<Vec<Registration>, ParseError> {
        if let Some(i) = self.stray {
            return Err(ParseError::NotARegistration(format!("{at}[{i}]")));
        }
        if self.regs.is_empty() {
            return Err(ParseError::NoApps);
        }
        let regs = self.regs;
        if !regs.iter().any(|r| r.shape == Shape::ServicePrincipal) {
            return Ok(regs);
        }
        // An application and its service principal in one document (`[app, sp]`) are one target.
        let paired = regs.into_iter().map(|r| ((), r)).collect();
        Ok(join_service_principals(paired)
            .into_iter()
            .map(|(_, r)| r)
            .collect())
    }
}

fn normalise<L>(raw: RawApp<L>, at: &str) -> Result<Registration, ParseError> {
    if !looks_like_registration(&raw) {
        return Err(ParseError::NotARegistration(at.to_owned()));
    }
    Ok(build(raw))
}

/// Puts each service principal beside the application of the same appId (in any of the files
/// read together; `S` is where each came from); one with no application stays alone, shaped
/// `ServicePrincipal`. Applications keep their order; lone service principals follow.
///
/// In place and in linear time: the applications stay where they are, and each service
/// principal finds its application through an index of the appIds that service principals
/// name. 200,000 apps are not copied to be joined, and 200,000 lone service principals are not
/// each compared with every app (issue 18, item 5).
pub fn join_service_principals<S>(mut items: Vec<(S, Registration)>) -> Vec<(S, Registration)> {
    let sps: Vec<_> = items
        .extract_if(.., |(_, r)| r.shape == Shape::ServicePrincipal)
        .collect();
    if sps.is_empty() {
        return items;
    }
    // The applications with no service principal yet, in order, by the appIds that service
    // principals name (ASCII case ignored).
    let mut free: HashMap<String, VecDeque<usize>> = sps
        .iter()
        .filter_map(|(_, sp)| sp.app_id.as_deref())
        .map(|id| (id.to_ascii_lowercase(), VecDeque::new()))
        .collect();
    for (i, (_, app)) in items.iter().enumerate() {
        let queue = app
            .app_id
            .as_deref()
            .filter(|_| app.service_principal.is_none())
            .and_then(|id| free.get_mut(&id.to_ascii_lowercase()));
        if let Some(queue) = queue {
            queue.push_back(i);
        }
    }
    let mut alone = Vec::new();
    for (source, sp) in sps {
        let app = sp
            .app_id
            .as_deref()
            .and_then(|id| free.get_mut(&id.to_ascii_lowercase())?.pop_front());
        match app {
            Some(i) => items[i].1.service_principal = sp.service_principal,
            None => alone.push((source, sp)),
        }
    }
    items.extend(alone);
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registration::{Audience, Platform};

    fn err(text: &str) -> String {
        parse_bytes(text.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn detects_each_shape() {
        let graph = parse_bytes(br#"{"appId":"a","web":{"redirectUris":["https://x/"]}}"#).unwrap();
        assert_eq!(graph[0].shape, Shape::GraphApplication);
        let aad = parse_bytes(br#"{"appId":"a","replyUrlsWithType":[{"url":"u","type":"Spa"}]}"#)
            .unwrap();
        assert_eq!(aad[0].shape, Shape::AadManifest);
        assert_eq!(aad[0].redirect_uris[0].platform, Platform::Spa);
        let legacy =
            parse_bytes(br#"{"appId":"a","availableToOtherTenants":true,"replyUrls":["u"]}"#)
                .unwrap();
        assert_eq!(legacy[0].shape, Shape::LegacyManifest);
        assert_eq!(legacy[0].audience, Audience::MultipleOrgs);
        let list = parse_bytes(br#"{"@odata.context":"x","value":[{"appId":"a"},{"appId":"b"}]}"#)
            .unwrap();
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn legacy_public_client_flag_moves_reply_urls_to_public_client() {
        let r = parse_bytes(br#"{"appId":"a","publicClient":true,"replyUrls":["u"]}"#).unwrap();
        assert_eq!(r[0].redirect_uris[0].platform, Platform::PublicClient);
    }

    #[test]
    fn errors_name_the_json_path() {
        let e = err(r#"{"appId":"a","passwordCredentials":[{"endDateTime":"soon"}]}"#);
        assert!(e.contains("$.passwordCredentials[0].endDateTime"), "{e}");
        let e = err(r#"[{"appId":"a"},{"appId":5}]"#);
        assert!(e.contains("$[1].appId"), "{e}");
        assert!(err("").contains("empty"));
        assert!(err("  \n").contains("empty"));
        assert!(err("<html>").contains("not JSON"));
        assert!(err(r#"{"appId":"a""#).contains("EOF"));
        assert!(err(r#"{"foo":1}"#).contains("not an app registration at $"));
        assert!(err(r#"[{"appId":"a"},{"bar":2}]"#).contains("at $[1]"));
        assert!(err("[]").contains("no app registrations"));
        assert!(err(r#"{"value":[]}"#).contains("no app registrations"));
        assert!(err("[1]").contains("$[0]"));
        // A type error anywhere in a list comes before an item that is no registration.
        assert!(err(r#"[{"bar":2},{"appId":5}]"#).contains("$[1].appId"));
        assert!(err(r#"{"value":[{"appId":"a"},{"bar":2}]}"#).contains("at $.value[1]"));
        let e = err(r#"{"value":[{"appId":"a"},{"appId":5}]}"#);
        assert!(e.contains("$.value[1].appId"), "{e}");
        assert!(err(r#"{"value":5}"#).contains("expected a sequence"));
        let e = err(r#"[{"appId":"a","value":[{"appId":5}]}]"#);
        assert!(e.contains("$[0].value[0].appId"), "{e}");
    }

    /// Issue 18, item 5: the raw fields of a list's apps are never all held at once; each app
    /// is a registration as soon as it is read (in an array and in a Graph list alike).
    #[test]
    fn a_list_is_read_one_app_at_a_time() {
        let apps = vec![r#"{"appId":"a"}"#; 1000].join(",");
        for doc in [format!("[{apps}]"), format!(r#"{{"value":[{apps}]}}"#)] {
            super::super::raw::census::peak();
            assert_eq!(parse_bytes(doc.as_bytes()).unwrap().len(), 1000);
            assert_eq!(super::super::raw::census::peak(), 1, "{}", &doc[..20]);
        }
    }

    #[test]
    fn each_service_principal_joins_the_first_app_of_its_app_id_still_without_one() {
        let regs = parse_bytes(
            br#"[{"appId":"a","displayName":"a1"},{"appId":"b"},
                {"appId":"A","servicePrincipalType":"Application","accountEnabled":false},
                {"appId":"z","servicePrincipalType":"Application"},
                {"appId":"a","displayName":"a2"},
                {"appId":"a","servicePrincipalType":"Application"},
                {"servicePrincipalType":"Application"},
                {"appId":"a","servicePrincipalType":"Application","accountEnabled":true}]"#,
        )
        .unwrap();
        let seen: Vec<(&str, Shape, Option<Option<bool>>)> = regs
            .iter()
            .map(|r| {
                let sp = r.service_principal.as_ref().map(|s| s.account_enabled);
                (r.label(), r.shape, sp)
            })
            .collect();
        let sp = Shape::ServicePrincipal;
        let app = Shape::GraphApplication;
        assert_eq!(
            seen,
            [
                ("a1", app, Some(Some(false))),
                ("b", app, None),
                ("a2", app, Some(None)),
                ("z", sp, Some(None)),
                ("(unnamed app)", sp, Some(None)),
                ("a", sp, Some(Some(true))),
            ]
        );
    }

    #[test]
    fn bom_is_accepted() {
        assert_eq!(
            parse_bytes(b"\xEF\xBB\xBF{\"appId\":\"a\"}").unwrap().len(),
            1
        );
    }
}
