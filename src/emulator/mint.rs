//! Minting tokens as Entra does: v2 ID tokens, v1-format Graph access tokens with a `nonce`
//! header, opaque access tokens for personal accounts, refresh tokens, `client_info`.
//!
//! Shapes: ENTRA.md §2 (claims) and §2.5 (token response). Graph access tokens carry a `nonce`
//! in their JOSE header and their signature covers a hashed form of it, so nobody but the
//! resource (our `/graph`) can verify them, exactly as with Microsoft Graph:
//! <https://github.com/AzureAD/azure-activedirectory-identitymodel-extensions-for-dotnet/issues/609>

use super::errors::{self, AadError};
use super::faults::Fault;
use super::keys::{KeyRole, SigningKey, encode_jwt};
use super::{App, State, Tenant, User};
use crate::entra::{self, GRAPH_APP_ID};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

use entra::OIDC_SCOPES as OIDC;

/// Scopes of one grant: OpenID Connect ones and Microsoft Graph ones (short names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Scopes {
    pub(crate) oidc: Vec<&'static str>,
    pub(crate) graph: Vec<String>,
    /// Graph was named by URL (`https://graph.microsoft.com/User.Read`): the access token's `aud`
    /// is then the URL, else Graph's appId, as observed on Entra (ENTRA.md §2.4).
    pub(crate) graph_by_url: bool,
}

impl Scopes {
    /// Parses a `scope` parameter for `app`. `.default` on Graph means every Graph delegated
    /// permission the registration lists. Another resource is not served by the emulator.
    pub(crate) fn parse(scope: &str, app: &App) -> Result<Self, AadError> {
        let mut out = Self::default();
        for s in scope.split_ascii_whitespace() {
            if let Some(o) = OIDC.iter().find(|o| o.eq_ignore_ascii_case(s)) {
                if !out.oidc.contains(o) {
                    out.oidc.push(o);
                }
                continue;
            }
            out.graph_by_url |= s.starts_with("https://graph.microsoft.com/");
            let short = s
                .strip_prefix("https://graph.microsoft.com/")
                .or_else(|| s.strip_prefix(&format!("{GRAPH_APP_ID}/")))
                .unwrap_or(s);
            if short == ".default" {
                for p in &app.reg.permissions {
                    if p.resource_app_id == GRAPH_APP_ID
                        && p.kind == crate::registration::AccessKind::Scope
                        && let Some(known) = entra::graph_scope_by_id(&p.id)
                    {
                        out.add_graph(known.name);
                    }
                }
            } else if short.contains('/') || short.contains(':') {
                return Err(errors::invalid_scope(s));
            } else {
                let canonical = entra::graph_scope_by_name(short).map_or(short, |g| g.name);
                out.add_graph(canonical);
            }
        }
        Ok(out)
    }

    fn add_graph(&mut self, name: &str) {
        if !self.graph.iter().any(|g| g.eq_ignore_ascii_case(name)) {
            self.graph.push(name.to_owned());
        }
    }

    pub(crate) fn has(&self, oidc: &str) -> bool {
        self.oidc.contains(&oidc)
    }

    /// Graph scopes that need an administrator's consent.
    pub(crate) fn admin_only(&self) -> Vec<&str> {
        self.graph
            .iter()
            .filter(|g| entra::graph_scope_by_name(g).is_some_and(|s| s.admin_consent))
            .map(String::as_str)
            .collect()
    }

    /// Every scope of `other` is in `self`.
    pub(crate) fn covers(&self, other: &Self) -> bool {
        other.oidc.iter().all(|o| self.oidc.contains(o))
            && other
                .graph
                .iter()
                .all(|g| self.graph.iter().any(|s| s.eq_ignore_ascii_case(g)))
    }

    /// The token response's `scope`: Graph scopes, then OpenID Connect scopes.
    pub(crate) fn response_scope(&self) -> String {
        let oidc = OIDC.iter().filter(|o| self.oidc.contains(o)).copied();
        self.graph
            .iter()
            .map(String::as_str)
            .chain(oidc)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The access token's `scp`: as the response, without `offline_access`.
    fn scp(&self) -> String {
        self.response_scope()
            .split(' ')
            .filter(|s| *s != "offline_access")
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Who a user token is for.
pub(crate) struct Subject<'a> {
    pub(crate) app: &'a App,
    pub(crate) user: &'static User,
    pub(crate) tenant: &'static Tenant,
    pub(crate) scopes: &'a Scopes,
    pub(crate) nonce: Option<&'a str>,
    pub(crate) client_info: bool,
}

fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

fn sha256(v: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, v)
        .as_ref()
        .to_vec()
}

/// A pairwise, per-app subject, as Entra's `sub` (the ID token's, and userinfo's).
pub(crate) fn pairwise(oid: &str, app: &str) -> String {
    b64(&sha256(format!("{oid}|{app}").as_bytes()))
}

/// A GUID derived from a name (service-principal ids of apps in a tenant).
pub(crate) fn derived_guid(name: &str) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&sha256(name.as_bytes())[..16]);
    super::format_guid(b)
}

impl State {
    fn times(&self, now: DateTime<Utc>, lifetime: Duration) -> (i64, i64) {
        (now.timestamp(), (now + lifetime).timestamp())
    }

    fn signing_key(&self, personal: bool) -> &SigningKey {
        self.keys
            .by_role(if personal { KeyRole::Msa } else { KeyRole::Org })
    }

    /// The v2 ID token, with the ID-token faults applied.
    pub(crate) fn id_token(&self, s: &Subject<'_>, now: DateTime<Utc>) -> String {
        let f = |fault| self.faults.has(fault);
        let claims = self.id_token_claims(s, now);
        let key = if f(Fault::KeyRotation) {
            self.rotated_published.store(true, Ordering::Relaxed);
            self.keys.by_role(KeyRole::Rotated)
        } else {
            self.signing_key(s.user.is_personal())
        };
        if f(Fault::IdTokenAlgNone) {
            let part = |v: &Value| b64(&serde_json::to_vec(v).unwrap_or_default());
            return format!(
                "{}.{}.",
                part(&json!({"typ": "JWT", "alg": "none"})),
                part(&claims)
            );
        }
        let header = if f(Fault::IdTokenNoKid) {
            json!({"typ": "JWT", "alg": "RS256"})
        } else {
            json!({"typ": "JWT", "alg": "RS256", "kid": key.kid})
        };
        let token = encode_jwt(key, &self.rng, &header, None, &claims);
        if f(Fault::IdTokenBadSignature) {
            corrupt_signature(&token)
        } else {
            token
        }
    }

    /// The v2 ID token's claims, in Entra's order, with the claim faults applied.
    fn id_token_claims(&self, s: &Subject<'_>, now: DateTime<Utc>) -> Value {
        let f = |fault| self.faults.has(fault);
        let issued = if f(Fault::IdTokenExpired) {
            now - Duration::hours(2)
        } else {
            now
        };
        let (iat, exp) = self.times(issued, Duration::hours(1));
        let iss_tenant = match (f(Fault::IdTokenWrongIss), s.tenant.id == super::FABRIKAM.id) {
            (true, true) => super::CONTOSO.id,
            (true, false) => super::FABRIKAM.id,
            (false, _) => s.tenant.id,
        };
        let aud = if f(Fault::IdTokenWrongAud) {
            derived_guid(&format!("another app than {}", s.app.client_id))
        } else {
            s.app.client_id.to_string()
        };
        let mut c = json!({
            "aud": aud,
            "iss": format!("{}/{iss_tenant}/v2.0", self.base),
            "iat": iat,
            "nbf": iat,
            "exp": exp,
            "aio": self.random(24),
        });
        let m = c.as_object_mut().expect("json! object");
        let profile = s.scopes.has("profile");
        if let (true, Some(mail)) = (s.scopes.has("email"), s.user.mail) {
            m.insert("email".into(), mail.into());
        }
        if profile {
            m.insert("name".into(), s.user.display_name().into());
        }
        if let Some(nonce) = s.nonce {
            let tampered = f(Fault::IdTokenNonceMismatch);
            let nonce = if tampered {
                format!("{nonce}-not-yours")
            } else {
                nonce.to_owned()
            };
            m.insert("nonce".into(), nonce.into());
        }
        if profile {
            m.insert("oid".into(), s.user.oid.into());
            m.insert("preferred_username".into(), s.user.upn.into());
        }
        m.insert("rh".into(), format!("1.{}", self.random(30)).into());
        m.insert("sid".into(), self.guid().into());
        m.insert(
            "sub".into(),
            pairwise(s.user.oid, s.app.client_id.as_str()).into(),
        );
        m.insert("tid".into(), s.tenant.id.into());
        m.insert("uti".into(), self.random(16).into());
        m.insert("ver".into(), "2.0".into());
        c
    }

    /// A Graph access token: a v1 JWT for work accounts, an opaque ticket for personal ones.
    pub(crate) fn graph_token(
        &self,
        s: &Subject<'_>,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> String {
        let (iat, exp) = self.times(now, lifetime);
        if s.user.is_personal() {
            // Personal-account access tokens are not JWTs ("EwB..."): ENTRA.md §2.4.
            return format!(
                "EwB{}",
                self.seal_value(&json!({"k": "at", "oid": s.user.oid, "appid": s.app.client_id, "scp": s.scopes.scp(), "aud": GRAPH_APP_ID, "exp": exp}))
            );
        }
        let claims = json!({
            "aud": if s.scopes.graph_by_url { "https://graph.microsoft.com" } else { GRAPH_APP_ID },
            "iss": format!("https://sts.windows.net/{}/", s.tenant.id),
            "iat": iat,
            "nbf": iat,
            "exp": exp,
            "acct": 0,
            "acr": "1",
            "aio": self.random(24),
            "amr": ["pwd"],
            "app_displayname": s.app.name(),
            "appid": s.app.client_id,
            "appidacr": "1",
            "family_name": s.user.surname,
            "given_name": s.user.given_name,
            "idtyp": "user",
            "ipaddr": "127.0.0.1",
            "name": s.user.display_name(),
            "oid": s.user.oid,
            "platf": "3",
            "rh": format!("1.{}", self.random(30)),
            "scp": s.scopes.scp(),
            "sub": pairwise(s.user.oid, &format!("{}|{GRAPH_APP_ID}", s.app.client_id)),
            "tenant_region_scope": s.tenant.region,
            "tid": s.tenant.id,
            "unique_name": s.user.upn,
            "upn": s.user.upn,
            "uti": self.random(16),
            "ver": "1.0",
        });
        self.graph_jwt(&claims)
    }

    /// An app-only Graph token (client credentials): `roles`, no `scp`.
    pub(crate) fn app_token(
        &self,
        app: &App,
        tenant: &Tenant,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> String {
        let (iat, exp) = self.times(now, lifetime);
        let roles: Vec<&str> = app
            .reg
            .permissions
            .iter()
            .filter(|p| {
                p.resource_app_id == GRAPH_APP_ID && p.kind == crate::registration::AccessKind::Role
            })
            .filter_map(|p| entra::graph_role_name(&p.id))
            // Application permissions always need an administrator's grant.
            .filter(|name| {
                app.reg
                    .emulator
                    .admin_consented
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(name))
            })
            .collect();
        let sp = derived_guid(&format!("{}|{}", app.client_id, tenant.id));
        let mut claims = json!({
            "aud": GRAPH_APP_ID,
            "iss": format!("https://sts.windows.net/{}/", tenant.id),
            "iat": iat,
            "nbf": iat,
            "exp": exp,
            "aio": self.random(24),
            "app_displayname": app.name(),
            "appid": app.client_id,
            "appidacr": "1",
            "idp": format!("https://sts.windows.net/{}/", tenant.id),
            "idtyp": "app",
            "oid": sp,
            "rh": format!("1.{}", self.random(30)),
        });
        if !roles.is_empty() {
            claims["roles"] = json!(roles);
        }
        let m = claims.as_object_mut().expect("json! object");
        m.insert("sub".into(), sp.into());
        m.insert("tenant_region_scope".into(), tenant.region.into());
        m.insert("tid".into(), tenant.id.into());
        m.insert("uti".into(), self.random(16).into());
        m.insert("ver".into(), "1.0".into());
        self.graph_jwt(&claims)
    }

    fn graph_jwt(&self, claims: &Value) -> String {
        let key = self.keys.by_role(KeyRole::Org);
        let nonce = self.random(32);
        let header =
            json!({"typ": "JWT", "nonce": nonce, "alg": "RS256", "x5t": key.kid, "kid": key.kid});
        let signed = graph_signed_header(&header);
        encode_jwt(key, &self.rng, &header, Some(&signed), claims)
    }

    /// A refresh token: opaque, sealed, bound to client, user, tenant and scopes.
    pub(crate) fn refresh_token(&self, s: &Subject<'_>) -> String {
        format!(
            "1.A{}",
            // A new one at every redemption, as Entra issues (the random `n`).
            self.seal_value(&json!({
                "k": "rt", "client": s.app.client_id, "oid": s.user.oid, "tid": s.tenant.id,
                "oidc": s.scopes.oidc, "graph": s.scopes.graph, "n": self.random(16),
            }))
        )
    }

    /// The token endpoint's success body for a user (auth code, refresh token).
    pub(crate) fn user_token_response(&self, s: &Subject<'_>) -> Value {
        let now = self.now();
        let expires = self.lifetime();
        let mut body = json!({
            "token_type": "Bearer",
            "scope": s.scopes.response_scope(),
            "expires_in": expires.num_seconds(),
            "ext_expires_in": expires.num_seconds(),
            "access_token": self.graph_token(s, now, expires),
        });
        let m = body.as_object_mut().expect("json! object");
        if s.scopes.has("offline_access") {
            m.insert("refresh_token".into(), self.refresh_token(s).into());
        }
        if s.scopes.has("openid") {
            m.insert("id_token".into(), self.id_token(s, now).into());
        }
        if s.client_info {
            let info = json!({"uid": s.user.oid, "utid": s.tenant.id});
            m.insert(
                "client_info".into(),
                b64(&serde_json::to_vec(&info).unwrap_or_default()).into(),
            );
        }
        body
    }

    /// Access-token lifetime: 60 to 90 minutes, at random, as Entra's.
    /// <https://learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime>
    pub(crate) fn lifetime(&self) -> Duration {
        let mut b = [0u8; 2];
        let _ = ring::rand::SecureRandom::fill(&self.rng, &mut b);
        Duration::seconds(3600 + i64::from(u16::from_le_bytes(b) % 1800))
    }

    /// Seals a JSON value: base64url(payload || HMAC-SHA256(payload)).
    pub(crate) fn seal_value(&self, v: &Value) -> String {
        let mut payload = serde_json::to_vec(v).unwrap_or_default();
        let tag = ring::hmac::sign(&self.seal, &payload);
        payload.extend_from_slice(tag.as_ref());
        b64(&payload)
    }

    /// Opens a sealed value; `None` if altered or not ours.
    pub(crate) fn unseal(&self, sealed: &str) -> Option<Value> {
        let raw = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let split = raw.len().checked_sub(32)?;
        let (payload, tag) = raw.split_at(split);
        ring::hmac::verify(&self.seal, payload, tag).ok()?;
        serde_json::from_slice(payload).ok()
    }
}

/// The header a Graph token's signature covers: `nonce` replaced by its SHA-256, hex.
pub(crate) fn graph_signed_header(header: &Value) -> Value {
    let mut signed = header.clone();
    if let Some(n) = header.get("nonce").and_then(Value::as_str) {
        let hex: String = sha256(n.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        signed["nonce"] = hex.into();
    }
    signed
}

fn corrupt_signature(token: &str) -> String {
    let Some((head, sig)) = token.rsplit_once('.') else {
        return token.to_owned();
    };
    let mut raw = URL_SAFE_NO_PAD.decode(sig).unwrap_or_default();
    if let Some(b) = raw.get_mut(10) {
        *b ^= 0x5a;
    }
    format!("{head}.{}", b64(&raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_guids_are_guids() {
        assert!(entra::is_guid(&derived_guid("x")));
    }

    #[test]
    fn graph_signed_header_hashes_only_the_nonce() {
        let h = json!({"typ": "JWT", "nonce": "abc", "alg": "RS256"});
        let s = graph_signed_header(&h);
        assert_eq!(
            s["nonce"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(s["alg"], "RS256");
    }
}
