//! From the raw JSON fields to a [`Registration`]: shape detection and normalisation, shared by
//! the app parser and the ARM template parser (whose properties are Graph's names), and the
//! permission flattening that Terraform's parser uses too.

use super::raw::{RawApp, RawPublicClient, RawResourceAccess};
use super::{
    AccessKind, Audience, EmulatedSp, EmulatorExtras, EmulatorSlot, Implicit, Known,
    PasswordCredential, Permission, Platform, RedirectUri, Registration, ServicePrincipal, Shape,
};
use crate::entra::SecretValue;

/// Holds at least one field of an app registration or service principal.
pub(super) fn looks_like_registration<L>(raw: &RawApp<L>) -> bool {
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

fn detect_shape<L>(raw: &RawApp<L>) -> Shape {
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

/// The registration `raw` holds, whatever it lacks.
pub(super) fn build<L>(mut raw: RawApp<L>) -> Registration {
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
            .map_or_else(EmulatorSlot::default, |x| {
                EmulatorSlot::new(EmulatorExtras {
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
                })
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
        service_principal: sp.map(Box::new),
        address: None,
    }
}

/// The implicit-grant switches, from `web.implicitGrantSettings` or the manifest's names.
fn implicit<L>(raw: &RawApp<L>) -> Implicit {
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
fn redirect_uris<L>(raw: &mut RawApp<L>) -> Vec<RedirectUri> {
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
pub(super) fn permissions(required: Vec<RawResourceAccess>) -> Vec<Permission> {
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
