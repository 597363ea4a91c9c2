//! `graph.me`: Graph `/me` answers with the access token and names the identity ngrok would see
//! (`mail`, else the UPN). A Graph that could not be asked (unreachable, a 5xx) is not judged:
//! the run is incomplete (exit 3), and the reason is in the skip.

use super::{CheckId, Finding, Inputs, needs_live};
use crate::flow::evidence::GraphMe;

/// `graph.me`.
pub(super) fn me(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::GraphMe;
    let Some(answer) = i.live.and_then(|ev| ev.graph_me.as_ref()) else {
        return Finding::skip(ID, needs_live(i));
    };
    match answer {
        GraphMe::Refused {
            status,
            code,
            message,
        } => Finding::fail(
            ID,
            format!("Graph /me answered HTTP {status}: ngrok could not read the user"),
            format!("{code}: {message}"),
            match status {
                401 | 403 => "Grant Microsoft Graph User.Read (delegated) and request it",
                _ => "Check the request to Microsoft Graph (--graph)",
            },
        ),
        GraphMe::Found {
            id,
            display_name,
            mail,
            upn,
        } => {
            let evidence = format!(
                "id = {}, displayName = {}, mail = {}, userPrincipalName = {}",
                shown(id),
                shown(display_name),
                shown(mail),
                shown(upn)
            );
            match (mail, upn) {
                (Some(m), _) => Finding::pass(ID, format!("ngrok would see {m}"), evidence),
                (None, Some(u)) => Finding::warn(
                    ID,
                    format!("the user has no mail; ngrok would see the UPN {u}"),
                    evidence,
                    "Email-based ngrok rules (actions.ngrok.oauth.identity.email) match the UPN for this user; give the user a mailbox or match on the UPN",
                ),
                (None, None) => Finding::fail(
                    ID,
                    "Graph /me names neither mail nor userPrincipalName",
                    evidence,
                    "Check the user object in Entra ID",
                ),
            }
        }
    }
}

/// A field as JSON shows it: `"text"` or `null`.
fn shown(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "null".to_owned(), |s| format!("{s:?}"))
}
