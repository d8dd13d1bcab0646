//! ferromost's integration tests: one binary, one module per concern. Every test starts a
//! real server with a fresh database and talks to it over HTTP, mostly through the SDK.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(unix)]
mod acknowledgements;
mod actions;
mod binary;
mod bookmarks;
mod bots;
mod cache;
mod channels;
mod chatcaptain;
mod commands;
mod common;
mod config;
mod contract;
mod corteza;
mod corteza_auth;
mod corteza_forms;
mod corteza_objects;
mod corteza_organisations;
mod corteza_races;
mod corteza_roles;
mod corteza_rules;
mod corteza_settings;
mod directory;
mod email;
mod emoji;
mod events;
mod files;
mod images;
mod layers;
#[cfg(unix)]
mod local;
mod matrix;
mod mfa;
mod oauth;
mod outgoing_hooks;
mod outgoing_oauth;
mod plugins;
mod posts;
mod preferences;
mod races;
mod reactions;
mod reminders;
mod roles;
mod routing;
mod s3;
mod sessions;
mod sidebar;
mod status;
mod store;
mod sweep;
mod system;
mod system_ops;
mod teams;
mod terms;
mod tokens;
mod uploads;
mod users;
mod webhooks;
mod websocket;
mod websocket_events;
