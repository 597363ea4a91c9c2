//! The integration tests, one binary with a module per area (as ripgrep does): the real
//! binary run as users run it, the emulator on loopback, the flow end to end. One binary links
//! tokio, rustls and hyper once instead of once per file.

mod common;

mod action;
mod ci_formats;
mod ci_pasted;
mod corpus;
mod docs;
mod emulate_cli;
mod emulator;
mod emulator_faults;
mod example_workflow;
mod fix_command;
mod flow;
mod hostile;
mod hostile_files;
mod hostile_output;
mod html_report;
mod infra_as_code;
mod interop_openidconnect;
mod layers;
mod lint;
mod policies;
mod probe_signin;
mod properties;
mod real_world;
mod robustness;
mod run_cli;
mod service_principal;
mod streamed;
mod verdict_tab;
mod verdicts;
