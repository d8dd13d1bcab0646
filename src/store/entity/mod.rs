//! sea-orm entities, one module per table.

pub mod audit;
pub mod bot;
pub mod channel;
pub mod channel_bookmark;
pub mod channel_member;
pub mod emoji;
pub mod file_info;
pub mod post;
pub mod preference;
pub mod reaction;
pub mod role;
pub mod scheme;
pub mod session;
pub mod sidebar_category;
pub mod sidebar_channel;
pub mod status;
pub mod system;
pub mod team;
pub mod team_member;
pub mod terms_of_service;
pub mod thread;
pub mod thread_membership;
pub mod token;
pub mod upload_session;
pub mod user;
pub mod user_access_token;
