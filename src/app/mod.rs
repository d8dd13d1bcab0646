//! Domain operations that take more than one step or serve more than one handler.

pub mod analytics;
pub mod audits;
pub mod bots;
pub mod channels;
pub mod directory;
pub mod events;
pub mod images;
pub mod links;
pub mod login;
pub mod mail;
pub mod membership;
pub mod outbound;
pub mod posting;
pub mod posts;
pub mod reactions;
pub mod schemes;
pub mod search;
pub mod server;
pub mod sessions;
pub mod settings;
pub mod sidebar;
pub mod status;
pub mod teams;
pub mod tokens;
pub mod users;
