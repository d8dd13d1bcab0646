//! Acknowledgements of posts: one's own (or as an admin for someone), in a channel one can
//! read, taken back within five minutes; the channel hears of both.

use crate::common::{TestServer, assert_fails, make_channel, make_team};
use crate::websocket::{
    connect, events_until_pong, expect_hello, join_channel, join_team, named, request,
};
use serde_json::{Value, json};

const FORBIDDEN: &str = "api.context.permissions.app_error";

#[tokio::test]
async fn acknowledging_a_post_and_taking_it_back() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "acker").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "acks", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &outsider).await;
    let channel = make_channel(&admin, &team, "notices", "P").await;
    join_channel(&admin, &channel, &member).await;
    let post = request(
        &server,
        &admin,
        "POST",
        "/posts".into(),
        json!({"channel_id": channel, "message": "read me"}),
    )
    .await;
    let post_id = post["id"].as_str().unwrap().to_owned();
    let mut admin_ws = connect(&server, &admin).await;
    expect_hello(&mut admin_ws, admin.id()).await;
    // One's own, in a channel one can read.
    let ack = member
        .client
        .save_acknowledgement_for_post(member.id(), &post_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ack.user_id.as_deref(), Some(member.id()));
    assert!(ack.acknowledged_at.unwrap() > 0);
    let heard = events_until_pong(&mut admin_ws, 1).await;
    let added = named(&heard, "post_acknowledgement_added");
    assert_eq!(added.len(), 1, "{heard:?}");
    let carried: Value =
        serde_json::from_str(added[0]["data"]["acknowledgement"].as_str().unwrap()).unwrap();
    assert_eq!(carried["post_id"], post_id.as_str());
    // Not someone else's, not in a channel one cannot read.
    assert_fails(
        member
            .client
            .save_acknowledgement_for_post(admin.id(), &post_id)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        outsider
            .client
            .save_acknowledgement_for_post(outsider.id(), &post_id)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // Taken back; a second time there is nothing to take back.
    member
        .client
        .delete_acknowledgement_for_post(member.id(), &post_id)
        .await
        .unwrap();
    let heard = events_until_pong(&mut admin_ws, 2).await;
    assert_eq!(
        named(&heard, "post_acknowledgement_removed").len(),
        1,
        "{heard:?}"
    );
    assert_fails(
        member
            .client
            .delete_acknowledgement_for_post(member.id(), &post_id)
            .await,
        404,
        "app.acknowledgement.get.app_error",
    )
    .await;
    // After five minutes it stays.
    member
        .client
        .save_acknowledgement_for_post(member.id(), &post_id)
        .await
        .unwrap();
    {
        use sea_orm::{ConnectionTrait, Statement};
        let db = server.state.db();
        let sql = "UPDATE post_acknowledgements SET acknowledged_at = acknowledged_at - 600000";
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
    }
    assert_fails(
        member
            .client
            .delete_acknowledgement_for_post(member.id(), &post_id)
            .await,
        403,
        "api.acknowledgement.delete.deadline.app_error",
    )
    .await;
}
