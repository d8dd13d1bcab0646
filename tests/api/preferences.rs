//! Preferences: saving, replacing, reading by category and name, deleting; only one's own
//! (or with edit_other_users); Mattermost's validation; flagged posts must be readable.

use crate::common::{TestServer, assert_fails};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn pref(user_id: &str, category: &str, name: &str, value: &str) -> types::Preference {
    types::Preference {
        user_id: Some(user_id.into()),
        category: Some(category.into()),
        name: Some(name.into()),
        value: Some(value.into()),
    }
}

#[tokio::test]
async fn saving_reading_and_deleting_preferences() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let other = server.user(&admin, "other").await;
    let me = user.id().to_owned();
    let saved = vec![
        pref(&me, "display_settings", "use_military_time", "true"),
        pref(&me, "display_settings", "channel_display_mode", "full"),
        pref(&me, "tutorial_step", &me, "999"),
    ];
    user.client.update_preferences("me", &saved).await.unwrap();
    // Saving again replaces the value.
    let changed = vec![pref(&me, "display_settings", "use_military_time", "false")];
    user.client
        .update_preferences("me", &changed)
        .await
        .unwrap();
    let all = user
        .client
        .get_preferences("me")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.len(), 3);
    let display = user
        .client
        .get_preferences_by_category("me", "display_settings")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(display.len(), 2);
    let one = user
        .client
        .get_preferences_by_category_by_name("me", "display_settings", "use_military_time")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.value.as_deref(), Some("false"));
    assert!(
        user.client
            .get_preferences_by_category("me", "nothing")
            .await
            .unwrap()
            .into_inner()
            .is_empty()
    );
    assert_fails(
        user.client
            .get_preferences_by_category_by_name("me", "display_settings", "unset")
            .await,
        400,
        "app.preference.get.app_error",
    )
    .await;
    user.client
        .delete_preferences("me", &changed)
        .await
        .unwrap();
    assert_eq!(
        user.client
            .get_preferences("me")
            .await
            .unwrap()
            .into_inner()
            .len(),
        2
    );

    // Someone else's: edit_other_users; a preference naming another user is refused.
    assert_fails(other.client.get_preferences(&me).await, 403, FORBIDDEN).await;
    assert_fails(
        other.client.update_preferences(&me, &saved).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        other.client.update_preferences("me", &saved).await,
        403,
        "api.preference.update_preferences.set.app_error",
    )
    .await;
    assert_fails(
        other.client.delete_preferences("me", &saved).await,
        403,
        "api.preference.delete_preferences.delete.app_error",
    )
    .await;
    admin.client.get_preferences(&me).await.unwrap();
    assert_fails(
        server.anonymous().get_preferences(&me).await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
    assert_fails(
        user.client.get_preferences("junk").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;

    // Validation, and nothing of a refused batch is kept.
    let long_name = "n".repeat(33);
    for (bad, id) in [
        (
            pref(&me, "", "x", "v"),
            "model.preference.is_valid.category.app_error",
        ),
        (
            pref(&me, "c", &long_name, "v"),
            "model.preference.is_valid.name.app_error",
        ),
        (
            pref(&me, "c", "x", &"v".repeat(2001)),
            "model.preference.is_valid.value.app_error",
        ),
        (
            pref(&me, "theme", "", "not json"),
            "model.preference.is_valid.theme.app_error",
        ),
    ] {
        let batch = vec![pref(&me, "ok", "kept", "1"), bad];
        assert_fails(user.client.update_preferences("me", &batch).await, 400, id).await;
    }
    assert_fails(
        user.client
            .get_preferences_by_category_by_name("me", "ok", "kept")
            .await,
        400,
        "app.preference.get.app_error",
    )
    .await;
    assert_fails(
        user.client.update_preferences("me", &Vec::new()).await,
        400,
        "api.context.invalid_body_param.app_error",
    )
    .await;
}

#[tokio::test]
async fn flagging_a_post_takes_reading_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let team = admin
        .client
        .create_team(&types::CreateTeamBody {
            name: "flags".into(),
            display_name: "Flags".into(),
            type_: "I".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let square = admin
        .client
        .get_channel_by_name(&team, "town-square", None)
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let post = admin
        .client
        .create_post(
            None,
            &types::CreatePostBody {
                channel_id: square,
                message: "secret".into(),
                root_id: None,
                file_ids: Vec::new(),
                metadata: None,
                props: serde_json::Map::new(),
                pending_post_id: None,
            },
        )
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let flag = vec![pref(user.id(), "flagged_post", &post, "true")];
    assert_fails(
        user.client.update_preferences("me", &flag).await,
        403,
        FORBIDDEN,
    )
    .await;
    let own_flag = vec![pref(admin.id(), "flagged_post", &post, "true")];
    admin
        .client
        .update_preferences("me", &own_flag)
        .await
        .unwrap();
    let flagged = admin
        .client
        .get_flagged_posts_for_user("me", None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(flagged.order, std::slice::from_ref(&post));
    let in_other_team = admin
        .client
        .get_flagged_posts_for_user("me", None, None, None, Some(&ferromost::ids::new_id()))
        .await
        .unwrap()
        .into_inner();
    assert!(in_other_team.order.is_empty());
    assert_fails(
        user.client
            .get_flagged_posts_for_user(admin.id(), None, None, None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let unknown = vec![pref(
        user.id(),
        "flagged_post",
        &ferromost::ids::new_id(),
        "true",
    )];
    assert_fails(
        user.client.update_preferences("me", &unknown).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
}
