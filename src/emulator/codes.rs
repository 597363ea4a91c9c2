//! Authorization codes waiting to be redeemed: a map for lookups and a queue in issue order, so
//! expired codes leave in O(1) amortised per stored code instead of a sweep of the whole map,
//! and the store stays bounded under load. Redeemed codes stay until they expire, so a second
//! redemption answers AADSTS54005 as Entra does.

use super::CodeGrant;
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};

/// Entra's codes live 10 minutes (AADSTS70008 after); they are kept 5 more to say so.
const KEEP: Duration = Duration::minutes(15);
/// The most codes kept; past it the oldest go first (a load test, not a person, gets there).
pub(crate) const MAX_CODES: usize = 20_000;

/// The codes of one emulator.
#[derive(Default)]
pub(crate) struct Codes {
    map: HashMap<String, CodeGrant>,
    order: VecDeque<(DateTime<Utc>, String)>,
}

impl Codes {
    /// Keeps `grant` under `code`, dropping codes issued more than [`KEEP`] before `now` and the
    /// oldest beyond [`MAX_CODES`].
    pub(crate) fn insert(&mut self, code: String, grant: CodeGrant, now: DateTime<Utc>) {
        while let Some((issued, _)) = self.order.front() {
            if now - *issued < KEEP && self.order.len() < MAX_CODES {
                break;
            }
            if let Some((_, old)) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
        self.order.push_back((grant.issued, code.clone()));
        self.map.insert(code, grant);
    }

    /// The grant of `code`, to redeem it.
    pub(crate) fn get_mut(&mut self, code: &str) -> Option<&mut CodeGrant> {
        self.map.get_mut(code)
    }

    /// How many codes are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::directory::{Authority, CONTOSO, USERS};
    use crate::registration::Platform;

    fn grant(issued: DateTime<Utc>) -> CodeGrant {
        CodeGrant {
            client_id: "00000001-1111-4000-8000-000000000001".parse().unwrap(),
            redirect_uri: "http://localhost/cb".into(),
            platform: Platform::Web,
            authority: Authority::Common,
            user: &USERS[0],
            tenant: &CONTOSO,
            scopes: Default::default(),
            nonce: None,
            challenge: None,
            issued,
            redeemed: false,
        }
    }

    #[test]
    fn expired_codes_leave_and_the_store_stays_bounded() {
        let t0 = Utc::now();
        let mut codes = Codes::default();
        codes.insert("old".into(), grant(t0), t0);
        let later = t0 + Duration::minutes(11);
        codes.insert("new".into(), grant(later), later);
        assert!(
            codes.get_mut("old").is_some(),
            "past 10 minutes it still answers 70008"
        );
        let much_later = t0 + Duration::minutes(16);
        codes.insert("newer".into(), grant(much_later), much_later);
        assert!(codes.get_mut("old").is_none());
        assert!(codes.get_mut("new").is_some());
        for i in 0..MAX_CODES + 5_000 {
            codes.insert(format!("c{i}"), grant(much_later), much_later);
        }
        assert_eq!(codes.len(), MAX_CODES);
        assert!(codes.get_mut(&format!("c{}", MAX_CODES + 4_999)).is_some());
    }
}
