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
