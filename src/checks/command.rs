//! The fix as a command (DESIGN.md §9.3): an Azure CLI line for a finding whose fix can be
//! typed, attached after its judge ran ([`attach`]). A command is decided by what the inputs
//! hold, never by a finding's wording: the registration's fields, the client id of the run, and
//! the AADSTS code of a live refusal. Where the inputs cannot say what a safe command is (a
//! redirect fix without the registration's list of Web URIs), there is none: the portal path in
//! `fix` stands alone.
//!
//! Every flag is the Azure CLI's published one (<https://learn.microsoft.com/cli/azure/ad/app>,
//! <https://learn.microsoft.com/cli/azure/ad/sp>, <https://learn.microsoft.com/cli/azure/reference-index#az-rest>;
//! defined in Azure/azure-cli `src/azure-cli/azure/cli/command_modules/role/_params.py`):
//! - `az ad app update --id ID --web-redirect-uris URI...` sets `web.redirectUris` to exactly
//!   the URIs given (space-separated values, `nargs='+'`): every registered Web URI is listed
//!   again beside the one added, or it would be dropped.
//! - `az ad app update --sign-in-audience {AzureADMyOrg, AzureADMultipleOrgs,
//!   AzureADandPersonalMicrosoftAccount, PersonalMicrosoftAccount}`;
//!   `--enable-id-token-issuance` / `--enable-access-token-issuance` (true/false); `--set
//!   PATH=VALUE` (a generic update command).
//! - `az ad app permission add --id ID --api RESOURCE_APP_ID --api-permissions ID=Scope`.
//! - `az ad app permission admin-consent --id ID`.
//! - `az ad app credential reset --id ID --append --display-name NAME` (`--append` keeps the
//!   other secrets; without it every other secret is deleted). It prints the new Value once.
//! - `az ad sp update --id ID --set accountEnabled=true` (a generic update command).
//! - `az rest --method PATCH --uri URL --headers Content-Type=application/json --body JSON`,
//!   for what `az ad app update` cannot do in one step: a redirect URI moved from
//!   Single-page application or Mobile and desktop to Web (Entra refuses the same URI on two
//!   platforms, "Redirect URIs must have distinct values": MicrosoftDocs/azure-docs#89929),
//!   addressed as `PATCH /applications(appId='{appId}')`
//!   (<https://learn.microsoft.com/graph/api/application-update>).
//!
//! Nothing secret goes into a command (the reset prints a new Value; the supplied one is never
//! written); every value read from a file is quoted for a POSIX shell, and a value with a
//! control character gets no command at all.

use super::{CheckId, Finding, Inputs, Status, aad};
use crate::entra::{self, GRAPH_APP_ID, Guid, NGROK_CALLBACK, is_guid};
use crate::flow::evidence::RedirectRole;
use crate::registration::{Audience, Platform, Registration};

/// Microsoft Graph's delegated `User.Read` (`oauth2PermissionScopes` id).
/// <https://learn.microsoft.com/graph/permissions-reference#userread>
const USER_READ_ID: &str = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";

/// The display name of a secret the reset adds, as the portal would list it.
const SECRET_NAME: &str = "ngrok";

/// The token endpoint's codes about the supplied secret: a new secret Value fixes them.
const SECRET_CODES: [u32; 3] = [7000215, 7000222, 7000218];

/// `f` with its command, where its fix can be typed.
pub(super) fn attach(mut f: Finding, i: &Inputs<'_>) -> Finding {
    if f.status >= Status::Warn {
        f.fix_command = command(&f, i);
    }
    f
}

fn command(f: &Finding, i: &Inputs<'_>) -> Option<String> {
    let live_code = live_code(i, f.id);
    let update = |args: &str| Some(format!("az ad app update --id {} {args}", app_id(i)?));
    match f.id {
        CheckId::RedirectNgrok => add_redirect(i.reg?, NGROK_CALLBACK),
        CheckId::RedirectLocal => {
            let asked = i.live?.asked.as_ref()?;
            if asked.redirect == RedirectRole::Ngrok {
                return None;
            }
            add_redirect(i.reg?, &asked.redirect_uri)
        }
        CheckId::TenancyMultitenant => audience(i, live_code),
        CheckId::TenancyTokenVersion => {
            let reg = i.reg?;
            if !reg.audience.allows_personal() || reg.requested_access_token_version == Some(2) {
                return None;
            }
            update("--set api.requestedAccessTokenVersion=2")
        }
        CheckId::ScopesUserRead => user_read(i),
        CheckId::ScopesAdminConsent => admin_consent(i, live_code),
        CheckId::SecretPresent => i.reg.and(new_secret(i)),
        CheckId::SecretValid if f.status == Status::Fail => match live_code {
            Some(c) if !SECRET_CODES.contains(&c) => None,
            _ => new_secret(i),
        },
        CheckId::ImplicitDisabled => {
            let reg = i.reg?;
            if !reg.implicit.id_tokens && !reg.implicit.access_tokens {
                return None;
            }
            update("--enable-id-token-issuance false --enable-access-token-issuance false")
        }
        CheckId::SpEnabled => sp_enable(i, live_code),
        // sp.assignment: assign people, or stop requiring it; a security choice, not a command.
        // ngrok.policy: the fix is an edit of the policy file, said in `fix`.
        _ => None,
    }
}

/// `--sign-in-audience`: any organisation's users, and personal accounts where they were in.
fn audience(i: &Inputs<'_>, live_code: Option<u32>) -> Option<String> {
    let args = match i.reg.map(|r| &r.audience) {
        Some(a) if a.is_multitenant() => return None,
        // Personal accounts stay in, with the v2 tokens Entra then requires.
        Some(Audience::PersonalOnly) => {
            "--sign-in-audience AzureADandPersonalMicrosoftAccount --set api.requestedAccessTokenVersion=2"
        }
        Some(Audience::Missing) | None if live_code != Some(50194) => return None,
        _ => "--sign-in-audience AzureADMultipleOrgs",
    };
    Some(format!("az ad app update --id {} {args}", app_id(i)?))
}

/// Graph's delegated User.Read added to the app, where the registration lacks any permission
/// that reads `/me` (not when the request, e.g. the policy's `scopes`, is the place to fix).
fn user_read(i: &Inputs<'_>) -> Option<String> {
    let reg = i.reg?;
    if !reg.known.permissions || has_user_read_scope(reg) || i.scopes_from_policy {
        return None;
    }
    Some(format!(
        "az ad app permission add --id {} --api {GRAPH_APP_ID} --api-permissions {USER_READ_ID}=Scope",
        app_id(i)?
    ))
}

/// Admin consent in the home tenant, for a configured scope that needs it or a live refusal
/// for want of it (AADSTS90094, 65001).
fn admin_consent(i: &Inputs<'_>, live_code: Option<u32>) -> Option<String> {
    let needs = i.reg.is_some_and(|r| {
        r.permissions.iter().any(|p| {
            p.resource_app_id == GRAPH_APP_ID
                && entra::graph_scope_by_id(&p.id).is_some_and(|s| s.admin_consent)
        })
    }) || matches!(live_code, Some(90094 | 65001));
    if !needs {
        return None;
    }
    Some(format!(
        "az ad app permission admin-consent --id {}",
        app_id(i)?
    ))
}

/// `az ad sp update ... accountEnabled=true` for an enterprise app that was disabled (not by
/// Microsoft: then nothing of yours turns it back on).
fn sp_enable(i: &Inputs<'_>, live_code: Option<u32>) -> Option<String> {
    let by_microsoft = |s: &Option<String>| {
        s.as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case("NotDisabled"))
    };
    let reg = i.reg;
    if reg.is_some_and(|r| by_microsoft(&r.disabled_by_microsoft_status)) {
        return None;
    }
    let sp = reg.and_then(|r| r.service_principal.as_ref());
    if sp.is_some_and(|sp| by_microsoft(&sp.disabled_by_microsoft_status)) {
        return None;
    }
    let disabled =
        sp.is_some_and(|sp| sp.account_enabled == Some(false)) || live_code == Some(7000112);
    if !disabled {
        return None;
    }
    let id = sp
        .and_then(|sp| sp.object_id.clone())
        .filter(|id| is_guid(id))
        .or_else(|| app_id(i))?;
    Some(format!(
        "az ad sp update --id {id} --set accountEnabled=true"
    ))
}

/// The AADSTS code of the live refusal that `id` owns, if any.
fn live_code(i: &Inputs<'_>, id: CheckId) -> Option<u32> {
    let ev = i.live?;
    let role = ev.asked.as_ref()?.redirect;
    ev.refusal
        .iter()
        .find(|r| aad::owner(r, role) == id)
        .and_then(|r| r.code)
}

/// The id `az` takes for the app: the registration's appId (else its object id), else the
/// client id of the run or of the ngrok policy. A GUID, so it needs no quoting.
fn app_id(i: &Inputs<'_>) -> Option<String> {
    let reg = i
        .reg
        .and_then(|r| r.app_id.clone().or_else(|| r.object_id.clone()));
    let live = i
        .live
        .and_then(|ev| ev.asked.as_ref())
        .map(|a| a.client_id.to_string());
    let policy = i.policy.and_then(|p| p.client_id.clone());
    let id = reg.or(live).or(policy)?;
    Guid::parse(&id).ok().map(String::from)
}

/// A new secret beside the others; its Value is printed once by `az` (never by us).
fn new_secret(i: &Inputs<'_>) -> Option<String> {
    Some(format!(
        "az ad app credential reset --id {} --append --display-name {SECRET_NAME}",
        app_id(i)?
    ))
}

/// A delegated Microsoft Graph permission that reads `/me` (User.Read or a superset).
fn has_user_read_scope(reg: &Registration) -> bool {
    reg.permissions.iter().any(|p| {
        p.resource_app_id == GRAPH_APP_ID
            && p.kind == crate::registration::AccessKind::Scope
            && entra::graph_scope_by_id(&p.id).is_some_and(|s| s.reads_me)
    })
}

/// `uri` and `registered` are the same redirect URI to Entra: equal, or for a loopback `http`
/// URI equal but for the port, which Entra ignores.
/// <https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions>
fn same_redirect(registered: &str, uri: &str) -> bool {
    if registered == uri {
        return true;
    }
    let parse = |s: &str| reqwest::Url::parse(s).ok();
    match (parse(registered), parse(uri)) {
        (Some(mut a), Some(mut b))
            if a.host_str().is_some_and(entra::is_loopback_host) && a.scheme() == "http" =>
        {
            let _ = a.set_port(None);
            let _ = b.set_port(None);
            a == b
        }
        _ => false,
    }
}

/// `uri` registered under Web, every Web URI the registration has kept: `az ad app update`, or
/// `az rest` where `uri` must leave another platform in the same request. `None` when it is
/// there already, or the registration does not list its Web URIs (absent is not empty).
fn add_redirect(reg: &Registration, uri: &str) -> Option<String> {
    if !reg.known.web_redirects || reg.redirects(Platform::Web).any(|r| same_redirect(r, uri)) {
        return None;
    }
    let web: Vec<&str> = reg.redirects(Platform::Web).collect();
    let values = web.iter().copied().chain(std::iter::once(uri));
    if values.clone().any(|v| v.chars().any(char::is_control)) {
        return None;
    }
    let id = reg.app_id.as_deref().or(reg.object_id.as_deref())?;
    let id = String::from(Guid::parse(id).ok()?);
    let elsewhere = [Platform::Spa, Platform::PublicClient]
        .into_iter()
        .find(|p| reg.redirects(*p).any(|r| same_redirect(r, uri)));
    let Some(platform) = elsewhere else {
        let uris: Vec<String> = values.map(quote).collect();
        return Some(format!(
            "az ad app update --id {id} --web-redirect-uris {}",
            uris.join(" ")
        ));
    };
    let rest: Vec<&str> = reg
        .redirects(platform)
        .filter(|r| !same_redirect(r, uri))
        .collect();
    let field = match platform {
        Platform::Spa => "spa",
        _ => "publicClient",
    };
    let body = serde_json::json!({
        "web": {"redirectUris": values.collect::<Vec<_>>()},
        field: {"redirectUris": rest},
    });
    if rest.iter().any(|v| v.chars().any(char::is_control)) {
        return None;
    }
    Some(format!(
        "az rest --method PATCH --uri \"https://graph.microsoft.com/v1.0/applications(appId='{id}')\" \
         --headers Content-Type=application/json --body {}",
        quote(&body.to_string())
    ))
}

/// `s` as one word of a POSIX shell, whatever it holds: in single quotes, where nothing is
/// special, each `'` written as `'\''`.
/// <https://pubs.opengroup.org/onlinepubs/9799919799/utilities/V3_chap02.html#tag_19_02_02>
pub(super) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(json: &str) -> Registration {
        crate::registration::parse_bytes(json.as_bytes())
            .unwrap()
            .remove(0)
    }

    /// The words a POSIX shell makes of `line` (shell-words follows its quoting rules).
    fn words(line: &str) -> Vec<String> {
        shell_words::split(line).unwrap()
    }

    #[test]
    fn quoting_survives_any_text() {
        for s in [
            "plain",
            "it's",
            "$(rm -rf ~)",
            "a'b'c",
            "`x` \"y\" \\z",
            "",
            "'",
        ] {
            assert_eq!(words(&quote(s)), [s], "{s}");
        }
    }

    #[test]
    fn the_web_list_keeps_every_registered_uri_and_adds_ngroks() {
        let r = reg(r#"{"appId":"00000001-1111-4000-8000-000000000001",
            "web":{"redirectUris":["https://idp.ngrok.com/oauth2/callback/","http://localhost:8765/oauth2/callback","https://x.example/a'b?c=$(id)"]}}"#);
        let line = add_redirect(&r, NGROK_CALLBACK).unwrap();
        let w = words(&line);
        assert_eq!(
            w[..6],
            [
                "az",
                "ad",
                "app",
                "update",
                "--id",
                "00000001-1111-4000-8000-000000000001"
            ]
        );
        assert_eq!(w[6], "--web-redirect-uris");
        assert_eq!(
            w[7..],
            [
                "https://idp.ngrok.com/oauth2/callback/",
                "http://localhost:8765/oauth2/callback",
                "https://x.example/a'b?c=$(id)",
                NGROK_CALLBACK
            ]
        );
        // Registered already (a localhost one at another port counts): nothing to type.
        assert_eq!(
            add_redirect(&r, "http://localhost:9999/oauth2/callback"),
            None
        );
    }

    #[test]
    fn a_uri_under_another_platform_moves_in_one_request() {
        let r = reg(r#"{"appId":"00000001-1111-4000-8000-000000000001",
            "web":{"redirectUris":["https://app.example/signin"]},
            "spa":{"redirectUris":["https://idp.ngrok.com/oauth2/callback","https://spa.example/"]}}"#);
        let w = words(&add_redirect(&r, NGROK_CALLBACK).unwrap());
        assert_eq!(w[..4], ["az", "rest", "--method", "PATCH"]);
        let body: serde_json::Value = serde_json::from_str(w.last().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"web": {"redirectUris": ["https://app.example/signin", NGROK_CALLBACK]},
                               "spa": {"redirectUris": ["https://spa.example/"]}})
        );
        assert!(w.contains(
            &"https://graph.microsoft.com/v1.0/applications(appId='00000001-1111-4000-8000-000000000001')"
                .to_owned()
        ));
    }

    #[test]
    fn no_command_without_the_list_or_with_control_characters() {
        let absent = reg(r#"{"appId":"00000001-1111-4000-8000-000000000001"}"#);
        assert_eq!(add_redirect(&absent, NGROK_CALLBACK), None);
        let control = reg(
            r#"{"appId":"00000001-1111-4000-8000-000000000001","web":{"redirectUris":["https://a.example/\u001b[2J"]}}"#,
        );
        assert_eq!(add_redirect(&control, NGROK_CALLBACK), None);
        let placeholder = reg(r#"{"appId":"${{AAD_APP_CLIENT_ID}}","web":{"redirectUris":[]}}"#);
        assert_eq!(add_redirect(&placeholder, NGROK_CALLBACK), None);
    }
}
