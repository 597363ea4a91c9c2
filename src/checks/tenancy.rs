//! `tenancy.multitenant`, `tenancy.token-version` and `tenancy.signed-in`: who may sign in, and
//! who did.
//!
//! ngrok signs users in through a multitenant authority, so a single-tenant app fails with
//! AADSTS50194 ("not configured as a multi-tenant application").
//! <https://ngrok.com/docs/integrations/oauth/microsoft-oauth>. A personal account refused by an
//! app for work and school accounts (AADSTS500200) is about the account that signed in, not
//! about multitenancy (DESIGN.md §8.1).

use super::{
    CheckId, Finding, Inputs, aad, combine, needs_live, needs_registration, portal, quoted,
};
use crate::entra::Guid;
use crate::flow::evidence::{AccountOutcome, GraphMe, IdToken};
use crate::registration::{Audience, Registration, Shape};

/// `tenancy.multitenant`: `signInAudience` lets any organisation's users in; live, a code from
/// `/common` or `/organizations` (no AADSTS50194).
pub(super) fn multitenant(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::TenancyMultitenant;
    let live = aad::refused(i, ID).or_else(|| {
        let ev = i.live?;
        let asked = ev.asked.as_ref()?;
        if !asked.tenant.is_multi_tenant() {
            return Some(Finding::skip(
                ID,
                format!(
                    "/{} is tenant-specific: only /common or /organizations (as ngrok) show multitenancy live",
                    asked.tenant
                ),
            ));
        }
        ev.code_issued.then(|| {
            Finding::pass(
                ID,
                "the multitenant authority accepted the app",
                format!(
                    "/{}/oauth2/v2.0/authorize issued a code (no AADSTS50194)",
                    asked.tenant
                ),
            )
        })
    });
    combine(ID, i, i.reg.map(multitenant_static), live)
}

/// `tenancy.signed-in`: which tenant and account type signed in (information), or the AADSTS
/// code that refused this account (e.g. a personal account on an app for work accounts only).
pub(super) fn signed_in(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::TenancySignedIn;
    if let Some(f) = aad::refused(i, ID) {
        return match i.reg {
            Some(reg) => {
                let evidence = format!(
                    "{}; {} = {}",
                    f.evidence,
                    reg.shape.audience_field(),
                    quoted(reg.audience.as_str())
                );
                Finding { evidence, ..f }
            }
            None => f,
        };
    }
    let Some(IdToken::Valid(c)) = i.live.and_then(|ev| ev.id_token.as_ref()) else {
        return Finding::skip(ID, needs_live(i));
    };
    let who = c
        .preferred_username
        .as_deref()
        .or(c.email.as_deref())
        .unwrap_or("(no preferred_username)");
    let kind = if Guid::parse(&c.tid).is_ok_and(|g| g.is_consumers_tenant()) {
        "a personal Microsoft account"
    } else {
        "a work or school account"
    };
    Finding::pass(
        ID,
        format!("{who} signed in with {kind}"),
        format!("tid = {:?}, iss = {:?}", c.tid, c.iss),
    )
}

/// `tenancy.other-tenant`: a further sign-in (`--accounts`) by a user of another tenant than the
/// app's home (the service principal's `appOwnerOrganizationId`, else the first account's tenant)
/// went through and Graph `/me` answered; or the AADSTS code that stopped it.
pub(super) fn other_tenant(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::TenancyOtherTenant;
    let Some(ev) = i.live else {
        return Finding::skip(ID, needs_live(i));
    };
    if ev.other_accounts.is_empty() {
        return Finding::skip(
            ID,
            "no user of another tenant tried: run --accounts 2 (--login-hint a user of another organisation)",
        );
    }
    let label = |hint: &Option<String>| hint.clone().unwrap_or_else(|| "the account picked".into());
    // A refusal names its AADSTS code, whatever the home tenant.
    for t in &ev.other_accounts {
        if let AccountOutcome::Refused(r) = &t.outcome {
            let f = aad::finding(i, ID, r);
            return Finding {
                title: format!("{} could not sign in: {}", label(&t.hint), f.title),
                ..f
            };
        }
    }
    // The home tenant: the service principal's appOwnerOrganizationId, else the first sign-in's
    // tid. Unknown is never "another tenant": a value that is not a GUID decides nothing.
    let from_sp = i
        .reg
        .and_then(|r| r.service_principal.as_ref())
        .and_then(|sp| sp.app_owner_organization_id.as_deref());
    let from_token = match &ev.id_token {
        Some(IdToken::Valid(c)) => Some(c.tid.as_str()),
        _ => None,
    };
    let home_id = match (from_sp, from_token) {
        (Some(sp), _) if Guid::parse(sp.trim()).is_ok() => Guid::parse(sp.trim()).ok(),
        (Some(sp), _) => {
            return Finding::skip(
                ID,
                format!(
                    "the service principal's appOwnerOrganizationId {sp:?} is not a GUID, so the app's home tenant is not known and no sign-in can be called another tenant's: pass --app with az ad sp show's answer"
                ),
            );
        }
        (None, Some(tid)) => match Guid::parse(tid) {
            Ok(g) => Some(g),
            Err(_) => {
                return Finding::skip(
                    ID,
                    format!(
                        "the first sign-in's tid {tid:?} is not a GUID, so the app's home tenant is not known"
                    ),
                );
            }
        },
        (None, None) => None,
    };
    // Without it, a success cannot be called "another tenant".
    let Some(home_id) = home_id else {
        return Finding::skip(
            ID,
            "the app's home tenant is not known (the first sign-in did not complete): sign in first with a user of the app's tenant, or pass --app with its service principal (appOwnerOrganizationId)",
        );
    };
    let home = home_id.as_str();
    let mut same = Vec::new();
    let mut why_not = Vec::new();
    for t in &ev.other_accounts {
        match &t.outcome {
            AccountOutcome::SignedIn { who, tid, .. } if Guid::parse(tid).is_err() => {
                why_not.push(format!("{who}: its tid {tid:?} is not a GUID"));
            }
            AccountOutcome::SignedIn { who, tid, graph } if !home_id.is(tid) => {
                let evidence = format!("{who}: tid = {tid:?}, home tenant = {home:?}");
                return match graph {
                    Some(GraphMe::Found { .. }) => Finding::pass(
                        ID,
                        format!(
                            "{who}, a user of another tenant, signed in and Graph /me answered"
                        ),
                        evidence,
                    ),
                    Some(GraphMe::Refused { status, code, .. }) => Finding::fail(
                        ID,
                        format!(
                            "{who}, of another tenant, signed in but Graph /me answered HTTP {status}"
                        ),
                        format!("{evidence}; {code}"),
                        "Grant Microsoft Graph User.Read (delegated) and request it; an administrator of that tenant may have to consent",
                    ),
                    None => Finding::skip(
                        ID,
                        format!("{who} of another tenant signed in, Graph /me was not reached"),
                    ),
                };
            }
            AccountOutcome::SignedIn { who, .. } => same.push(who.clone()),
            AccountOutcome::NotTried(why) => why_not.push(format!("{}: {why}", label(&t.hint))),
            AccountOutcome::Refused(_) => {}
        }
    }
    Finding::skip(
        ID,
        if same.is_empty() {
            format!("no further sign-in completed ({})", why_not.join("; "))
        } else {
            format!(
                "{} signed in from the app's home tenant: sign in with a user of another organisation",
                same.join(", ")
            )
        },
    )
}

/// `tenancy.multitenant`, statically.
fn multitenant_static(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::TenancyMultitenant;
    let field = reg.shape.audience_field();
    if reg.audience == Audience::Missing {
        return super::absent(ID, field);
    }
    let evidence = match (reg.shape, &reg.audience) {
        (Shape::LegacyManifest, Audience::MultipleOrgs) => format!("{field} = true"),
        (Shape::LegacyManifest, Audience::MyOrg) => format!("{field} = false"),
        (_, Audience::Missing) => format!("{field} is absent"),
        (_, a) => format!("{field} = {}", quoted(a.as_str())),
    };
    if reg.audience.is_multitenant() {
        return Finding::pass(ID, "the app is multitenant", evidence);
    }
    let title = match &reg.audience {
        Audience::MyOrg => "the app is single-tenant: ngrok's sign-in fails with AADSTS50194",
        Audience::PersonalOnly => {
            "the app accepts personal Microsoft accounts only: work and school users cannot sign in"
        }
        Audience::Missing => "the app's supported account types are not stated",
        _ => "the app's supported account types are not a value Microsoft defines",
    };
    let fix = match reg.audience {
        // The portal cannot switch a personal-only app; the manifest can.
        Audience::PersonalOnly => format!(
            "{}: set \"signInAudience\": \"AzureADandPersonalMicrosoftAccount\" (with {} = 2) \
             and save",
            portal(reg, "Manifest"),
            reg.shape.token_version_field()
        ),
        _ => format!(
            "{}: Supported account types > 'Accounts in any organizational directory (Any \
             Microsoft Entra ID tenant - Multitenant)'. Manifest: \"signInAudience\": \
             \"AzureADMultipleOrgs\"",
            portal(reg, "Authentication")
        ),
    };
    Finding::fail(ID, title, evidence, fix)
}

/// `tenancy.token-version`: an app that allows personal accounts must request v2 access tokens,
/// or Entra refuses to save it and sign-ins break.
/// <https://learn.microsoft.com/entra/identity-platform/reference-microsoft-graph-app-manifest>
pub(super) fn token_version(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::TenancyTokenVersion;
    let Some(reg) = i.reg else {
        return Finding::skip(ID, needs_registration(i));
    };
    let field = reg.shape.token_version_field();
    if reg.audience == Audience::Missing {
        return super::absent(ID, reg.shape.audience_field());
    }
    if reg.audience.allows_personal() && !reg.known.token_version {
        return super::absent(ID, field);
    }
    let value = reg
        .requested_access_token_version
        .map_or_else(|| "null".to_owned(), |v| v.to_string());
    let evidence = format!(
        "{field} = {value}, signInAudience = {}",
        quoted(reg.audience.as_str())
    );
    if !reg.audience.allows_personal() {
        return Finding::pass(
            ID,
            "personal accounts are not enabled, so any access-token version works",
            evidence,
        );
    }
    if reg.requested_access_token_version == Some(2) {
        return Finding::pass(ID, "the app requests v2 access tokens", evidence);
    }
    Finding::fail(
        ID,
        "the app allows personal accounts but does not request v2 access tokens",
        evidence,
        format!("{}: set {field} to 2 and save", portal(reg, "Manifest")),
    )
}
