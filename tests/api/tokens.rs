//! Personal access tokens: the setting, the three permissions, the value shown once, and
//! that a revoked or disabled token, or one whose owner is deactivated, fails at once.

use crate::common::{Account, TestServer, assert_fails, assert_logged_out};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn describe(text: &str) -> types::CreateUserAccessTokenBody {
    types::CreateUserAccessTokenBody {
        description: text.to_owned(),
    }
}

/// A server with tokens on, its admin, and a basic user holding system_user_access_token.
async fn setup() -> (TestServer, Account, Account) {
    let server =
        TestServer::start_with(|c| c.service_settings.enable_user_access_tokens = true).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let roles = types::UpdateUserRolesBody {
        roles: "system_user system_user_access_token".into(),
    };
    admin
        .client
        .update_user_roles(user.id(), &roles)
        .await
        .unwrap();
    (server, admin, user)
}

#[tokio::test]
async fn tokens_are_off_by_default() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    assert_fails(
        admin
            .client
            .create_user_access_token(admin.id(), &describe("ci"))
            .await,
        501,
        "app.user_access_token.disabled",
    )
    .await;
}

#[tokio::test]
async fn a_token_authenticates_like_a_session_until_revoked() {
    let (server, admin, user) = setup().await;
    let created = user
        .client
        .create_user_access_token("me", &describe("bot script"))
        .await
        .unwrap();
    let created = created.into_inner();
    let value = created.token.clone().unwrap();
    assert_eq!(value.len(), 26);
    let by_token = server.client_with_token(&value);
    let me = by_token.get_user("me").await.unwrap().into_inner();
    assert_eq!(me.id.as_deref(), Some(user.id()));
    // Listing never shows the value.
    let listed = user
        .client
        .get_user_access_tokens_for_user("me", None, None)
        .await
        .unwrap();
    let listed = serde_json::to_string(&listed.into_inner()).unwrap();
    assert!(!listed.contains(&value) && listed.contains("bot script"));
    // Disabled: fails at once; enabled again: works.
    let id = created.id.clone().unwrap();
    user.client
        .disable_user_access_token(&types::DisableUserAccessTokenBody {
            token_id: id.clone(),
        })
        .await
        .unwrap();
    assert_logged_out(&by_token).await;
    user.client
        .enable_user_access_token(&types::EnableUserAccessTokenBody {
            token_id: id.clone(),
        })
        .await
        .unwrap();
    by_token.get_user("me").await.unwrap();
    // Revoked: fails at once, and is gone.
    user.client
        .revoke_user_access_token(&types::RevokeUserAccessTokenBody {
            token_id: id.clone(),
        })
        .await
        .unwrap();
    assert_logged_out(&by_token).await;
    assert_fails(
        admin.client.get_user_access_token(&id).await,
        404,
        "app.user_access_token.invalid_or_missing",
    )
    .await;
}

#[tokio::test]
async fn token_permissions() {
    let (server, admin, user) = setup().await;
    let plain = server.user(&admin, "plain").await;
    // Without system_user_access_token a basic user has none of the permissions.
    assert_fails(
        plain
            .client
            .create_user_access_token("me", &describe("x"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        plain
            .client
            .get_user_access_tokens_for_user("me", None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // Someone else's tokens need edit_other_users too.
    assert_fails(
        user.client
            .create_user_access_token(plain.id(), &describe("x"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let theirs = admin
        .client
        .create_user_access_token(plain.id(), &describe("by admin"))
        .await
        .unwrap();
    let theirs_id = theirs.into_inner().id.unwrap();
    assert_fails(
        user.client.get_user_access_token(&theirs_id).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        user.client
            .revoke_user_access_token(&types::RevokeUserAccessTokenBody {
                token_id: theirs_id.clone(),
            })
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // Listing all and searching are for manage_system.
    assert_fails(
        user.client.get_user_access_tokens(None, None).await,
        403,
        FORBIDDEN,
    )
    .await;
    let term = types::SearchUserAccessTokensBody {
        term: "plain".into(),
    };
    assert_fails(
        user.client.search_user_access_tokens(&term).await,
        403,
        FORBIDDEN,
    )
    .await;
    let found = admin
        .client
        .search_user_access_tokens(&term)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.len(), 1);
    assert_eq!(
        admin
            .client
            .get_user_access_tokens(None, None)
            .await
            .unwrap()
            .into_inner()
            .len(),
        1
    );
    assert_fails(
        user.client
            .create_user_access_token("me", &describe(""))
            .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    assert_fails(
        user.client.get_user_access_token("junk").await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
}

#[tokio::test]
async fn deactivating_the_owner_or_turning_tokens_off_stops_them() {
    let (server, admin, user) = setup().await;
    let value = user
        .client
        .create_user_access_token("me", &describe("t"))
        .await
        .unwrap()
        .into_inner()
        .token
        .unwrap();
    let by_token = server.client_with_token(&value);
    by_token.get_user("me").await.unwrap();
    // Turning the setting off stops a token already in use.
    server.configure(|c| c.service_settings.enable_user_access_tokens = false);
    assert_logged_out(&by_token).await;
    server.configure(|c| c.service_settings.enable_user_access_tokens = true);
    by_token.get_user("me").await.unwrap();
    // Deactivating the owner stops it for good, even after a cache would have kept it.
    admin
        .client
        .update_user_active(user.id(), &types::UpdateUserActiveBody { active: false })
        .await
        .unwrap();
    assert_logged_out(&by_token).await;
}

#[tokio::test]
async fn a_new_token_used_by_many_requests_at_once_makes_one_session() {
    let (server, _admin, user) = setup().await;
    let token = user
        .client
        .create_user_access_token("me", &describe("burst"))
        .await
        .unwrap()
        .into_inner()
        .token
        .unwrap();
    // Each request finds no session for the token and makes one: the first stored serves
    // them all (before, the others failed on the token's uniqueness with a 500).
    let statuses = server
        .race_as("GET", "/users/me", Some(&token), vec![None; 8])
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}
