//! The account cache: reads of a user come from memory once warm, every change through the
//! API is seen at once (on this node and, on PostgreSQL, on the others), and the audit mode
//! the tests run in catches a change that bypassed it.

use crate::common::{TestServer, eventually};
use ferromost_client::types;
use sea_orm::ConnectionTrait;

fn patch_nickname(nickname: &str) -> types::PatchUserBody {
    types::PatchUserBody {
        nickname: Some(nickname.to_owned()),
        ..Default::default()
    }
}

async fn nickname(client: &ferromost_client::Client, id: &str) -> String {
    let user = client.get_user(id).await.unwrap().into_inner();
    user.nickname.unwrap_or_default()
}

#[tokio::test]
async fn reads_come_from_the_cache_and_changes_are_seen_at_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    server.state.accounts().clear();
    assert_eq!(nickname(&user.client, "me").await, "");
    assert!(
        !server.state.accounts().is_empty(),
        "the read was not cached"
    );
    // Changed by the user, by an admin, deactivated: every read after sees it.
    user.client
        .patch_user("me", &patch_nickname("first"))
        .await
        .unwrap();
    assert_eq!(nickname(&user.client, "me").await, "first");
    admin
        .client
        .patch_user(user.id(), &patch_nickname("second"))
        .await
        .unwrap();
    assert_eq!(nickname(&user.client, "me").await, "second");
    assert_eq!(nickname(&admin.client, user.id()).await, "second");
    admin
        .client
        .update_user_active(user.id(), &types::UpdateUserActiveBody { active: false })
        .await
        .unwrap();
    let shown = admin.client.get_user(user.id()).await.unwrap().into_inner();
    assert_ne!(shown.delete_at, Some(0));
    assert!(user.client.get_user("me").await.is_err());
}

#[tokio::test]
async fn the_audit_mode_catches_a_change_that_did_not_forget() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    assert_eq!(nickname(&user.client, "me").await, "");
    // Behind the cache's back, as a write that forgot to forget would.
    server
        .state
        .db()
        .execute_unprepared(&format!(
            "UPDATE users SET nickname = 'sneaky' WHERE id = '{}'",
            user.id()
        ))
        .await
        .unwrap();
    let answer = server
        .http()
        .get(server.api("/users/me"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 500);
}

#[tokio::test]
async fn a_change_on_one_node_is_seen_on_every_node() {
    let node_a = TestServer::start_postgres().await;
    let node_b = node_a.second_node().await;
    let admin = node_a.admin().await;
    let user = node_a.user(&admin, "basic").await;
    let on_b = node_b.client_with_token(&user.token);
    assert_eq!(nickname(&on_b, "me").await, "");
    admin
        .client
        .patch_user(user.id(), &patch_nickname("moved"))
        .await
        .unwrap();
    let seen = eventually(|| {
        let on_b = &on_b;
        async move { nickname(on_b, "me").await == "moved" }
    })
    .await;
    assert!(seen, "node B still shows the account as it was");
}
