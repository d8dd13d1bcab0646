//! Ephemeral posts: shown to one user over the websocket, never stored (Mattermost's
//! SendEphemeralPost).

use crate::contract::types;
use crate::store::entity::post;

/// An ephemeral post: shown to one user, never stored.
pub struct Ephemeral {
    pub author: String,
    pub channel_id: String,
    pub root_id: String,
    pub message: String,
    pub props: serde_json::Map<String, serde_json::Value>,
}

/// Sends `e` to `user_id`'s connections only (`ephemeral_message`), as Mattermost's
/// SendEphemeralPost: a `system_ephemeral` post with a new id; answers it.
pub fn ephemeral(caller: &crate::auth::Caller, user_id: &str, e: Ephemeral) -> types::Post {
    let now = crate::ids::now_millis();
    let row = post::Model {
        id: crate::ids::new_id(),
        create_at: now,
        update_at: now,
        edit_at: 0,
        delete_at: 0,
        is_pinned: false,
        user_id: e.author,
        channel_id: e.channel_id.clone(),
        root_id: e.root_id,
        original_id: String::new(),
        message: e.message,
        post_type: "system_ephemeral".to_owned(),
        props: serde_json::Value::Object(super::post_actions::with_ids(e.props)).to_string(),
        hashtags: String::new(),
        file_ids: "[]".to_owned(),
        pending_post_id: String::new(),
    };
    // Actions of a post that is not stored reach their integration through a cookie.
    let row = match super::post_actions::with_cookies(caller, &row) {
        Ok(sealed) => sealed,
        Err(e) => {
            tracing::warn!(error = %e.message, detail = %e.detailed_error, "sealing action cookies");
            row
        }
    };
    let shown = super::posts::to_api(&row, None);
    let mut to = super::events::Broadcast::user(user_id);
    to.channel_id = e.channel_id;
    let event = super::events::Event::new("ephemeral_message", to).with_json("post", &shown);
    caller.state.events().publish(event);
    shown
}
