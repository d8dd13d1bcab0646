//! Reactions: reacting as oneself where one may, reading them singly and in bulk, and
//! removing one's own (others' only with remove_others_reactions).

use crate::common::{Account, TestServer, assert_fails};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn reaction(user: &Account, post_id: &str, emoji: &str) -> types::Reaction {
    types::Reaction {
        user_id: Some(user.id().to_owned()),
        post_id: Some(post_id.to_owned()),
        emoji_name: Some(emoji.to_owned()),
        create_at: None,
    }
}

#[tokio::test]
async fn reacting_and_unreacting() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = admin
        .client
        .create_team(&types::CreateTeamBody {
            name: "reacting".into(),
            display_name: "Reacting".into(),
            type_: "I".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let body = types::AddTeamMemberBody {
        team_id: Some(team.clone()),
        user_id: Some(member.id().to_owned()),
    };
    admin.client.add_team_member(&team, &body).await.unwrap();
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
                channel_id: square.clone(),
                message: "react to me".into(),
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
    let saved = member
        .client
        .save_reaction(&reaction(&member, &post, "+1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(saved.emoji_name.as_deref(), Some("+1"));
    member
        .client
        .save_reaction(&reaction(&member, &post, "+1"))
        .await
        .unwrap();
    admin
        .client
        .save_reaction(&reaction(&admin, &post, "tada"))
        .await
        .unwrap();
    let all = member
        .client
        .get_reactions(&post)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.len(), 2, "the same reaction twice counts once");
    // Only as oneself, only where one may read and react, only real emoji names.
    assert_fails(
        member
            .client
            .save_reaction(&reaction(&admin, &post, "smile"))
            .await,
        403,
        "api.reaction.save_reaction.user_id.app_error",
    )
    .await;
    assert_fails(
        outsider
            .client
            .save_reaction(&reaction(&outsider, &post, "smile"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(outsider.client.get_reactions(&post).await, 403, FORBIDDEN).await;
    assert_fails(
        member
            .client
            .save_reaction(&reaction(&member, &post, "no spaces"))
            .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    assert_fails(
        member
            .client
            .save_reaction(&reaction(&member, &ferromost::ids::new_id(), "smile"))
            .await,
        404,
        "app.post.get.app_error",
    )
    .await;
    // Bulk: every readable post appears.
    let bulk = member
        .client
        .get_bulk_reactions(&vec![post.clone()])
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bulk.0[&post].len(), 2);
    let hidden = outsider
        .client
        .get_bulk_reactions(&vec![post.clone()])
        .await
        .unwrap()
        .into_inner();
    assert!(hidden.0.is_empty());
    // Removing: one's own; someone else's takes remove_others_reactions.
    assert_fails(
        member
            .client
            .delete_reaction(admin.id(), &post, "tada")
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    member
        .client
        .delete_reaction("me", &post, "+1")
        .await
        .unwrap_or_else(|_| panic!("own reaction"));
    admin
        .client
        .delete_reaction(admin.id(), &post, "tada")
        .await
        .unwrap();
    assert!(
        member
            .client
            .get_reactions(&post)
            .await
            .unwrap()
            .into_inner()
            .is_empty()
    );
    // Archived channels take no reactions.
    let room = admin
        .client
        .create_channel(&types::CreateChannelBody {
            team_id: team,
            name: "room".into(),
            display_name: "Room".into(),
            type_: "O".into(),
            purpose: None,
            header: None,
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let late = admin
        .client
        .create_post(
            None,
            &types::CreatePostBody {
                channel_id: room.clone(),
                message: "soon archived".into(),
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
    admin.client.delete_channel(&room).await.unwrap();
    assert_fails(
        admin
            .client
            .save_reaction(&reaction(&admin, &late, "smile"))
            .await,
        400,
        "api.reaction.save.archived_channel.app_error",
    )
    .await;
}
