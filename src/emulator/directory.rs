//! The emulator's directory (DESIGN.md §6, contract): tenants, their users, and how a
//! `/{tenant}/` path segment resolves.
//!
//! `contoso` and `fabrikam` are organisations; `consumers` is the tenant of personal Microsoft
//! accounts, `9188040d-6c67-4c5b-b112-36a304b66dad` as on the real platform.

use crate::entra::{self, CONSUMERS_TENANT_ID};

/// A tenant of the directory.
#[derive(Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Short name used in `x-emulator.homeTenant` and in the ready line.
    pub name: &'static str,
    pub id: &'static str,
    /// Verified domain; `None` for the consumers tenant.
    pub domain: Option<&'static str>,
    /// `tenant_region_scope` of its discovery document.
    pub region: &'static str,
}

impl Tenant {
    /// The personal-accounts tenant.
    pub fn is_consumers(&self) -> bool {
        self.id == CONSUMERS_TENANT_ID
    }
}

/// A user who can sign in.
#[derive(Debug, PartialEq, Eq)]
pub struct User {
    /// User principal name; also the `login_hint` that selects the user.
    pub upn: &'static str,
    pub tenant: &'static Tenant,
    /// Object id in the home tenant (Graph `id` for work accounts).
    pub oid: &'static str,
    /// Graph `id` of a personal account (a 16-hex-digit id, not the oid).
    pub graph_id: &'static str,
    pub given_name: &'static str,
    pub surname: &'static str,
    /// Graph `mail`; `None` for a user without a mailbox (ngrok then falls back to the UPN).
    pub mail: Option<&'static str>,
}

impl User {
    /// A personal Microsoft account.
    pub fn is_personal(&self) -> bool {
        self.tenant.is_consumers()
    }

    /// "Given Surname".
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.surname)
    }
}

pub static CONTOSO: Tenant = Tenant {
    name: "contoso",
    id: "2a7b0e5c-0b62-4c7e-9a1d-c0a7050c0a70",
    domain: Some("contoso.example"),
    region: "WW",
};

pub static FABRIKAM: Tenant = Tenant {
    name: "fabrikam",
    id: "fab0fab0-3d41-4a11-8e5e-fab0fab0fab0",
    domain: Some("fabrikam.example"),
    region: "EU",
};

pub static CONSUMERS: Tenant = Tenant {
    name: "consumers",
    id: CONSUMERS_TENANT_ID,
    domain: None,
    region: "WW",
};

/// Every tenant.
pub static TENANTS: [&Tenant; 3] = [&CONTOSO, &FABRIKAM, &CONSUMERS];

/// Every user.
pub static USERS: [User; 3] = [
    User {
        upn: "alice@contoso.example",
        tenant: &CONTOSO,
        oid: "a11ce000-0b0e-4c3a-9e5f-00000000a11c",
        graph_id: "a11ce000-0b0e-4c3a-9e5f-00000000a11c",
        given_name: "Alice",
        surname: "Adams",
        mail: Some("alice@contoso.example"),
    },
    User {
        upn: "bob@fabrikam.example",
        tenant: &FABRIKAM,
        oid: "b0b00000-5e1f-4d2b-8a6c-00000000b0b0",
        graph_id: "b0b00000-5e1f-4d2b-8a6c-00000000b0b0",
        given_name: "Bob",
        surname: "Brown",
        mail: None,
    },
    User {
        upn: "carol@outlook.example",
        tenant: &CONSUMERS,
        // Personal accounts' oids look like this in the consumers tenant.
        oid: "00000000-0000-0000-c4a1-0c4a10c4a10c",
        graph_id: "c4a10c4a10c4a10c",
        given_name: "Carol",
        surname: "Clark",
        mail: Some("carol@outlook.example"),
    },
];

/// The default user when neither `login_hint` nor `--user` names one.
pub(crate) fn default_user() -> &'static User {
    &USERS[0]
}

/// The user with this UPN (case-insensitive, as Entra compares sign-in names).
pub(crate) fn user(upn: &str) -> Option<&'static User> {
    USERS.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
}

/// A tenant by short name, GUID or domain.
pub(crate) fn tenant(key: &str) -> Option<&'static Tenant> {
    TENANTS.iter().copied().find(|t| {
        t.name.eq_ignore_ascii_case(key)
            || t.id.eq_ignore_ascii_case(key)
            || t.domain.is_some_and(|d| d.eq_ignore_ascii_case(key))
    })
}

/// What the `/{tenant}/` segment of a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// Work, school and personal accounts.
    Common,
    /// Work and school accounts of any tenant.
    Organizations,
    /// Personal accounts (the segment `consumers`, or the consumers tenant's GUID).
    Consumers,
    /// One organisation, by GUID or domain.
    Tenant(&'static Tenant),
}

impl Authority {
    /// Every authority the emulator serves: the three aliases, then each organisation.
    pub(crate) fn all() -> Vec<Self> {
        let mut all = vec![Self::Common, Self::Organizations, Self::Consumers];
        all.extend(
            TENANTS
                .iter()
                .filter(|t| !t.is_consumers())
                .map(|t| Self::Tenant(t)),
        );
        all
    }

    /// Resolves a path segment, parsed as the client parses `--tenant` ([`entra::Tenant`]);
    /// `None` is AADSTS90002 (tenant not found). The short names `contoso`/`fabrikam` are not
    /// authorities, as on the real platform.
    pub fn resolve(segment: &str) -> Option<Self> {
        Self::of(&entra::Tenant::parse(segment).ok()?)
    }

    /// What `tenant` names in this directory; `None`: no such tenant here. The consumers
    /// tenant's GUID is the `consumers` authority, as on the real platform.
    pub fn of(tenant: &entra::Tenant) -> Option<Self> {
        match tenant {
            entra::Tenant::Common => Some(Self::Common),
            entra::Tenant::Organizations => Some(Self::Organizations),
            entra::Tenant::Consumers => Some(Self::Consumers),
            entra::Tenant::Id(id) if id.is_consumers_tenant() => Some(Self::Consumers),
            entra::Tenant::Id(id) => Self::organisation(|t| id.is(t.id)),
            entra::Tenant::Domain(d) => Self::organisation(|t| t.domain == Some(d.as_str())),
        }
    }

    /// The organisation (never the consumers tenant) that `found` picks.
    fn organisation(found: impl Fn(&Tenant) -> bool) -> Option<Self> {
        TENANTS
            .iter()
            .copied()
            .find(|t| !t.is_consumers() && found(t))
            .map(Self::Tenant)
    }

    /// The path segment, canonical.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Common => "common",
            Self::Organizations => "organizations",
            Self::Consumers => "consumers",
            Self::Tenant(t) => t.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_resolve_like_entra() {
        assert_eq!(Authority::resolve("Common"), Some(Authority::Common));
        assert_eq!(
            Authority::resolve(CONSUMERS_TENANT_ID),
            Some(Authority::Consumers)
        );
        assert_eq!(
            Authority::resolve("contoso.example"),
            Some(Authority::Tenant(&CONTOSO))
        );
        assert_eq!(
            Authority::resolve(FABRIKAM.id),
            Some(Authority::Tenant(&FABRIKAM))
        );
        assert_eq!(Authority::resolve("contoso"), None);
        assert_eq!(Authority::resolve("nowhere.example"), None);
        assert_eq!(
            Authority::resolve(&CONTOSO.id.to_ascii_uppercase()),
            Some(Authority::Tenant(&CONTOSO))
        );
        assert_eq!(
            Authority::resolve("FABRIKAM.example"),
            Some(Authority::Tenant(&FABRIKAM))
        );
    }

    /// The client's tenant parser and the emulator agree on every authority: its segment parses
    /// (in any case) to a tenant that resolves back to it, and `common`/`organizations`, the
    /// client's multi-tenant authorities, are the ones whose issuer the emulator templates.
    #[test]
    fn every_authority_round_trips_through_the_shared_tenant_parser() {
        for a in Authority::all() {
            for seg in [a.segment().to_owned(), a.segment().to_ascii_uppercase()] {
                let t = entra::Tenant::parse(&seg).unwrap();
                assert_eq!(t.as_str(), a.segment(), "{seg}: canonical");
                assert_eq!(Authority::of(&t), Some(a), "{seg}");
                assert_eq!(
                    t.is_multi_tenant(),
                    super::super::discovery::issuer("https://e", a).contains("{tenantid}"),
                    "{seg}"
                );
                assert_eq!(t.is_consumers(), a == Authority::Consumers, "{seg}");
            }
        }
        // Each organisation by its domain too; the consumers tenant by its GUID.
        for t in TENANTS.iter().filter(|t| !t.is_consumers()) {
            let by_domain = entra::Tenant::parse(t.domain.unwrap()).unwrap();
            assert_eq!(Authority::of(&by_domain), Some(Authority::Tenant(t)));
        }
        let consumers = entra::Tenant::parse(CONSUMERS_TENANT_ID).unwrap();
        assert_eq!(Authority::of(&consumers), Some(Authority::Consumers));
        assert_eq!(CONSUMERS.id, CONSUMERS_TENANT_ID);
    }

    #[test]
    fn users_and_tenants_are_consistent() {
        assert!(user("ALICE@contoso.example").is_some());
        assert!(user("carol@outlook.example").unwrap().is_personal());
        assert_eq!(tenant("fabrikam.example"), Some(&FABRIKAM));
        for u in &USERS {
            assert!(entra::is_guid(u.oid));
        }
    }
}
