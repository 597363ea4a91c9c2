//! `probe` against an authority that shows a sign-in page, as Microsoft does when nobody is
//! signed in: a canned https stand-in (not the emulator, which has no UI). The probe must test the
//! secret with client credentials on the registration's tenant and skip what needs a person.

use crate::common;

use common::stand_in::{self, Resp, StandIn};
use common::{Recorder, finding};
use oauth_preflight::checks::Status;
use oauth_preflight::entra::SecretValue;
use oauth_preflight::flow::FlowConfig;
use oauth_preflight::live::LiveConfig;
use oauth_preflight::mode::Mode;

/// What the canned authority answers at /authorize and at the token endpoint.
#[derive(Clone, Copy)]
struct Canned {
    authorize: &'static str,
    token_status: u16,
    token: &'static str,
}

const SIGN_IN: &str = "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><form>Pick an account</form></body></html>";

/// The canned authority over https on loopback (the flow sends a secret only over https).
async fn serve(canned: Canned) -> StandIn {
    stand_in::serve(move |b, req| match req.path.as_str() {
        "/common/v2.0/.well-known/openid-configuration" => Resp::json(200, serde_json::json!({
            "issuer": format!("{b}/{{tenantid}}/v2.0"),
            "authorization_endpoint": format!("{b}/common/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{b}/common/oauth2/v2.0/token"),
            "jwks_uri": format!("{b}/common/discovery/v2.0/keys"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })),
        "/common/discovery/v2.0/keys" => Resp::new(200, "application/json", r#"{"keys":[{"kty":"RSA","use":"sig","kid":"k1","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}]}"#),
        "/common/oauth2/v2.0/authorize" => Resp::new(200, "text/html", canned.authorize),
        p if p.ends_with("/oauth2/v2.0/token") => Resp::new(canned.token_status, "application/json", canned.token),
        _ => Resp::new(404, "text/plain", "not found"),
    })
    .await
}

fn config(s: &StandIn) -> LiveConfig {
    let mut app = common::app("good-multitenant.json");
    app.publisher_domain = Some("contoso.example".into());
    let mut f = FlowConfig::new(
        app.app_id.as_deref().unwrap().parse().unwrap(),
        SecretValue::new("Q1x8Q~not-checked-here"),
        reqwest::Url::parse(&s.base).unwrap(),
        reqwest::Url::parse(&s.base).unwrap(),
        s.client(),
    );
    f.mode = Mode::Probe;
    f.scopes = vec!["openid".into(), "User.Read".into()];
    f.wait = std::time::Duration::ZERO;
    f.probe_tenant = app.publisher_domain.clone();
    let mut cfg = LiveConfig::new(f);
    cfg.app = Some(app);
    cfg
}

#[tokio::test]
async fn a_sign_in_page_makes_probe_test_the_secret_and_skip_the_rest() {
    let bad = Canned {
        authorize: SIGN_IN,
        token_status: 401,
        token: r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x","error_codes":[7000215]}"#,
    };
    let out =
        oauth_preflight::live::check(&config(&serve(bad).await), &mut Recorder::default()).await;
    assert_eq!(
        finding(&out.report.checks, "app.exists").status,
        Status::Pass
    );
    assert_eq!(
        finding(&out.report.checks, "redirect.local").status,
        Status::Pass
    );
    let secret = finding(&out.report.checks, "secret.valid");
    assert_eq!(secret.status, Status::Fail);
    assert!(
        secret
            .evidence
            .starts_with("client credentials at /contoso.example"),
        "{}",
        secret.evidence
    );
    // A sign-in page is no evidence about the enterprise app (its tenant is not known yet).
    assert_eq!(
        finding(&out.report.checks, "sp.enabled").status,
        Status::Skip
    );
    let graph = finding(&out.report.checks, "graph.me");
    assert_eq!(graph.status, Status::Skip);
    assert!(graph.title.contains("a person must sign in"));

    let good = Canned {
        token_status: 200,
        token: r#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0.e30.sig"}"#,
        ..bad
    };
    let out =
        oauth_preflight::live::check(&config(&serve(good).await), &mut Recorder::default()).await;
    assert_eq!(
        finding(&out.report.checks, "secret.valid").status,
        Status::Pass
    );
}

#[tokio::test]
async fn microsofts_error_page_markup_still_yields_its_code() {
    // The real page embeds the message in a $Config script; the code is all we key on.
    let page = Canned {
        authorize: r#"<html><head><title>Sign in to your account</title><script>$Config={"iErrorCode":700016,"strServiceExceptionMessage":"AADSTS700016: Application with identifier 'x' was not found in the directory 'contoso'."};</script></head><body></body></html>"#,
        token_status: 500,
        token: "",
    };
    let out =
        oauth_preflight::live::check(&config(&serve(page).await), &mut Recorder::default()).await;
    let f = finding(&out.report.checks, "app.exists");
    assert_eq!(f.status, Status::Fail);
    assert!(f.title.starts_with("AADSTS700016"), "{}", f.title);
    assert!(
        f.evidence
            .contains("AADSTS700016: Application with identifier 'x' was not found in the directory 'contoso'."),
        "{}",
        f.evidence
    );
}
