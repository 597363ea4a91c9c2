//! The registrations bundled in the binary (`fixtures/apps/`): what `emulate` serves without
//! `--app`, and what `demo` runs against.

/// (file name, JSON text) of every bundled registration file.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "admin-consent-scope.json",
        include_str!("../fixtures/apps/admin-consent-scope.json"),
    ),
    (
        "expired-secret.json",
        include_str!("../fixtures/apps/expired-secret.json"),
    ),
    (
        "expiring-secret.json",
        include_str!("../fixtures/apps/expiring-secret.json"),
    ),
    (
        "good-multitenant.json",
        include_str!("../fixtures/apps/good-multitenant.json"),
    ),
    (
        "good-personal-accounts.json",
        include_str!("../fixtures/apps/good-personal-accounts.json"),
    ),
    (
        "graph-list.json",
        include_str!("../fixtures/apps/graph-list.json"),
    ),
    (
        "guide-exact.json",
        include_str!("../fixtures/apps/guide-exact.json"),
    ),
    (
        "implicit-on.json",
        include_str!("../fixtures/apps/implicit-on.json"),
    ),
    (
        "legacy-manifest.json",
        include_str!("../fixtures/apps/legacy-manifest.json"),
    ),
    (
        "no-secret.json",
        include_str!("../fixtures/apps/no-secret.json"),
    ),
    (
        "no-user-read.json",
        include_str!("../fixtures/apps/no-user-read.json"),
    ),
    (
        "personal-only.json",
        include_str!("../fixtures/apps/personal-only.json"),
    ),
    (
        "personal-v1-tokens.json",
        include_str!("../fixtures/apps/personal-v1-tokens.json"),
    ),
    (
        "redirect-http.json",
        include_str!("../fixtures/apps/redirect-http.json"),
    ),
    (
        "redirect-mobile-desktop.json",
        include_str!("../fixtures/apps/redirect-mobile-desktop.json"),
    ),
    (
        "redirect-other-host.json",
        include_str!("../fixtures/apps/redirect-other-host.json"),
    ),
    (
        "redirect-path-case.json",
        include_str!("../fixtures/apps/redirect-path-case.json"),
    ),
    (
        "redirect-spa.json",
        include_str!("../fixtures/apps/redirect-spa.json"),
    ),
    (
        "redirect-trailing-slash.json",
        include_str!("../fixtures/apps/redirect-trailing-slash.json"),
    ),
    (
        "single-tenant.json",
        include_str!("../fixtures/apps/single-tenant.json"),
    ),
    (
        "sp-assignment-required.json",
        include_str!("../fixtures/apps/sp-assignment-required.json"),
    ),
    (
        "sp-disabled.json",
        include_str!("../fixtures/apps/sp-disabled.json"),
    ),
    (
        "sp-only.json",
        include_str!("../fixtures/apps/sp-only.json"),
    ),
    (
        "tenant-list.json",
        include_str!("../fixtures/apps/tenant-list.json"),
    ),
    (
        "user-read-all.json",
        include_str!("../fixtures/apps/user-read-all.json"),
    ),
    (
        "user-read-app-role.json",
        include_str!("../fixtures/apps/user-read-app-role.json"),
    ),
];

/// Every bundled registration, parsed.
pub fn bundled_apps() -> Vec<crate::registration::Registration> {
    BUNDLED
        .iter()
        .flat_map(|(_, text)| crate::registration::parse_bytes(text.as_bytes()).unwrap_or_default())
        .collect()
}

/// One bundled file's registrations, by file name.
pub fn bundled(name: &str) -> Option<Vec<crate::registration::Registration>> {
    let (_, text) = BUNDLED.iter().find(|(n, _)| *n == name)?;
    crate::registration::parse_bytes(text.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_fixture_file_is_bundled_and_parses() {
        let mut on_disk: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/apps"))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| n.ends_with(".json"))
                .collect();
        on_disk.sort();
        let bundled: Vec<&str> = super::BUNDLED.iter().map(|(n, _)| *n).collect();
        assert_eq!(on_disk, bundled);
        for (name, text) in super::BUNDLED {
            assert!(
                crate::registration::parse_bytes(text.as_bytes()).is_ok(),
                "{name}"
            );
        }
    }
}
