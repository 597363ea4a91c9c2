//! AADSTS errors as the Microsoft identity platform sends them: JSON bodies at the token
//! endpoint, redirects or HTML pages at `/authorize` (ENTRA.md §5.1).
//!
//! JSON: `error`, `error_description` ("AADSTSnnnn: message\r\nTrace ID: …\r\nCorrelation ID:
//! …\r\nTimestamp: …"), `error_codes`, `timestamp` (`YYYY-MM-DD HH:MM:SSZ`), `trace_id`,
//! `correlation_id`, `error_uri`, and `suberror` where Microsoft sends one.
//! <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>

use chrono::{DateTime, Utc};
use http::StatusCode;

/// One AADSTS error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AadError {
    pub(crate) code: u32,
    /// The OAuth `error` value.
    pub(crate) error: &'static str,
    pub(crate) message: String,
    /// HTTP status at the token endpoint (400, or 401 for `invalid_client`).
    pub(crate) status: StatusCode,
    pub(crate) suberror: Option<&'static str>,
}

/// Per-request ids and time stamped on an error.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub(crate) trace_id: String,
    pub(crate) correlation_id: String,
    pub(crate) at: DateTime<Utc>,
}

impl Stamp {
    fn timestamp(&self) -> String {
        self.at.format("%Y-%m-%d %H:%M:%SZ").to_string()
    }
}

impl AadError {
    fn new(code: u32, error: &'static str, message: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        Self {
            code,
            error,
            message: message.into(),
            status,
            suberror: None,
        }
    }

    /// "AADSTSnnnn: message\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …".
    pub(crate) fn description(&self, stamp: &Stamp) -> String {
        format!(
            "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
            self.code,
            self.message,
            stamp.trace_id,
            stamp.correlation_id,
            stamp.timestamp()
        )
    }

    /// `error_uri`: Microsoft's lookup page for the code.
    pub(crate) fn error_uri(&self) -> String {
        format!("https://login.microsoftonline.com/error?code={}", self.code)
    }

    /// The token endpoint's JSON body.
    pub(crate) fn json(&self, stamp: &Stamp) -> serde_json::Value {
        let mut v = serde_json::json!({
            "error": self.error,
            "error_description": self.description(stamp),
            "error_codes": [self.code],
            "timestamp": stamp.timestamp(),
            "trace_id": stamp.trace_id,
            "correlation_id": stamp.correlation_id,
            "error_uri": self.error_uri(),
        });
        if let Some(sub) = self.suberror {
            v["suberror"] = sub.into();
        }
        v
    }

    /// The query (or fragment, or form) parameters of an error redirect, `state` excluded.
    pub(crate) fn redirect_params(&self, stamp: &Stamp) -> Vec<(&'static str, String)> {
        vec![
            ("error", self.error.to_owned()),
            ("error_description", self.description(stamp)),
            ("error_uri", self.error_uri()),
        ]
    }

    /// The "Sorry, but we're having trouble signing you in" page, carrying the AADSTS line.
    pub(crate) fn page(&self, stamp: &Stamp) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your \
             account</title></head>\n<body data-error-code=\"{code}\">\n<h1>Sign in</h1>\n<p>Sorry, \
             but we\u{2019}re having trouble signing you in.</p>\n<p id=\"error\">AADSTS{code}: \
             {msg}</p>\n<table>\n<tr><td>Request Id:</td><td>{trace}</td></tr>\n<tr><td>Correlation \
             Id:</td><td>{corr}</td></tr>\n<tr><td>Timestamp:</td><td>{ts}</td></tr>\n<tr><td>Message:\
             </td><td>AADSTS{code}: {msg}</td></tr>\n</table>\n</body></html>\n",
            code = self.code,
            msg = esc(&self.message),
            trace = stamp.trace_id,
            corr = stamp.correlation_id,
            ts = stamp.timestamp().replace(' ', "T"),
        )
    }

    fn with_suberror(mut self, suberror: &'static str) -> Self {
        self.suberror = Some(suberror);
        self
    }
}

// Constructors, one per code the emulator emits; wording after Microsoft's error reference and
// the public threads cited in ENTRA.md §5.2.

/// 900144: a required parameter is missing.
pub(crate) fn missing_param(name: &str) -> AadError {
    AadError::new(
        900144,
        "invalid_request",
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

/// 90002: unknown tenant.
pub(crate) fn tenant_not_found(tenant: &str) -> AadError {
    AadError::new(
        90002,
        "invalid_tenant",
        format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are \
             signing into the correct cloud."
        ),
    )
}

/// 700016: the app is not in the directory (wrong id, wrong tenant, or not multitenant).
pub(crate) fn app_not_found(client_id: &str, directory: &str) -> AadError {
    AadError::new(
        700016,
        "unauthorized_client",
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{directory}'. \
             This can happen if the application has not been installed by the administrator of the \
             tenant or consented to by any user in the tenant. You may have sent your \
             authentication request to the wrong tenant."
        ),
    )
}

/// 7000112: the service principal (enterprise app) is disabled (`accountEnabled: false`).
/// Runtime text as seen in the field (`../shared/NGROK.md` §5.2); a 401 at the token endpoint.
pub(crate) fn app_disabled(client_id: &str, name: &str) -> AadError {
    let mut e = AadError::new(
        7000112,
        "unauthorized_client",
        format!("Application '{client_id}'({name}) is disabled."),
    );
    e.status = StatusCode::UNAUTHORIZED;
    e
}

/// 50105: assignment is required and this user is not assigned (`../shared/NGROK.md` §5.2).
pub(crate) fn user_not_assigned(client_id: &str, name: &str, upn: &str) -> AadError {
    AadError::new(
        50105,
        "invalid_grant",
        format!(
            "Your administrator has configured the application {name} ('{client_id}') to block              users unless they are specifically granted ('assigned') access to the application.              The signed in user '{upn}' is blocked because they are not a direct member of a              group with access, nor had access directly assigned by an administrator. Please              contact your administrator to assign access to this application."
        ),
    )
}

/// 50011: redirect URI not registered.
pub(crate) fn redirect_mismatch(redirect_uri: &str, client_id: &str) -> AadError {
    AadError::new(
        50011,
        "invalid_request",
        format!(
            "The redirect URI '{redirect_uri}' specified in the request does not match the redirect \
             URIs configured for the application '{client_id}'. Make sure the redirect URI sent in \
             the request matches one added to your application in the Azure portal. Navigate to \
             https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
        ),
    )
}

/// 50011 at the token endpoint: not the redirect URI the code was issued for.
pub(crate) fn redirect_binding(redirect_uri: &str) -> AadError {
    AadError::new(
        50011,
        "invalid_grant",
        format!(
            "The redirect URI '{redirect_uri}' specified in the request does not match the redirect \
             URI used when the authorization code was requested."
        ),
    )
}

/// 500113: the app has no redirect URI at all.
pub(crate) fn no_reply_address() -> AadError {
    AadError::new(
        500113,
        "invalid_request",
        "No reply address is registered for the application.",
    )
}

/// 50194: single-tenant app on `/common` or `/organizations`.
pub(crate) fn not_multitenant(client_id: &str, name: &str) -> AadError {
    AadError::new(
        50194,
        "invalid_request",
        format!(
            "Application '{client_id}'({name}) is not configured as a multi-tenant application. Usage \
             of the /common endpoint is not supported for such applications created after \
             '10/15/2018'. Use a tenant-specific endpoint or configure the application to be \
             multi-tenant."
        ),
    )
}

/// 9002331: personal-accounts-only app outside `/consumers`.
pub(crate) fn personal_only_app(client_id: &str, name: &str) -> AadError {
    AadError::new(
        9002331,
        "invalid_request",
        format!(
            "Application '{client_id}'({name}) is configured for use by Microsoft Account users \
             only. Please use the /consumers endpoint to serve this request."
        ),
    )
}

/// 9002332: work-and-school-only app on `/consumers`.
pub(crate) fn org_only_app(client_id: &str, name: &str) -> AadError {
    AadError::new(
        9002332,
        "invalid_request",
        format!(
            "Application '{client_id}'({name}) is configured for use by Azure Active Directory users \
             only. Please do not use the /consumers endpoint to serve this request."
        ),
    )
}

/// 50020: the user's account is not in the tenant of a tenant-specific authority.
pub(crate) fn user_not_in_tenant(upn: &str, idp: &str, tenant: &str) -> AadError {
    AadError::new(
        50020,
        "access_denied",
        format!(
            "User account '{upn}' from identity provider '{idp}' does not exist in tenant '{tenant}' \
             and cannot access the application in that tenant. The account needs to be added as an \
             external user in the tenant first. Sign out and sign in again with a different Azure \
             Active Directory user account."
        ),
    )
}

/// 500200: a personal account on an app for work and school accounts only.
pub(crate) fn personal_account_refused(upn: &str) -> AadError {
    AadError::new(
        500200,
        "access_denied",
        format!(
            "User account '{upn}' is a personal Microsoft account. Personal Microsoft accounts are not \
             supported for this application unless explicitly invited to an organization. Try \
             signing out and signing back in with an organizational account."
        ),
    )
}

/// 500208: a work account on the consumers authority.
pub(crate) fn work_account_on_consumers(upn: &str) -> AadError {
    AadError::new(
        500208,
        "access_denied",
        format!("The domain of '{upn}' is not a valid login domain for the account type."),
    )
}

/// 50034: no such user.
pub(crate) fn no_such_user(upn: &str, tenant: &str) -> AadError {
    AadError::new(
        50034,
        "invalid_request",
        format!(
            "The user account {upn} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory."
        ),
    )
}

/// 90094: a requested scope needs an administrator's consent.
pub(crate) fn admin_consent_required(client_id: &str, name: &str, scopes: &str) -> AadError {
    AadError::new(
        90094,
        "access_denied",
        format!(
            "The grant requires admin permission. App '{client_id}'({name}) requests {scopes}, which \
             an administrator of this tenant must consent to."
        ),
    )
}

/// 65001: tokens for scopes nobody consented to.
pub(crate) fn consent_required(client_id: &str, name: &str) -> AadError {
    AadError::new(
        65001,
        "invalid_grant",
        format!(
            "The user or administrator has not consented to use the application with ID \
             '{client_id}' named '{name}'. Send an interactive authorization request for this user \
             and resource."
        ),
    )
    .with_suberror("consent_required")
}

/// 700054: `response_type` other than `code` without the implicit switch.
pub(crate) fn response_type_not_enabled(response_type: &str) -> AadError {
    AadError::new(
        700054,
        "unsupported_response_type",
        format!("response_type '{response_type}' is not enabled for the application."),
    )
}

/// 501491: `code_challenge` of the wrong size.
pub(crate) fn bad_code_challenge() -> AadError {
    AadError::new(
        501491,
        "invalid_request",
        "Invalid size of Code_Challenge parameter.",
    )
}

/// 70011: a scope value that is not valid.
pub(crate) fn invalid_scope(scope: &str) -> AadError {
    AadError::new(
        70011,
        "invalid_scope",
        format!(
            "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
        ),
    )
}

/// 28000: scopes for more than one resource at the token endpoint.
pub(crate) fn several_resources(scope: &str) -> AadError {
    AadError::new(
        28000,
        "invalid_scope",
        format!(
            "Provided value for the input parameter scope is not valid because it contains more \
             than one resource. Scope {scope} is not valid."
        ),
    )
}

/// 1002012: client credentials without `/.default`.
pub(crate) fn client_credentials_scope(scope: &str) -> AadError {
    AadError::new(
        1002012,
        "invalid_scope",
        format!(
            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
        ),
    )
}

/// 9001023: a grant that needs a tenant-specific authority.
pub(crate) fn grant_needs_tenant() -> AadError {
    AadError::new(
        9001023,
        "invalid_request",
        "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    )
}

/// 7000218: no client secret sent by a confidential client.
pub(crate) fn secret_missing() -> AadError {
    AadError::new(
        7000218,
        "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )
}

/// 7000215: wrong secret (often the Secret ID instead of its Value).
pub(crate) fn secret_invalid(client_id: &str) -> AadError {
    AadError::new(
        7000215,
        "invalid_client",
        format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the \
             client secret value, not the client secret ID, for a secret added to app '{client_id}'."
        ),
    )
}

/// 7000222: the secret has expired.
pub(crate) fn secret_expired(client_id: &str, name: &str) -> AadError {
    AadError::new(
        7000222,
        "invalid_client",
        format!(
            "The provided client secret keys for app '{client_id}' are expired. Visit the Azure \
             portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider \
             using certificate credentials for added security: https://aka.ms/certCreds. ({name})"
        ),
    )
}

/// 700025: a secret sent by a public client (redirect under Mobile and desktop).
pub(crate) fn public_client_secret() -> AadError {
    AadError::new(
        700025,
        "invalid_client",
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    )
}

/// 9002327: a code for an SPA redirect redeemed server-side.
pub(crate) fn spa_needs_cross_origin() -> AadError {
    AadError::new(
        9002327,
        "invalid_request",
        "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
    )
}

/// 9002326: a cross-origin redemption of a Web redirect's code.
pub(crate) fn cross_origin_not_spa() -> AadError {
    AadError::new(
        9002326,
        "invalid_request",
        "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.",
    )
}

/// 54005: the code was already redeemed.
pub(crate) fn code_redeemed() -> AadError {
    AadError::new(
        54005,
        "invalid_grant",
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    )
}

/// 70008: the code (or refresh token) has expired.
pub(crate) fn code_expired() -> AadError {
    AadError::new(
        70008,
        "invalid_grant",
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    )
}

/// 70000: the grant is malformed, altered, or not this client's.
pub(crate) fn grant_invalid() -> AadError {
    AadError::new(
        70000,
        "invalid_grant",
        "Provided grant is invalid or malformed.",
    )
}

/// 700005: a code redeemed against another tenant than it was issued for.
pub(crate) fn code_other_tenant() -> AadError {
    AadError::new(
        700005,
        "invalid_grant",
        "Provided Authorization Code is intended to use against other tenant, thus rejected.",
    )
}

/// 501481: PKCE verifier does not match.
pub(crate) fn pkce_mismatch() -> AadError {
    AadError::new(
        501481,
        "invalid_grant",
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    )
}

/// 70003: unsupported grant type.
pub(crate) fn unsupported_grant(grant: &str) -> AadError {
    AadError::new(
        70003,
        "unsupported_grant_type",
        format!("The app requested an unsupported grant type '{grant}'."),
    )
}

/// 900561: the token endpoint takes POST only.
pub(crate) fn post_only(method: &str) -> AadError {
    AadError::new(
        900561,
        "invalid_request",
        format!("The endpoint only accepts POST requests. Received a {method} request."),
    )
}

/// 900144-family for a body that is not a form.
pub(crate) fn not_a_form() -> AadError {
    AadError::new(
        900144,
        "invalid_request",
        "The request body must contain the following parameter: 'grant_type'.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        Stamp {
            trace_id: "t".into(),
            correlation_id: "c".into(),
            at: DateTime::parse_from_rfc3339("2016-01-09T02:02:12Z")
                .unwrap()
                .to_utc(),
        }
    }

    #[test]
    fn json_body_has_microsofts_shape() {
        let v = secret_invalid("app").json(&stamp());
        assert_eq!(v["error"], "invalid_client");
        assert_eq!(v["error_codes"][0], 7000215);
        assert_eq!(v["timestamp"], "2016-01-09 02:02:12Z");
        assert!(
            v["error_description"].as_str().unwrap().ends_with(
                "\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2016-01-09 02:02:12Z"
            )
        );
        assert_eq!(secret_invalid("app").status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            consent_required("a", "b").json(&stamp())["suberror"],
            "consent_required"
        );
    }

    #[test]
    fn page_escapes_and_carries_the_code() {
        let page = redirect_mismatch("https://x/<script>", "id").page(&stamp());
        assert!(page.contains("AADSTS50011: The redirect URI 'https://x/&lt;script&gt;'"));
        assert!(!page.contains("<script>"));
    }
}
