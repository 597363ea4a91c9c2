//! `/{tenant}/oauth2/v2.0/authorize`: no UI; signs in the user named by `login_hint` (else the
//! default user), consents where a user may, and redirects with a code, or fails as Entra does.
//!
//! Entra's order matters to a client: errors found before the redirect URI is trusted (unknown
//! tenant, unknown client, unregistered redirect URI) are an error **page**, never a redirect;
//! later ones are redirected to the client with `error` and `error_description`.
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-response>

use super::directory::{self, Authority};
use super::errors::{self, AadError, Stamp};
use super::mint::Scopes;
use super::respond::{Params, Resp, aad_page, html, redirect};
use super::{App, CodeGrant, State, Tenant, User};
use crate::registration::Audience;
use http::StatusCode;

/// Where and how errors and codes go back to the client, once the redirect URI is trusted.
struct Reply<'a> {
    redirect_uri: &'a str,
    mode: &'a str,
    state: Option<&'a str>,
}

impl Reply<'_> {
    fn send(&self, mut params: Vec<(&'static str, String)>) -> Resp {
        if let Some(s) = self.state {
            params.push(("state", s.to_owned()));
        }
        if self.mode == "form_post" {
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('"', "&quot;")
                    .replace('<', "&lt;")
            };
            let inputs: String = params
                .iter()
                .map(|(k, v)| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\"/>", esc(v)))
                .collect();
            return html(
                StatusCode::OK,
                format!(
                    "<html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\">\
                     <form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}<noscript><p>Script is \
                     disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"/></noscript>\
                     </form></body></html>",
                    esc(self.redirect_uri)
                ),
            );
        }
        let encoded: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let sep = if self.mode == "fragment" {
            '#'
        } else if self.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        redirect(&format!("{}{sep}{encoded}", self.redirect_uri))
    }

    fn error(&self, e: &AadError, stamp: &Stamp) -> Resp {
        self.send(e.redirect_params(stamp))
    }
}

/// Handles one authorize request.
pub(crate) fn authorize(state: &State, segment: &str, p: &Params, stamp: &Stamp) -> Resp {
    let page = |e: AadError| aad_page(&e, stamp);
    let Some(authority) = Authority::resolve(segment) else {
        return page(errors::tenant_not_found(segment));
    };
    let Some(client_id) = p.get("client_id") else {
        return page(errors::missing_param("client_id"));
    };
    let directory_name = match authority {
        Authority::Tenant(t) => t.domain.unwrap_or(t.id),
        _ => segment,
    };
    let app = match state.app(client_id) {
        Some(app) if app.visible_at(authority) => app,
        _ => return page(errors::app_not_found(client_id, directory_name)),
    };
    // A disabled enterprise app: Entra's own page, before the redirect URI is looked at.
    if app.sp_disabled() {
        return page(errors::app_disabled(app.client_id.as_str(), app.name()));
    }
    // The redirect URI: unregistered is a page, never a redirect (it could be an attacker's).
    let (redirect_uri, platform) = match p.get("redirect_uri") {
        _ if app.reg.redirect_uris.is_empty() => return page(errors::no_reply_address()),
        Some(uri) => match app.redirect_platform(uri) {
            Some(platform) => (uri, platform),
            None => return page(errors::redirect_mismatch(uri, client_id)),
        },
        // Without one, Entra picks a registered URI.
        None => {
            let r = &app.reg.redirect_uris[0];
            (r.uri.as_str(), r.platform)
        }
    };
    let reply = Reply {
        redirect_uri,
        mode: p.get("response_mode").unwrap_or("query"),
        state: p.get("state"),
    };
    let user = match p.get("login_hint") {
        Some(hint) => match directory::user(hint) {
            Some(u) => u,
            None => return page(errors::no_such_user(hint, directory_name)),
        },
        None => state.default_user,
    };
    match check(app, authority, user, p) {
        Ok(Checked::Grant {
            tenant,
            scopes,
            challenge,
        }) => {
            let code = format!("1.A{}", state.random(96));
            let grant = CodeGrant {
                client_id: app.client_id.clone(),
                redirect_uri: redirect_uri.to_owned(),
                platform,
                authority,
                user,
                tenant,
                scopes,
                nonce: p.get("nonce").map(str::to_owned),
                challenge,
                issued: state.now(),
                redeemed: false,
            };
            state.store_code(code.clone(), grant);
            reply.send(vec![("code", code), ("session_state", state.guid())])
        }
        Ok(Checked::Page(e)) => page(e),
        Err(e) => reply.error(&e, stamp),
    }
}

enum Checked {
    Grant {
        tenant: &'static Tenant,
        scopes: Scopes,
        challenge: Option<(String, String)>,
    },
    /// A failure Entra shows on its own page (the user is stopped at sign-in or consent).
    Page(AadError),
}

/// Everything after the redirect URI is trusted. `Err` is redirected to the client.
fn check(
    app: &App,
    authority: Authority,
    user: &'static User,
    p: &Params,
) -> Result<Checked, AadError> {
    match p.get("response_type") {
        None => return Err(errors::missing_param("response_type")),
        Some("code") => {}
        Some(other) => return Err(errors::response_type_not_enabled(other)),
    }
    let scope = p
        .get("scope")
        .ok_or_else(|| errors::missing_param("scope"))?;
    audience_allows(app, authority)?;
    let challenge = code_challenge(p)?;
    let scopes = Scopes::parse(scope, app)?;
    let tenant = match sign_in(app, authority, user) {
        Ok(t) => t,
        Err(page) => return Ok(Checked::Page(page)),
    };
    // Assignment required on the home tenant's enterprise app: only assigned users get in.
    // Other tenants have service principals of their own.
    if let Some(sp) = &app.reg.emulator.service_principal
        && sp.assignment_required
        && std::ptr::eq(tenant, app.home)
        && !sp.assigned.iter().any(|u| u.eq_ignore_ascii_case(user.upn))
    {
        let e = errors::user_not_assigned(app.client_id.as_str(), app.name(), user.upn);
        return Ok(Checked::Page(e));
    }
    // Consent: a user consents to what a user may; admin-only scopes need a tenant-wide grant.
    let consented = &app.reg.emulator.admin_consented;
    let missing: Vec<&str> = scopes
        .admin_only()
        .into_iter()
        .filter(|s| !consented.iter().any(|c| c.eq_ignore_ascii_case(s)))
        .collect();
    if !missing.is_empty() {
        let e =
            errors::admin_consent_required(app.client_id.as_str(), app.name(), &missing.join(" "));
        return Ok(Checked::Page(e));
    }
    Ok(Checked::Grant {
        tenant,
        scopes,
        challenge,
    })
}

/// The app's `signInAudience` against the authority of the request.
fn audience_allows(app: &App, authority: Authority) -> Result<(), AadError> {
    let (id, name, audience) = (app.client_id.as_str(), app.name(), &app.reg.audience);
    match authority {
        Authority::Common | Authority::Organizations if *audience == Audience::MyOrg => {
            Err(errors::not_multitenant(id, name))
        }
        Authority::Organizations | Authority::Tenant(_) if *audience == Audience::PersonalOnly => {
            Err(errors::personal_only_app(id, name))
        }
        Authority::Consumers if !audience.allows_personal() => Err(errors::org_only_app(id, name)),
        _ => Ok(()),
    }
}

/// PKCE: `S256` challenges are 43 characters, `plain` ones 43 to 128 (RFC 7636 §4.2).
fn code_challenge(p: &Params) -> Result<Option<(String, String)>, AadError> {
    let Some(c) = p.get("code_challenge") else {
        return Ok(None);
    };
    let method = p.get("code_challenge_method").unwrap_or("plain");
    let ok = match method {
        "S256" => c.len() == 43,
        "plain" => (43..=128).contains(&c.len()),
        _ => false,
    };
    if !ok {
        return Err(errors::bad_code_challenge());
    }
    Ok(Some((c.to_owned(), method.to_owned())))
}

/// The tenant the user signs in to, or the page that stops them.
fn sign_in(
    app: &App,
    authority: Authority,
    user: &'static User,
) -> Result<&'static Tenant, AadError> {
    let audience = &app.reg.audience;
    match authority {
        Authority::Tenant(t) if user.tenant != t => {
            let idp = if user.is_personal() {
                "live.com".to_owned()
            } else {
                format!("https://sts.windows.net/{}/", user.tenant.id)
            };
            Err(errors::user_not_in_tenant(
                user.upn,
                &idp,
                t.domain.unwrap_or(t.id),
            ))
        }
        Authority::Consumers if !user.is_personal() => {
            Err(errors::work_account_on_consumers(user.upn))
        }
        // `/organizations` is for work and school accounts, whatever the app allows.
        Authority::Organizations if user.is_personal() => {
            Err(errors::personal_account_refused(user.upn))
        }
        _ if user.is_personal() && !audience.allows_personal() => {
            Err(errors::personal_account_refused(user.upn))
        }
        _ if !user.is_personal() && !audience.allows_work() => {
            Err(errors::work_account_on_consumers(user.upn))
        }
        _ => Ok(user.tenant),
    }
}

impl State {
    /// Keeps a code for redemption (expired ones leave as new ones come: see `codes.rs`).
    fn store_code(&self, code: String, grant: CodeGrant) {
        let now = self.now();
        self.codes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(code, grant, now);
    }
}
