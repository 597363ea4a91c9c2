//! oauth-preflight: will this Microsoft Entra app registration work as ngrok's custom OAuth app?
//!
//! Data flows one way (DESIGN.md §2): `cli -> registration -> checks -> findings -> report`.

pub mod app;
pub mod checks;
pub mod cli;
pub mod emulate;
pub mod emulator;
pub mod entra;
pub mod fixtures;
pub mod flow;
pub mod lint;
pub mod live;
pub mod ngrok;
pub mod registration;
pub mod report;
