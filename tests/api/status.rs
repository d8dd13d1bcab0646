//! Statuses: offline until set, set by the user (or edit_other_users), do not disturb with
//! an end time, read singly and in bulk.

use crate::common::{TestServer, assert_fails};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn set(user_id: &str, status: &str, dnd_end_time: Option<i64>) -> types::UpdateUserStatusBody {
    types::UpdateUserStatusBody {
        user_id: user_id.into(),
        status: status.into(),
        dnd_end_time,
    }
}

#[tokio::test]
async fn setting_and_reading_statuses() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let other = server.user(&admin, "other").await;
    let initial = other
        .client
        .get_user_status(user.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(initial.status.as_deref(), Some("offline"));
    let away = user
        .client
        .update_user_status("me", &set(user.id(), "away", None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (away.status.as_deref(), away.manual),
        (Some("away"), Some(true))
    );
    let seen = other
        .client
        .get_user_status(user.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen.status.as_deref(), Some("away"));
    // Do not disturb that already ended reads as the status before it.
    user.client
        .update_user_status("me", &set(user.id(), "dnd", Some(1)))
        .await
        .unwrap();
    let after = other
        .client
        .get_user_status(user.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.status.as_deref(), Some("away"));
    let forever = set(user.id(), "dnd", None);
    user.client
        .update_user_status("me", &forever)
        .await
        .unwrap();
    let bulk = other
        .client
        .get_users_statuses_by_ids(&vec![user.id().to_owned(), other.id().to_owned()])
        .await
        .unwrap()
        .into_inner();
    let pairs: Vec<_> = bulk.iter().map(|s| s.status.clone().unwrap()).collect();
    assert_eq!(pairs, ["dnd", "offline"]);
    // Others' statuses: edit_other_users; bad values.
    assert_fails(
        other
            .client
            .update_user_status(user.id(), &set(user.id(), "online", None))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    admin
        .client
        .update_user_status(user.id(), &set(user.id(), "online", None))
        .await
        .unwrap();
    assert_fails(
        user.client
            .update_user_status("me", &set(user.id(), "sleeping", None))
            .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    assert_fails(
        user.client
            .update_user_status("me", &set(other.id(), "online", None))
            .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    assert_fails(
        server.anonymous().get_user_status(user.id()).await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
    assert_fails(
        user.client.get_user_status(&ferromost::ids::new_id()).await,
        404,
        "app.user.missing_account.const",
    )
    .await;
}

#[tokio::test]
async fn custom_statuses_and_the_recent_ones() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let other = server.user(&admin, "other").await;
    let status = |emoji: &str, text: &str| types::UpdateUserCustomStatusBody {
        emoji: emoji.into(),
        text: text.into(),
        duration: Some("one_hour".into()),
        expires_at: None,
    };
    user.client
        .update_user_custom_status("me", &status("calendar", "In a meeting"))
        .await
        .unwrap();
    let seen = other.client.get_user(user.id()).await.unwrap().into_inner();
    let prop: serde_json::Value =
        serde_json::from_str(seen.props["customStatus"].as_str().unwrap()).unwrap();
    assert_eq!(prop["text"], "In a meeting");
    assert_eq!(prop["emoji"], "calendar");
    for i in 0..6 {
        user.client
            .update_user_custom_status("me", &status("coffee", &format!("break {i}")))
            .await
            .unwrap();
    }
    let recent = user
        .client
        .get_preferences_by_category_by_name("me", "custom_status", "recent_custom_statuses")
        .await
        .unwrap()
        .into_inner();
    let list: Vec<serde_json::Value> =
        serde_json::from_str(recent.value.as_deref().unwrap()).unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[0]["text"], "break 5");
    let forget = types::RemoveRecentCustomStatusBody {
        emoji: "coffee".into(),
        text: "break 5".into(),
        duration: "one_hour".into(),
        expires_at: String::new(),
    };
    user.client
        .remove_recent_custom_status("me", &forget)
        .await
        .unwrap();
    assert_fails(
        user.client.remove_recent_custom_status("me", &forget).await,
        400,
        "api.custom_status.recent_custom_statuses.delete.app_error",
    )
    .await;
    user.client.unset_user_custom_status("me").await.unwrap();
    let cleared = other.client.get_user(user.id()).await.unwrap().into_inner();
    assert!(!cleared.props.contains_key("customStatus"));
    // Others', bad values, the setting.
    assert_fails(
        other
            .client
            .update_user_custom_status(user.id(), &status("x", "y"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        user.client
            .update_user_custom_status("me", &status("calendar", &"t".repeat(101)))
            .await,
        400,
        "api.custom_status.set_custom_statuses.update.app_error",
    )
    .await;
    assert_fails(
        user.client
            .update_user_custom_status("me", &status("no_such_emoji", "Soon"))
            .await,
        400,
        "api.custom_status.set_custom_statuses.emoji_not_found",
    )
    .await;
    let mut odd = status("calendar", "Soon");
    odd.duration = Some("forever".into());
    assert_fails(
        user.client.update_user_custom_status("me", &odd).await,
        400,
        "api.custom_status.set_custom_statuses.update.app_error",
    )
    .await;
    server.configure(|c| c.team_settings.enable_custom_user_statuses = false);
    assert_fails(
        user.client
            .update_user_custom_status("me", &status("calendar", "Off"))
            .await,
        501,
        "api.custom_status.disabled",
    )
    .await;
}
