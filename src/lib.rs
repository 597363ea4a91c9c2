//! oauth-preflight: will this Microsoft Entra app registration work as ngrok's custom OAuth app?
//!
//! Data flows one way (DESIGN.md §2): `cli -> config -> (registration | ngrok | flow) ->
//! evidence -> checks -> findings -> report`. No module imports one above it, and the leaves
//! import nothing of ours (`tests/it/layers.rs` holds every module to its rule); among them
//! `entra`, the platform's knowledge and its protocol values as types (client ids, tenants,
//! secrets) that every layer handles. `flow` gathers evidence and never sees `checks`; the
//! commands (`lint`, `live`, `explain`, `emulate`) import `exit`, never `app` nor each other.

pub mod app;
pub mod checks;
pub mod cli;
pub mod config;
pub mod emulate;
pub mod emulator;
pub mod entra;
pub mod error;
pub mod exit;
pub mod explain;
pub mod fixtures;
pub mod flow;
pub mod https;
pub mod lint;
pub mod live;
pub mod manpage;
pub mod mode;
pub mod ngrok;
pub mod redact;
pub mod registration;
pub mod report;
pub mod same_file;
pub mod signals;
