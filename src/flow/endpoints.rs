//! Where the flow may send a credential or a token. `--authority` and `--graph` are https
//! (checked with the flags), but discovery names the endpoints the secret, the code and the
//! tokens go to: a document that names a plain-HTTP or foreign token endpoint would have the
//! client secret sent there. Each endpoint that receives a credential or a token, or that a
//! person signs in at, must be https on the authority's own origin or on a Microsoft host of
//! the global or a national cloud; otherwise `discovery.valid` fails before anything is sent.

use reqwest::Url;

/// Microsoft's sign-in and Graph hosts, global and national clouds.
/// <https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud>,
/// <https://learn.microsoft.com/graph/deployments>
const MICROSOFT_HOSTS: [&str; 10] = [
    "login.microsoftonline.com",
    "login.microsoft.com",
    "login.windows.net",
    "graph.microsoft.com",
    "login.microsoftonline.us",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
    "microsoftgraph.chinacloudapi.cn",
];

/// Why `value`, the endpoint `what`, may not receive a credential or a token; `None`: it may.
pub(crate) fn refuse(what: &str, value: &str, authority: &Url) -> Option<String> {
    let url = match Url::parse(value) {
        Ok(u) => u,
        Err(e) => return Some(format!("{what} {value:?} is not a URL: {e}")),
    };
    if url.scheme() != "https" {
        return Some(format!(
            "{what} {value:?} is not https: a credential or a token would travel in clear text, so nothing was sent to it"
        ));
    }
    let host = url.host_str().unwrap_or_default();
    let own = url.origin() == authority.origin();
    let microsoft = MICROSOFT_HOSTS.contains(&host) && url.port().is_none();
    if own || microsoft {
        return None;
    }
    Some(format!(
        "{what} {value:?} is neither on the authority ({}) nor on a Microsoft host, so nothing was sent to it",
        authority.origin().ascii_serialization()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_on_the_authority_or_microsoft_only() {
        let entra = Url::parse("https://login.microsoftonline.com").unwrap();
        let emu = Url::parse("https://127.0.0.1:4443").unwrap();
        for (value, authority) in [
            (
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                &entra,
            ),
            ("https://graph.microsoft.com/oidc/userinfo", &entra),
            (
                "https://login.microsoftonline.us/x/discovery/v2.0/keys",
                &entra,
            ),
            ("https://127.0.0.1:4443/common/oauth2/v2.0/token", &emu),
            ("https://graph.microsoft.com/v1.0/me", &emu),
        ] {
            assert_eq!(refuse("e", value, authority), None, "{value}");
        }
        for (value, authority, why) in [
            (
                "http://login.microsoftonline.com/common/token",
                &entra,
                "not https",
            ),
            ("http://127.0.0.1:4443/token", &emu, "not https"),
            ("https://127.0.0.1:4444/token", &emu, "neither"),
            (
                "https://login.microsoftonline.com.evil.example/t",
                &entra,
                "neither",
            ),
            (
                "https://login.microsoftonline.com:8443/t",
                &entra,
                "neither",
            ),
            ("https://evil.example/t", &entra, "neither"),
            ("not a url", &entra, "not a URL"),
        ] {
            let e = refuse("token_endpoint", value, authority).unwrap();
            assert!(e.contains(why), "{value}: {e}");
        }
    }
}
