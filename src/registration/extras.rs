//! What the emulator reads beyond Microsoft's fields (the `x-emulator` extension, DESIGN.md §6),
//! and where a registration keeps it: out of line, since no real export has it.

use crate::entra::SecretValue;

/// The `x-emulator` extension (DESIGN.md §6): what the emulator needs beyond Microsoft's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmulatorExtras {
    /// Secret values by `passwordCredentials` keyId.
    pub secrets: Vec<(String, SecretValue)>,
    /// The tenant that owns the app (default `contoso`).
    pub home_tenant: Option<String>,
    /// Scopes an administrator has consented to tenant-wide.
    pub admin_consented: Vec<String>,
    /// The home tenant's service principal (`x-emulator.servicePrincipal`).
    pub service_principal: Option<EmulatedSp>,
}

/// Where a registration keeps its [`EmulatorExtras`]: one pointer, and an allocation only for
/// an input that has them (`x-emulator`, or a test or `--app-secret` that sets them). A tenant
/// export has none, and 104 bytes of nothing in each of 200,000 parsed apps was a fifth of
/// their memory (issue 18, item 5). Reads see empty extras when there are none; a write (through
/// `DerefMut`) allocates them. Equality and `Debug` are the extras', allocated or not.
#[derive(Clone, Default)]
pub struct EmulatorSlot(Option<Box<EmulatorExtras>>);

/// The extras of a registration that has none.
static NO_EXTRAS: EmulatorExtras = EmulatorExtras {
    secrets: Vec::new(),
    home_tenant: None,
    admin_consented: Vec::new(),
    service_principal: None,
};

impl EmulatorSlot {
    /// `extras` in a slot; empty extras allocate nothing.
    pub fn new(extras: EmulatorExtras) -> Self {
        Self((extras != NO_EXTRAS).then(|| Box::new(extras)))
    }
}

impl std::ops::Deref for EmulatorSlot {
    type Target = EmulatorExtras;
    fn deref(&self) -> &EmulatorExtras {
        self.0.as_deref().unwrap_or(&NO_EXTRAS)
    }
}

impl std::ops::DerefMut for EmulatorSlot {
    fn deref_mut(&mut self) -> &mut EmulatorExtras {
        self.0.get_or_insert_default()
    }
}

impl PartialEq for EmulatorSlot {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for EmulatorSlot {}

impl std::fmt::Debug for EmulatorSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// How the emulator's home-tenant service principal behaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmulatedSp {
    /// `false`: AADSTS7000112 for everyone.
    pub account_enabled: bool,
    /// `true`: only `assigned` users get in; the rest of the home tenant sees AADSTS50105.
    pub assignment_required: bool,
    /// UPNs assigned to the app (lowercase).
    pub assigned: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_emulator_slot_reads_empty_and_allocates_on_write() {
        let mut slot = EmulatorSlot::new(EmulatorExtras::default());
        assert!(slot.0.is_none() && slot.secrets.is_empty());
        assert_eq!(slot, EmulatorSlot(Some(Box::default())));
        slot.admin_consented.push("User.Read".into());
        assert_eq!(slot.0.as_ref().unwrap().admin_consented, ["User.Read"]);
        assert_ne!(slot, EmulatorSlot::default());
    }
}
