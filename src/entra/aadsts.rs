//! The AADSTS catalog: code -> meaning, the check that owns it, where Entra answers it, and the
//! fix in an ngrok setup. Lint titles, `explain` and live judging all read it: no code list is
//! kept anywhere else (DESIGN.md §9.1, "One owner per AADSTS code").
//!
//! Codes and meanings from Microsoft's error reference
//! (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>) and the public
//! threads cited in ENTRA.md §5.2. Microsoft warns that texts change; codes are what we key on.

/// One AADSTS code as we explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aadsts {
    pub code: u32,
    /// What it means, one line.
    pub meaning: &'static str,
    /// The id of the check that owns it (DESIGN.md §4), as ngrok sees it: a code about the
    /// redirect URI is `redirect.ngrok`'s here, and `redirect.local`'s when the local callback
    /// of `run` was the redirect URI in play (`checks::code_owner` decides, for every caller).
    pub check: &'static str,
    /// Where Entra answers it in the authorization-code flow ngrok makes.
    pub kind: Kind,
    /// What it says is wrong: the setup, or only this sign-in.
    pub blame: Blame,
    /// Why it happens with ngrok's OAuth and a custom Entra app.
    pub causes: &'static str,
    /// What to click or set. A fix about the redirect URI names ngrok's callback
    /// ([`NGROK_CALLBACK`](super::NGROK_CALLBACK)), the URI to put in its place when another
    /// one was in play.
    pub fix: &'static str,
}

/// Where Entra answers a code (ENTRA.md §5.1). Some codes can come at more than one step
/// (AADSTS50011 also at the token endpoint when the redirect URI differs from the one the code
/// was issued for); this is where a misconfigured ngrok app meets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An error page at `/authorize`: Entra redirects nowhere (unknown tenant or client, an
    /// unregistered redirect URI, a user or consent stopped at sign-in).
    ErrorPage,
    /// An error redirect to the redirect URI (`?error=…&error_description=AADSTSnnnn: …`).
    Redirect,
    /// A JSON error from the token endpoint, when the code (or a secret) is redeemed: the
    /// authorize step accepted the request.
    TokenEndpoint,
}

impl Kind {
    /// The name in JSON (`explain --format json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ErrorPage => "error_page",
            Self::Redirect => "redirect",
            Self::TokenEndpoint => "token_endpoint",
        }
    }

    /// Where the code shows, as a title says it: `AADSTS9002327 at the token endpoint`.
    pub fn place(self) -> &'static str {
        match self {
            Self::ErrorPage => "at sign-in",
            Self::Redirect => "on the redirect back",
            Self::TokenEndpoint => "at the token endpoint",
        }
    }

    /// Where the code shows, in a sentence (`explain`).
    pub fn describe(self) -> &'static str {
        match self {
            Self::ErrorPage => "an error page at /authorize (the browser is not sent back)",
            Self::Redirect => "an error redirect to the redirect URI (error, error_description)",
            Self::TokenEndpoint => {
                "a JSON error of the token endpoint, when the code is redeemed (sign-in itself went through)"
            }
        }
    }
}

/// What a code says is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The setup: the registration, its enterprise app, the secret, the tenant or the request.
    Setup,
    /// Only this sign-in's authorization code (already redeemed, expired, altered, another
    /// tenant's, a PKCE verifier of another attempt): a new sign-in clears it, and it says
    /// nothing about the app.
    SignIn,
}

/// The code Entra answers when a redirect URI is not registered (an error page at sign-in).
pub const REDIRECT_URI_NOT_REGISTERED: u32 = 50011;
/// The code Entra answers when a redirect URI registered under "Single-page application" has
/// its code redeemed server-side with a secret, as ngrok does.
pub const SPA_REDEEMED_SERVER_SIDE: u32 = 9002327;
/// The code Entra answers when a secret is sent for a redirect URI registered under "Mobile and
/// desktop applications" (a public client).
pub const PUBLIC_CLIENT_SENT_A_SECRET: u32 = 700025;

macro_rules! codes {
    (@blame) => { Blame::Setup };
    (@blame $blame:ident) => { Blame::$blame };
    ($($code:literal, $check:literal, $kind:ident $(($blame:ident))?,
        $meaning:literal, $causes:literal, $fix:literal;)*) => {
        /// Every code we explain.
        pub const CATALOG: &[Aadsts] = &[$(Aadsts {
            code: $code,
            meaning: $meaning,
            check: $check,
            kind: Kind::$kind,
            blame: codes!(@blame $($blame)?),
            causes: $causes,
            fix: $fix,
        },)*];
    };
}

codes! {
    50011, "redirect.ngrok", ErrorPage,
        "The redirect URI in the request does not match the redirect URIs configured for the application.",
        "https://idp.ngrok.com/oauth2/callback is missing, mistyped (trailing slash, http, letter case) or registered under another platform than Web.",
        "App registrations > your app > Authentication > Web > Redirect URIs: add https://idp.ngrok.com/oauth2/callback exactly.";
    500113, "redirect.ngrok", ErrorPage,
        "No reply address is registered for the application.",
        "The app has no redirect URI at all.",
        "App registrations > your app > Authentication > Add a platform > Web: add https://idp.ngrok.com/oauth2/callback.";
    900971, "redirect.ngrok", ErrorPage,
        "No reply address provided.",
        "The request carried no redirect_uri and the app has none registered.",
        "Register https://idp.ngrok.com/oauth2/callback under Web.";
    50194, "tenancy.multitenant", Redirect,
        "The application is not configured as a multi-tenant application; /common is not supported for it.",
        "The app's supported account types is 'this organizational directory only'; ngrok signs in through a multitenant endpoint.",
        "App registrations > your app > Authentication > Supported account types: 'Accounts in any organizational directory'. Manifest: signInAudience = AzureADMultipleOrgs.";
    700016, "app.exists", ErrorPage,
        "Application with this identifier was not found in the directory.",
        "A wrong client id (the Object ID or a deleted app's id), or a single-tenant app used from another tenant.",
        "Copy the 'Application (client) ID' from the app's Overview into ngrok's client_id; make the app multitenant.";
    700038, "app.exists", ErrorPage,
        "The client id is not a valid application identifier.",
        "Something other than a GUID was given as client_id.",
        "Copy the 'Application (client) ID' (a GUID) from the app's Overview.";
    7000112, "sp.enabled", ErrorPage,
        "The application is disabled.",
        "The app or its service principal was disabled in the tenant.",
        "Enterprise applications > the app > Properties: 'Enabled for users to sign in?' = Yes.";
    90002, "discovery.valid", ErrorPage,
        "Tenant not found.",
        "A mistyped tenant GUID or domain in the authority.",
        "Use common, organizations, or your tenant's GUID or verified domain.";
    500200, "tenancy.signed-in", ErrorPage,
        "A personal Microsoft account cannot sign in to this application.",
        "The app accepts work or school accounts only, and a personal account (outlook.com, live.com) tried to sign in.",
        "Sign in with a work or school account, or set signInAudience to AzureADandPersonalMicrosoftAccount.";
    500208, "tenancy.signed-in", ErrorPage,
        "The domain is not a valid login domain for the account type.",
        "A work or school account on the personal-accounts endpoint, or the reverse.",
        "Use the account type the app accepts, or change its supported account types.";
    9002331, "tenancy.multitenant", Redirect,
        "The application is configured for personal Microsoft accounts only; use /consumers.",
        "signInAudience is PersonalMicrosoftAccount, which ngrok does not support.",
        "Manifest: signInAudience = AzureADandPersonalMicrosoftAccount (or AzureADMultipleOrgs for a new app).";
    9002332, "tenancy.signed-in", Redirect,
        "The application is configured for Microsoft Entra users only; do not use /consumers.",
        "A personal-account authority was used with an app for work and school accounts.",
        "Use /common or /organizations, or allow personal accounts in the app.";
    50020, "tenancy.signed-in", ErrorPage,
        "The user's account does not exist in this tenant and cannot access the application there.",
        "A tenant-specific authority was used and the user belongs to another tenant (a guest invite is missing).",
        "Use /common (as ngrok does) with a multitenant app, or invite the user as a guest.";
    50034, "tenancy.signed-in", ErrorPage,
        "The user account does not exist in the directory.",
        "A mistyped sign-in name, or the user belongs to another tenant.",
        "Check the account name.";
    7000215, "secret.valid", TokenEndpoint,
        "Invalid client secret provided.",
        "The Secret ID (a GUID) was copied instead of the secret's Value, or the secret was deleted or mistyped.",
        "Certificates & secrets > New client secret, then copy the Value column at once (it is shown only once) into ngrok's client_secret.";
    7000222, "secret.valid", TokenEndpoint,
        "The provided client secret keys are expired.",
        "The secret's expiry date has passed.",
        "Certificates & secrets > New client secret; put its Value in ngrok; delete the expired one.";
    7000218, "secret.valid", TokenEndpoint,
        "The request body must contain client_assertion or client_secret.",
        "No client secret was sent: ngrok's client_secret is empty.",
        "Put the secret's Value in ngrok's oauth action as client_secret.";
    700025, "redirect.ngrok", TokenEndpoint,
        "The client is public, so neither client_assertion nor client_secret should be presented.",
        "The redirect URI is registered under 'Mobile and desktop applications', which makes the redemption public: the secret ngrok sends is refused.",
        "Authentication: remove https://idp.ngrok.com/oauth2/callback from 'Mobile and desktop applications' and add it under Web.";
    9002326, "redirect.ngrok", TokenEndpoint,
        "Cross-origin token redemption is permitted only for the Single-Page Application client type.",
        "The token request carried an Origin header for a Web redirect URI.",
        "Redeem codes server-side, as ngrok does; keep the redirect URI under Web.";
    9002327, "redirect.ngrok", TokenEndpoint,
        "Tokens issued for the Single-Page Application client type may only be redeemed via cross-origin requests.",
        "The redirect URI is registered under 'Single-page application'; ngrok redeems the code server-side, with a secret.",
        "Authentication: remove https://idp.ngrok.com/oauth2/callback from 'Single-page application' and add it under Web.";
    65001, "scopes.admin-consent", TokenEndpoint,
        "The user or administrator has not consented to use the application.",
        "A requested scope was never consented, or it needs an administrator (User.Read.All, Directory.Read.All, ...).",
        "API permissions: remove scopes ngrok does not need (User.Read is enough), or click 'Grant admin consent'.";
    65004, "scopes.admin-consent", Redirect,
        "The user declined to consent to access the app.",
        "The user pressed Cancel on the consent screen.",
        "Sign in again and accept, or have an administrator grant consent for the tenant.";
    90094, "scopes.admin-consent", ErrorPage,
        "The grant requires admin permission.",
        "A requested scope needs an administrator's consent, or the tenant does not let users consent.",
        "API permissions: 'Grant admin consent for <tenant>', or remove the admin-only scope.";
    90095, "scopes.admin-consent", ErrorPage,
        "Admin consent is required; the user can request approval.",
        "The tenant's admin consent workflow is on and the scope needs an administrator.",
        "Have an administrator approve the request, or remove the admin-only scope.";
    90008, "scopes.user-read", Redirect,
        "The application needs at least the sign-in and read-profile (User.Read) permission.",
        "Microsoft Graph User.Read is not configured.",
        "API permissions > Add a permission > Microsoft Graph > Delegated > User.Read.";
    650056, "scopes.user-read", Redirect,
        "Misconfigured application: no permissions are listed for the requested resource.",
        "requiredResourceAccess lacks Microsoft Graph.",
        "API permissions > Add a permission > Microsoft Graph > Delegated > User.Read.";
    650057, "scopes.user-read", Redirect,
        "Invalid resource: the client requested a resource not listed in its application registration.",
        "A scope of a resource the app does not list was requested.",
        "API permissions: add the resource's permission (Microsoft Graph User.Read for ngrok).";
    70011, "scopes.single-resource", Redirect,
        "The provided value for the scope parameter is not valid.",
        "A mistyped scope, or a scope of an API that does not exist.",
        "Request openid, profile, email and Microsoft Graph scopes only (User.Read).";
    28000, "scopes.single-resource", TokenEndpoint,
        "The scope contains more than one resource.",
        "Scopes of two APIs in one token request (e.g. Graph and your own API).",
        "Request Graph scopes and OpenID Connect scopes only.";
    28002, "scopes.single-resource", TokenEndpoint,
        "The scope value is not valid when redeeming the code.",
        "The token request's scope differs from what was consented.",
        "Send the same scopes at the token endpoint as at /authorize.";
    28003, "scopes.single-resource", TokenEndpoint,
        "The scope must not be empty when redeeming the code.",
        "An empty scope parameter was sent to the token endpoint.",
        "Send the scopes, or omit the parameter.";
    700022, "scopes.single-resource", TokenEndpoint,
        "The scope contains more than one resource.",
        "Scopes of two APIs in one request.",
        "Request Graph scopes and OpenID Connect scopes only.";
    54005, "secret.valid", TokenEndpoint(SignIn),
        "The authorization code was already redeemed.",
        "The same code was sent twice (a retry, or two tabs).",
        "Start a new sign-in; each code works once.";
    70008, "secret.valid", TokenEndpoint(SignIn),
        "The authorization code or refresh token has expired.",
        "More than 10 minutes passed between sign-in and redemption, or a refresh token expired.",
        "Start a new sign-in.";
    70000, "secret.valid", TokenEndpoint(SignIn),
        "The grant is invalid or malformed.",
        "The code was altered in transit (browser extensions, proxies), or belongs to another app.",
        "Start a new sign-in without extensions rewriting the URL.";
    700005, "secret.valid", TokenEndpoint(SignIn),
        "The authorization code is intended for another tenant.",
        "The code was redeemed against another tenant's authority than it was issued for.",
        "Use the same authority for /authorize and /token.";
    501481, "secret.valid", TokenEndpoint(SignIn),
        "The code verifier does not match the code challenge (PKCE).",
        "The PKCE verifier sent to the token endpoint is not the one of this sign-in.",
        "Start a new sign-in; keep the verifier of each attempt.";
    50148, "secret.valid", TokenEndpoint(SignIn),
        "The code verifier does not match the code challenge supplied for PKCE.",
        "The PKCE verifier does not match.",
        "Start a new sign-in.";
    501491, "app.exists", Redirect,
        "Invalid size of the code_challenge parameter.",
        "A PKCE challenge that is not 43 to 128 characters.",
        "Use S256 with a 43-character challenge.";
    700054, "implicit.disabled", Redirect,
        "The response_type is not enabled for the application.",
        "An implicit or hybrid response type was requested while implicit grant is off (as it should be).",
        "Use response_type=code, as ngrok does.";
    9001023, "secret.valid", TokenEndpoint,
        "The grant type is not supported over the /common or /consumers endpoints.",
        "Client credentials need a tenant-specific authority.",
        "Use the tenant's GUID or domain as the authority for this grant.";
    900144, "app.exists", ErrorPage,
        "The request is missing a required parameter.",
        "A hand-built request lacks client_id, response_type, scope, code or grant_type.",
        "Send every required parameter.";
    900561, "discovery.valid", TokenEndpoint,
        "The endpoint only accepts POST requests.",
        "The token endpoint was called with GET.",
        "POST form-encoded parameters to the token endpoint.";
    1002012, "scopes.single-resource", TokenEndpoint,
        "Client credential flows must use a scope ending in /.default.",
        "A delegated scope was requested in a client-credentials grant.",
        "Request https://graph.microsoft.com/.default.";
    70003, "secret.valid", TokenEndpoint,
        "The app requested an unsupported grant type.",
        "A mistyped grant_type.",
        "Use authorization_code, refresh_token or client_credentials.";
    50105, "sp.assignment", ErrorPage,
        "The signed-in user is not assigned to a role for the application (EntitlementGrantsNotFound).",
        "The enterprise application (service principal) has 'Assignment required?' = Yes (appRoleAssignmentRequired) and this user, or a group of theirs, is not assigned: every other user of that tenant is refused too.",
        "Enterprise applications > the app > Users and groups: assign the users (or a group), or Properties > 'Assignment required?' = No.";
    50158, "tenancy.signed-in", ErrorPage,
        "An external security challenge was not satisfied.",
        "A Conditional Access policy of the user's tenant requires a control (an external MFA provider, a compliant device) that this sign-in did not complete.",
        "Complete the challenge, or ask the tenant's administrator which policy applied (sign-in logs).";
    9002325, "redirect.ngrok", TokenEndpoint,
        "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
        "The redirect URI is registered as a Single-page application: its codes are redeemed from a browser with PKCE, not server-side with a secret as ngrok does.",
        "Authentication: register https://idp.ngrok.com/oauth2/callback under Web, not Single-page application.";
    901002, "scopes.single-resource", Redirect,
        "The 'resource' request parameter is not supported on the v2.0 endpoint.",
        "A v1-style request (resource=...) reached the v2.0 endpoints, which take scopes (https://graph.microsoft.com/User.Read).",
        "Request scopes, not a resource: openid profile email User.Read.";
    53003, "tenancy.signed-in", ErrorPage,
        "Access has been blocked by Conditional Access policies.",
        "A Conditional Access policy in the user's tenant blocks this app or this sign-in.",
        "Ask the tenant's administrator to review the sign-in logs for the policy that applied.";
    50076, "tenancy.signed-in", Redirect,
        "Multi-factor authentication is required.",
        "A policy asks for MFA and the sign-in was non-interactive.",
        "Sign in interactively and complete MFA.";
    50058, "tenancy.signed-in", Redirect,
        "The user is not signed in (silent sign-in request).",
        "prompt=none was sent without a session.",
        "Sign in interactively.";
    90027, "tenancy.multitenant", ErrorPage,
        "Tokens cannot be issued from this API version on the personal-accounts tenant.",
        "A personal account reached a v1 endpoint.",
        "Use the v2.0 endpoints.";
}

/// An error answer of the token endpoint or of discovery, in Entra's shape (ENTRA.md §5.1):
/// `error`, `error_description` (`AADSTSnnnn: …\r\nTrace ID: …`), `error_codes`, and on consent
/// errors `suberror`. Parsed once here; nothing indexes raw JSON for these fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: String,
    #[serde(default)]
    pub error_codes: Vec<u32>,
    #[serde(default)]
    pub suberror: Option<String>,
}

impl ErrorBody {
    /// The body, when it is a JSON object that names an `error`.
    pub fn parse(json: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Self>(json)
            .ok()
            .filter(|b| !b.error.is_empty())
    }

    /// The AADSTS code: the first of `error_codes`, else the one in the description.
    pub fn code(&self) -> Option<u32> {
        self.error_codes
            .first()
            .copied()
            .or_else(|| find_code(&self.error_description))
    }

    /// The description's first line (without the trace and correlation ids that follow).
    pub fn message(&self) -> &str {
        first_line(&self.error_description)
    }
}

/// The first line of an `error_description` (Entra appends `\r\nTrace ID: …` lines).
pub fn first_line(description: &str) -> &str {
    description
        .split(['\r', '\n'])
        .next()
        .unwrap_or(description)
        .trim()
}

/// Entra checks an authorization request in this order: the tenant and the parameters, then the
/// client id, then the redirect URI, then the user. An error page with a code of one of these
/// lists says how far it got: a later code means the earlier parts were accepted. (The redirect
/// URI's own pages are the [`Kind::ErrorPage`] codes owned by `redirect.ngrok`.)
/// <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>
pub const TENANT_CODES: [u32; 2] = [90002, 900144];
/// The client id was not accepted (see [`TENANT_CODES`]).
pub const CLIENT_CODES: [u32; 3] = [700016, 700038, 7000112];

/// The entry for `code`.
pub fn lookup(code: u32) -> Option<&'static Aadsts> {
    CATALOG.iter().find(|a| a.code == code)
}

/// Every AADSTS code in a text, in order, each once: bare numbers (a word of digits only) and
/// `AADSTSnnnn` anywhere (a pasted error page or `error_description`).
pub fn find_codes(text: &str) -> Vec<u32> {
    let mut codes = Vec::new();
    let mut push = |c: u32| {
        if !codes.contains(&c) {
            codes.push(c);
        }
    };
    let upper = text.to_ascii_uppercase();
    let mut rest = upper.as_str();
    while let Some(i) = rest.find("AADSTS") {
        rest = &rest[i + 6..];
        let digits: String = rest
            .chars()
            .take_while(char::is_ascii_digit)
            .take(9)
            .collect();
        if let Ok(c) = digits.parse() {
            push(c);
        }
    }
    for word in text.split_whitespace() {
        if word.len() <= 9
            && word.bytes().all(|b| b.is_ascii_digit())
            && let Ok(c) = word.parse()
        {
            push(c);
        }
    }
    codes
}

/// The first AADSTS code in a text (`AADSTS50011`, or a bare number when the text is only
/// digits), e.g. a pasted error page or `error_description`.
pub fn find_code(text: &str) -> Option<u32> {
    let t = text.trim();
    if !t.is_empty() && t.len() <= 9 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    let upper = t.to_ascii_uppercase();
    let i = upper.find("AADSTS")?;
    let digits: String = upper[i + 6..]
        .chars()
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    digits.parse().ok()
}

/// Microsoft's lookup page for a code.
pub fn lookup_url(code: u32) -> String {
    format!("https://login.microsoftonline.com/error?code={code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_found_in_text() {
        let mut codes: Vec<u32> = CATALOG.iter().map(|a| a.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CATALOG.len());
        assert_eq!(find_code("50011"), Some(50011));
        assert_eq!(find_code("AADSTS7000215"), Some(7000215));
        assert_eq!(
            find_code("error_description=aadsts50194%3a App"),
            Some(50194)
        );
        assert_eq!(
            find_code("Sorry... AADSTS700016: Application with identifier"),
            Some(700016)
        );
        assert_eq!(find_code("no code here"), None);
        assert_eq!(
            find_codes("AADSTS50011 then aadsts7000215, 50011 again and 90094"),
            vec![50011, 7000215, 90094]
        );
        assert_eq!(find_code("AADSTS"), None);
        assert_eq!(lookup(50011).unwrap().check, "redirect.ngrok");
    }

    #[test]
    fn error_bodies_are_typed_once() {
        let b = ErrorBody::parse(
            br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x","error_codes":[7000215]}"#,
        )
        .unwrap();
        assert_eq!(b.code(), Some(7000215));
        assert_eq!(
            b.message(),
            "AADSTS7000215: Invalid client secret provided."
        );
        assert!(ErrorBody::parse(b"<html>").is_none());
        assert!(ErrorBody::parse(br#"{"access_token":"x"}"#).is_none());
        let no_codes = ErrorBody::parse(br#"{"error":"x","error_description":"AADSTS50011: y"}"#);
        assert_eq!(no_codes.unwrap().code(), Some(50011));
    }

    #[test]
    fn every_catalog_check_is_a_check_id() {
        for a in CATALOG {
            assert!(
                a.check.contains('.')
                    && a.check
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'-'),
                "{}",
                a.code
            );
        }
    }

    /// The catalog names each code's owner as ngrok sees it: `redirect.local` is resolved from
    /// the redirect URI in play (`checks::code_owner`), never written here.
    #[test]
    fn one_code_two_owners_the_catalog_names_the_owner_as_ngrok_sees_it() {
        for a in CATALOG {
            assert_ne!(a.check, "redirect.local", "{}", a.code);
            if a.blame == Blame::SignIn {
                assert_eq!(a.kind, Kind::TokenEndpoint, "{}", a.code);
            }
            if a.check == "redirect.ngrok" && a.kind == Kind::ErrorPage {
                assert!(a.fix.contains(crate::entra::NGROK_CALLBACK), "{}", a.code);
            }
        }
        for (code, kind) in [
            (REDIRECT_URI_NOT_REGISTERED, Kind::ErrorPage),
            (SPA_REDEEMED_SERVER_SIDE, Kind::TokenEndpoint),
            (PUBLIC_CLIENT_SENT_A_SECRET, Kind::TokenEndpoint),
        ] {
            let a = lookup(code).unwrap();
            assert_eq!((a.check, a.kind), ("redirect.ngrok", kind), "{code}");
        }
        for code in TENANT_CODES.iter().chain(&CLIENT_CODES) {
            assert_eq!(lookup(*code).unwrap().kind, Kind::ErrorPage, "{code}");
        }
    }

    #[test]
    fn every_code_the_emulator_and_entra_md_name_is_explained() {
        for code in [
            50011, 500113, 50194, 700016, 500200, 9002332, 50020, 7000215, 7000222, 7000218,
            700025, 9002327, 65001, 90094, 54005, 70008, 501481, 700005, 70000, 900144, 90002,
            50105, 53003, 50158, 9002325, 901002, 7000112,
        ] {
            assert!(lookup(code).is_some(), "{code}");
        }
    }
}
