//! A registration as Microsoft Graph returns it (`GET /v1.0/applications(appId='…')`,
//! `GET /v1.0/servicePrincipals(appId='…')`): what the emulator serves to `lint --from-graph`.
//! It reads back into the same registration, so a lint from Graph equals the lint of the file.
//! <https://learn.microsoft.com/graph/api/resources/application>

use super::{AccessKind, Audience, Platform, Registration};
use chrono::SecondsFormat;
use serde_json::{Value, json};

impl Registration {
    /// The Graph `application` resource of this registration (no secret values: Graph never
    /// returns them).
    pub fn graph_application(&self) -> Value {
        let uris = |p: Platform| self.redirects(p).collect::<Vec<_>>();
        let mut resources: Vec<(String, Vec<Value>)> = Vec::new();
        for p in &self.permissions {
            let kind = match p.kind {
                AccessKind::Scope => "Scope",
                AccessKind::Role => "Role",
                AccessKind::Unknown => "Unknown",
            };
            let access = json!({"id": p.id, "type": kind});
            match resources.iter_mut().find(|(r, _)| *r == p.resource_app_id) {
                Some((_, list)) => list.push(access),
                None => resources.push((p.resource_app_id.clone(), vec![access])),
            }
        }
        let date = |d: Option<chrono::DateTime<chrono::Utc>>| {
            d.map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
        };
        let mut app = json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
            "id": self.object_id,
            "appId": self.app_id,
            "displayName": self.display_name,
            "publisherDomain": self.publisher_domain,
            "signInAudience": match &self.audience {
                Audience::Missing => Value::Null,
                a => Value::from(a.as_str()),
            },
            "api": {"requestedAccessTokenVersion": self.requested_access_token_version},
            "web": {
                "redirectUris": uris(Platform::Web),
                "implicitGrantSettings": {
                    "enableIdTokenIssuance": self.implicit.id_tokens,
                    "enableAccessTokenIssuance": self.implicit.access_tokens,
                },
            },
            "spa": {"redirectUris": uris(Platform::Spa)},
            "publicClient": {"redirectUris": uris(Platform::PublicClient)},
            "requiredResourceAccess": resources
                .into_iter()
                .map(|(r, a)| json!({"resourceAppId": r, "resourceAccess": a}))
                .collect::<Vec<_>>(),
            "passwordCredentials": self.password_credentials.iter().map(|c| json!({
                "customKeyIdentifier": null,
                "displayName": c.display_name,
                "endDateTime": date(c.end),
                "hint": c.hint,
                "keyId": c.key_id,
                "secretText": null,
                "startDateTime": date(c.start),
            })).collect::<Vec<_>>(),
            "keyCredentials": (0..self.key_credential_count)
                .map(|i| json!({"type": "AsymmetricX509Cert", "usage": "Verify", "displayName": format!("certificate {}", i + 1)}))
                .collect::<Vec<_>>(),
            "verifiedPublisher": {
                "verifiedPublisherId": if self.publisher_verified { Value::from("1") } else { Value::Null },
            },
            "disabledByMicrosoftStatus": self.disabled_by_microsoft_status,
        });
        // What the registration did not hold is not served either (absent is not empty): the
        // answer is the registration's own, as a `$select` answer would be.
        let k = &self.known;
        let fields = app.as_object_mut().expect("an object");
        for (known, field) in [
            (k.permissions, "requiredResourceAccess"),
            (k.secrets, "passwordCredentials"),
            (k.token_version, "api"),
            (self.audience != Audience::Missing, "signInAudience"),
        ] {
            if !known {
                fields.remove(field);
            }
        }
        if let Some(web) = fields.get_mut("web").and_then(Value::as_object_mut) {
            if !k.web_redirects {
                web.remove("redirectUris");
            }
            if !k.implicit {
                web.remove("implicitGrantSettings");
            }
        }
        app
    }
}
