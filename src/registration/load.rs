//! Reading registration files: size limits, shape detection, JSON paths in errors, normalisation.

use super::raw::{RawApp, RawPublicClient};
use super::{
    AccessKind, Audience, EmulatedSp, EmulatorExtras, Implicit, Known, PasswordCredential,
    Permission, Platform, RedirectUri, Registration, ServicePrincipal, Shape,
};
use crate::entra::SecretValue;
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
        b'[' => {
            let raws: Vec<RawApp> = deserialize(bytes)?;
            normalise_list(raws, "$")
        }
        b'{' => {
            let mut raw: RawApp = deserialize(bytes)?;
            // Infrastructure as code, detected from its top-level fields (DESIGN.md §9.4).
            if raw.is_terraform() {
                return super::terraform::parse(bytes);
            }
            if raw.is_arm_template() {
                return super::arm::parse(bytes);
            }
            match raw.value.take() {
                Some(list) => normalise_list(list, "$.value"),
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

fn normalise_list(raws: Vec<RawApp>, at: &str) -> Result<Vec<Registration>, ParseError> {
    if raws.is_empty() {
        return Err(ParseError::NoApps);
    }
    let regs = raws
        .into_iter()
        .enumerate()
        .map(|(i, raw)| normalise(raw, &format!("{at}[{i}]")).map(|r| ((), r)))
        .collect::<Result<Vec<_>, _>>()?;
    // An application and its service principal in one document (`[app, sp]`) are one target.
    Ok(join_service_principals(regs)
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

fn looks_like_registration(raw: &RawApp) -> bool {
    raw.app_id.is_some()
        || raw.service_principal_type.is_some()
        || raw.sign_in_audience.is_some()
        || raw.available_to_other_tenants.is_some()
        || raw.web.is_some()
        || raw.reply_urls_with_type.is_some()
        || raw.reply_urls.is_some()
        || raw.required_resource_access.is_some()
        || raw.password_credentials.is_some()
}

fn detect_shape(raw: &RawApp) -> Shape {
    // `az ad sp show` output has `replyUrls` too: detect the service principal first.
    if raw.service_principal_type.is_some() || raw.app_owner_organization_id.is_some() {
        Shape::ServicePrincipal
    } else if raw.available_to_other_tenants.is_some() || raw.reply_urls.is_some() {
        Shape::LegacyManifest
    } else if raw.reply_urls_with_type.is_some()
        || raw.oauth2_allow_implicit_flow.is_some()
        || raw.oauth2_allow_id_token_implicit_flow.is_some()
        || raw.access_token_accepted_version.is_some()
        || (raw.name.is_some() && raw.web.is_none())
    {
        Shape::AadManifest
    } else {
        Shape::GraphApplication
    }
}

fn normalise(raw: RawApp, at: &str) -> Result<Registration, ParseError> {
    if !looks_like_registration(&raw) {
        return Err(ParseError::NotARegistration(at.to_owned()));
    }
    Ok(build(raw))
}

/// The registration `raw` holds, whatever it lacks.
pub(super) fn build(mut raw: RawApp) -> Registration {
    let shape = detect_shape(&raw);
    let sp = (shape == Shape::ServicePrincipal).then(|| ServicePrincipal {
        object_id: raw.id.clone().or_else(|| raw.object_id.clone()),
        account_enabled: raw.account_enabled,
        app_role_assignment_required: raw.app_role_assignment_required,
        app_owner_organization_id: raw.app_owner_organization_id.clone(),
        disabled_by_microsoft_status: raw.disabled_by_microsoft_status.clone(),
    });
    if sp.is_some() {
        // An enterprise app's `replyUrls` and the like mirror the application's; only the
        // application's own fields are judged (issue: a service principal misread as a manifest).
        raw.reply_urls = None;
        raw.password_credentials = None;
        raw.required_resource_access = None;
    }
    let audience = match (&raw.sign_in_audience, raw.available_to_other_tenants) {
        (Some(s), _) => Audience::parse(s),
        (None, Some(true)) => Audience::MultipleOrgs,
        (None, Some(false)) => Audience::MyOrg,
        (None, None) => Audience::Missing,
    };
    let implicit = implicit(&raw);
    let known = Known {
        web_redirects: raw.web.as_ref().is_some_and(|w| w.redirect_uris.is_some())
            || raw.reply_urls_with_type.is_some()
            || raw.reply_urls.is_some(),
        implicit: raw
            .web
            .as_ref()
            .is_some_and(|w| w.implicit_grant_settings.is_some())
            || raw.oauth2_allow_implicit_flow.is_some()
            || raw.oauth2_allow_id_token_implicit_flow.is_some(),
        token_version: raw.api.is_some() || raw.access_token_accepted_version.is_some(),
        permissions: raw.required_resource_access.is_some(),
        secrets: raw.password_credentials.is_some(),
        undecided: Vec::new(),
    };
    let app_disabled = if shape == Shape::ServicePrincipal {
        None
    } else {
        raw.disabled_by_microsoft_status
            .clone()
            .filter(|s| !s.trim().is_empty() && !s.eq_ignore_ascii_case("NotDisabled"))
    };
    Registration {
        known,
        disabled_by_microsoft_status: app_disabled,
        shape,
        redirect_uris: redirect_uris(&mut raw),
        permissions: permissions(raw.required_resource_access.take().unwrap_or_default()),
        password_credentials: raw
            .password_credentials
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|p| PasswordCredential {
                key_id: p.key_id,
                display_name: p.display_name,
                hint: p.hint,
                start: p.start_date_time,
                end: p.end_date_time,
            })
            .collect(),
        emulator: raw
            .x_emulator
            .take()
            .map_or_else(EmulatorExtras::default, |x| EmulatorExtras {
                secrets: x
                    .secrets
                    .into_iter()
                    .map(|s| (s.key_id.to_ascii_lowercase(), SecretValue::new(s.value)))
                    .collect(),
                home_tenant: x.home_tenant,
                admin_consented: x.admin_consented,
                service_principal: x.service_principal.map(|s| EmulatedSp {
                    account_enabled: s.account_enabled.unwrap_or(true),
                    assignment_required: s.app_role_assignment_required.unwrap_or(false),
                    assigned: s.assigned.iter().map(|u| u.to_ascii_lowercase()).collect(),
                }),
            }),
        app_id: raw.app_id,
        object_id: raw.id.or(raw.object_id),
        display_name: raw.display_name.or(raw.name),
        publisher_domain: raw.publisher_domain,
        audience,
        requested_access_token_version: raw
            .api
            .and_then(|a| a.requested_access_token_version)
            .or(raw.access_token_accepted_version.flatten()),
        implicit,
        key_credential_count: raw.key_credentials.map_or(0, |k| k.len()),
        publisher_verified: raw
            .verified_publisher
            .and_then(|v| v.verified_publisher_id)
            .is_some_and(|id| !id.is_empty()),
        service_principal: sp,
        address: None,
    }
}

/// Puts each service principal beside the application of the same appId (in any of the files
/// read together; `S` is where each came from); one with no application stays alone, shaped
/// `ServicePrincipal`. Applications keep their order; lone service principals follow.
pub fn join_service_principals<S>(items: Vec<(S, Registration)>) -> Vec<(S, Registration)> {
    let (sps, mut apps): (Vec<_>, Vec<_>) = items
        .into_iter()
        .partition(|(_, r)| r.shape == Shape::ServicePrincipal);
    let mut alone = Vec::new();
    for (source, sp) in sps {
        let app = apps.iter_mut().find(|(_, a)| {
            a.service_principal.is_none()
                && matches!((&a.app_id, &sp.app_id), (Some(x), Some(y)) if x.eq_ignore_ascii_case(y))
        });
        match app {
            Some((_, app)) => app.service_principal = sp.service_principal,
            None => alone.push((source, sp)),
        }
    }
    apps.extend(alone);
    apps
}

/// The implicit-grant switches, from `web.implicitGrantSettings` or the manifest's names.
fn implicit(raw: &RawApp) -> Implicit {
    let web = raw
        .web
        .as_ref()
        .and_then(|w| w.implicit_grant_settings.as_ref());
    Implicit {
        id_tokens: web
            .and_then(|i| i.enable_id_token_issuance)
            .or(raw.oauth2_allow_id_token_implicit_flow)
            .unwrap_or(false),
        access_tokens: web
            .and_then(|i| i.enable_access_token_issuance)
            .or(raw.oauth2_allow_implicit_flow)
            .unwrap_or(false),
    }
}

/// Every redirect URI with its platform, whichever shape listed it.
fn redirect_uris(raw: &mut RawApp) -> Vec<RedirectUri> {
    let mut out = Vec::new();
    let mut push = |uris: Option<Vec<String>>, platform| {
        out.extend(
            uris.unwrap_or_default()
                .into_iter()
                .map(|uri| RedirectUri { uri, platform }),
        );
    };
    push(
        raw.web.as_mut().and_then(|w| w.redirect_uris.take()),
        Platform::Web,
    );
    push(raw.spa.take().and_then(|s| s.redirect_uris), Platform::Spa);
    // Legacy manifests say `publicClient: true` for a native app: its replyUrls are public.
    let legacy_platform = match raw.public_client.take() {
        Some(RawPublicClient::Redirects(r)) => {
            push(r.redirect_uris, Platform::PublicClient);
            Platform::Web
        }
        Some(RawPublicClient::Flag(true)) => Platform::PublicClient,
        _ => Platform::Web,
    };
    for r in raw.reply_urls_with_type.take().unwrap_or_default() {
        let platform = match r.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("spa") => Platform::Spa,
            Some("installedclient") => Platform::PublicClient,
            _ => Platform::Web,
        };
        push(Some(vec![r.url]), platform);
    }
    push(raw.reply_urls.take(), legacy_platform);
    out
}

/// `requiredResourceAccess`, flattened; ids lowercased for comparison.
pub(super) fn permissions(required: Vec<super::raw::RawResourceAccess>) -> Vec<Permission> {
    required
        .into_iter()
        .flat_map(|r| {
            // Teams Toolkit's aad.manifest.json may name Graph and its permissions instead of
            // giving their ids ("Microsoft Graph", "User.Read"); the toolkit resolves them when
            // it provisions the app, and so do we.
            let graph = r
                .resource_app_id
                .trim()
                .eq_ignore_ascii_case("Microsoft Graph");
            let resource = if graph {
                crate::entra::GRAPH_APP_ID.to_owned()
            } else {
                r.resource_app_id.to_ascii_lowercase()
            };
            let by_name = graph || resource == crate::entra::GRAPH_APP_ID;
            r.resource_access.into_iter().map(move |a| Permission {
                resource_app_id: resource.clone(),
                id: match crate::entra::graph_scope_by_name(&a.id).filter(|_| {
                    by_name && !crate::entra::is_guid(&a.id) && a.kind.eq_ignore_ascii_case("scope")
                }) {
                    Some(s) => s.id.to_owned(),
                    None => a.id.to_ascii_lowercase(),
                },
                kind: match a.kind.as_str() {
                    k if k.eq_ignore_ascii_case("scope") => AccessKind::Scope,
                    k if k.eq_ignore_ascii_case("role") => AccessKind::Role,
                    _ => AccessKind::Unknown,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn bom_is_accepted() {
        assert_eq!(
            parse_bytes(b"\xEF\xBB\xBF{\"appId\":\"a\"}").unwrap().len(),
            1
        );
    }
}
