//! Channel bookmarks: links and files, editing one's own and another's, deleting,
//! reordering, the `since` list, who may do what in public, private, direct and group
//! channels, the cap, bookmarks made at once, and the events the channel hears.

use crate::common::{Account, TestServer, assert_app_error, assert_fails, make_channel, make_team};
use crate::websocket::{connect, events_until_pong, expect_hello, join_channel, join_team, named};
use ferromost_client::types;
use serde_json::Value;

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn link(name: &str, url: &str) -> types::CreateChannelBookmarkBody {
    types::CreateChannelBookmarkBody {
        display_name: name.to_owned(),
        link_url: Some(url.to_owned()),
        type_: types::CreateChannelBookmarkBodyType::Link,
        emoji: None,
        file_id: None,
        image_url: None,
    }
}

async fn add(who: &Account, channel: &str, name: &str) -> types::ChannelBookmarkWithFileInfo {
    who.client
        .create_channel_bookmark(channel, &link(name, "https://example.com/"))
        .await
        .unwrap()
        .into_inner()
}

async fn names(who: &Account, channel: &str) -> Vec<String> {
    who.client
        .list_channel_bookmarks_for_channel(channel, None)
        .await
        .unwrap()
        .into_inner()
        .into_iter()
        .map(|b| b.display_name.unwrap())
        .collect()
}

/// Uploads `bytes` for the channel's bookmarks (`?bookmark=true`); answers the file id.
async fn bookmark_file(server: &TestServer, who: &Account, channel: &str, bytes: &[u8]) -> String {
    let reply: Value = server
        .http()
        .post(server.api(&format!(
            "/files?channel_id={channel}&filename=notes.txt&bookmark=true"
        )))
        .bearer_auth(&who.token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["file_infos"][0]["user_id"], "bookmark", "{reply}");
    reply["file_infos"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn links_files_edits_deletes_and_order() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "marks", "O").await;
    let channel = make_channel(&admin, &team, "marked", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &outsider).await;
    join_channel(&admin, &channel, &member).await;
    let docs = add(&member, &channel, "Docs").await;
    assert_eq!(docs.sort_order, Some(0));
    assert_eq!(docs.owner_id.as_deref(), Some(member.id()));
    assert_eq!(docs.link_url.as_deref(), Some("https://example.com/"));
    add(&member, &channel, "Wiki").await;
    // A file bookmark takes a file uploaded for bookmarks of this channel.
    let file_id = bookmark_file(&server, &member, &channel, b"meeting notes").await;
    let body = types::CreateChannelBookmarkBody {
        display_name: "Notes".into(),
        file_id: Some(file_id.clone()),
        type_: types::CreateChannelBookmarkBodyType::File,
        emoji: Some(":memo:".into()),
        link_url: None,
        image_url: None,
    };
    let notes = member
        .client
        .create_channel_bookmark(&channel, &body)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(notes.sort_order, Some(2));
    let file = notes.file.as_ref().unwrap();
    assert_eq!(
        (file.name.as_deref(), file.size),
        (Some("notes.txt"), Some(13))
    );
    // ...once: a second bookmark of the same file is refused.
    assert_fails(
        member.client.create_channel_bookmark(&channel, &body).await,
        400,
        "app.channel.bookmark.save.app_error",
    )
    .await;
    // The bookmark's file is read as the channel's content.
    let reply = server
        .http()
        .get(server.api(&format!("/files/{file_id}")))
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.bytes().await.unwrap().as_ref(), b"meeting notes");
    let reply = server
        .http()
        .get(server.api(&format!("/files/{file_id}")))
        .bearer_auth(&outsider.token)
        .send()
        .await
        .unwrap();
    assert_app_error(reply, 403, FORBIDDEN).await;
    // An ordinary upload (one's own, not the channel's bookmarks') is not taken.
    let own: Value = server
        .http()
        .post(server.api(&format!("/files?channel_id={channel}&filename=mine.txt")))
        .bearer_auth(&member.token)
        .body("mine")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut not_for_bookmarks = body.clone();
    not_for_bookmarks.file_id = Some(own["file_infos"][0]["id"].as_str().unwrap().to_owned());
    assert_fails(
        member
            .client
            .create_channel_bookmark(&channel, &not_for_bookmarks)
            .await,
        400,
        "model.channel_bookmark.is_valid.file_id.missing_or_invalid.app_error",
    )
    .await;
    // Field rules.
    for (bad, id) in [
        (
            link("Bad", "ftp://example.com"),
            "model.channel_bookmark.is_valid.link_url.missing_or_invalid.app_error",
        ),
        (
            link("", "https://example.com"),
            "model.channel_bookmark.is_valid.display_name.app_error",
        ),
    ] {
        assert_fails(
            member.client.create_channel_bookmark(&channel, &bad).await,
            400,
            id,
        )
        .await;
    }
    assert_eq!(names(&member, &channel).await, ["Docs", "Wiki", "Notes"]);
    // Reordering: Notes first.
    let sorted = member
        .client
        .update_channel_bookmark_sort_order(&channel, notes.id.as_deref().unwrap(), 0)
        .await
        .unwrap()
        .into_inner();
    let order: Vec<_> = sorted
        .iter()
        .map(|b| (b.display_name.clone().unwrap(), b.sort_order.unwrap()))
        .collect();
    assert_eq!(
        order,
        [("Notes".into(), 0), ("Docs".into(), 1), ("Wiki".into(), 2)]
    );
    assert_eq!(names(&member, &channel).await, ["Notes", "Docs", "Wiki"]);
    assert_fails(
        member
            .client
            .update_channel_bookmark_sort_order(&channel, notes.id.as_deref().unwrap(), 3)
            .await,
        400,
        "app.channel.bookmark.update_sort.invalid_input.app_error",
    )
    .await;
    // Editing one's own changes it in place.
    let patch = types::UpdateChannelBookmarkBody {
        display_name: Some("Documentation".into()),
        ..Default::default()
    };
    let docs_id = docs.id.clone().unwrap();
    let edited = member
        .client
        .update_channel_bookmark(&channel, &docs_id, &patch)
        .await
        .unwrap()
        .into_inner();
    assert!(edited.deleted.is_none());
    let updated = edited.updated.unwrap();
    assert_eq!(
        (updated.id.as_deref(), updated.display_name.as_deref()),
        (Some(docs_id.as_str()), Some("Documentation"))
    );
    // Another's: replaced by the editor's copy, which names the original.
    let patch = types::UpdateChannelBookmarkBody {
        link_url: Some("https://example.org/".into()),
        ..Default::default()
    };
    let edited = admin
        .client
        .update_channel_bookmark(&channel, &docs_id, &patch)
        .await
        .unwrap()
        .into_inner();
    let (updated, deleted) = (edited.updated.unwrap(), edited.deleted.unwrap());
    assert_eq!(deleted.id.as_deref(), Some(docs_id.as_str()));
    assert!(deleted.delete_at.unwrap() > 0);
    assert_eq!(updated.original_id.as_deref(), Some(docs_id.as_str()));
    assert_eq!(updated.owner_id.as_deref(), Some(admin.id()));
    assert_eq!(updated.sort_order, Some(1), "the copy keeps the place");
    assert_fails(
        member
            .client
            .update_channel_bookmark(&channel, &docs_id, &patch)
            .await,
        404,
        "app.channel.bookmark.get.app_error",
    )
    .await;
    // Since a time: what changed, deleted ones too.
    let since = updated.update_at.unwrap();
    let changed = member
        .client
        .list_channel_bookmarks_for_channel(&channel, Some(since))
        .await
        .unwrap()
        .into_inner();
    let mut ids: Vec<_> = changed.iter().map(|b| b.id.clone().unwrap()).collect();
    ids.sort();
    let mut expected = vec![docs_id.clone(), updated.id.clone().unwrap()];
    expected.sort();
    assert_eq!(ids, expected);
    // Deleting answers the bookmark as deleted, and the file goes with it.
    let gone = member
        .client
        .delete_channel_bookmark(&channel, notes.id.as_deref().unwrap())
        .await
        .unwrap()
        .into_inner();
    assert!(gone.delete_at.unwrap() > 0);
    assert_eq!(gone.file.unwrap().id.as_deref(), Some(file_id.as_str()));
    assert_fails(
        member.client.get_file_info(&file_id).await,
        404,
        "app.file_info.get.app_error",
    )
    .await;
    assert_eq!(names(&member, &channel).await, ["Documentation", "Wiki"]);
    // A bookmark named under another channel's path.
    let other = make_channel(&admin, &team, "elsewhere", "O").await;
    assert_fails(
        admin.client.delete_channel_bookmark(&other, &docs_id).await,
        404,
        "app.channel.bookmark.get.app_error",
    )
    .await;
    let wiki = member
        .client
        .list_channel_bookmarks_for_channel(&channel, None)
        .await
        .unwrap()
        .into_inner()
        .pop()
        .unwrap();
    assert_fails(
        admin
            .client
            .delete_channel_bookmark(&other, wiki.id.as_deref().unwrap())
            .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
}

#[tokio::test]
async fn who_may_change_bookmarks() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "rights", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &outsider).await;
    let private = make_channel(&admin, &team, "secret", "P").await;
    join_channel(&admin, &private, &member).await;
    let mark = add(&member, &private, "Inside").await;
    let mark_id = mark.id.as_deref().unwrap();
    // Someone outside a private channel can neither read nor change its bookmarks.
    assert_fails(
        outsider
            .client
            .list_channel_bookmarks_for_channel(&private, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        outsider
            .client
            .create_channel_bookmark(&private, &link("Sneaky", "https://example.com/"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        outsider
            .client
            .delete_channel_bookmark(&private, mark_id)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        outsider
            .client
            .update_channel_bookmark_sort_order(&private, mark_id, 0)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // Without the channel role's permission a member cannot either.
    let role = admin
        .client
        .get_role_by_name("channel_user")
        .await
        .unwrap()
        .into_inner();
    let without: Vec<String> = role
        .permissions
        .iter()
        .filter(|p| !p.contains("bookmark_private"))
        .cloned()
        .collect();
    admin
        .client
        .patch_role(
            role.id.as_deref().unwrap(),
            &types::PatchRoleBody {
                permissions: without,
            },
        )
        .await
        .unwrap();
    assert_fails(
        member
            .client
            .create_channel_bookmark(&private, &link("Again", "https://example.com/"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // Direct channels: the two members, never a third.
    let direct = admin
        .client
        .create_direct_channel(&[admin.id().to_owned(), member.id().to_owned()])
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    add(&member, &direct, "Ours").await;
    assert_fails(
        outsider
            .client
            .create_channel_bookmark(&direct, &link("Theirs", "https://example.com/"))
            .await,
        403,
        "api.channel.bookmark.create_channel_bookmark.direct_or_group_channels.forbidden.app_error",
    )
    .await;
    // Anonymous: 401.
    let response = server
        .http()
        .get(server.api(&format!("/channels/{direct}/bookmarks")))
        .send()
        .await
        .unwrap();
    assert_app_error(response, 401, "api.context.session_expired.app_error").await;
}

#[tokio::test]
async fn the_cap_and_bookmarks_made_at_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let team = make_team(&admin, "busy", "O").await;
    let channel = make_channel(&admin, &team, "crowded", "O").await;
    let body = serde_json::json!({"display_name": "Racer", "type": "link", "link_url": "https://example.com/"});
    let path = format!("/channels/{channel}/bookmarks");
    let statuses = server
        .race_as("POST", &path, Some(&admin.token), vec![Some(body); 60])
        .await;
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 400),
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 50);
    let listed = admin
        .client
        .list_channel_bookmarks_for_channel(&channel, None)
        .await
        .unwrap()
        .into_inner();
    let mut places: Vec<_> = listed.iter().map(|b| b.sort_order.unwrap()).collect();
    places.sort_unstable();
    assert_eq!(
        places,
        (0..50).collect::<Vec<_>>(),
        "each made at once has its own place"
    );
    assert_fails(
        admin
            .client
            .create_channel_bookmark(&channel, &link("One more", "https://example.com/"))
            .await,
        400,
        "app.channel.bookmark.save.app_error",
    )
    .await;
}

#[tokio::test]
async fn the_channel_hears_of_bookmarks_but_the_connection_that_made_them() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "listener").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "heard", "O").await;
    let channel = make_channel(&admin, &team, "marks", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &outsider).await;
    join_channel(&admin, &channel, &member).await;
    let mut admin_ws = connect(&server, &admin).await;
    let connection = expect_hello(&mut admin_ws, admin.id()).await;
    let mut member_ws = connect(&server, &member).await;
    expect_hello(&mut member_ws, member.id()).await;
    let mut outsider_ws = connect(&server, &outsider).await;
    expect_hello(&mut outsider_ws, outsider.id()).await;
    let made: Value = server
        .http()
        .post(server.api(&format!("/channels/{channel}/bookmarks")))
        .bearer_auth(&admin.token)
        .header("Connection-Id", &connection)
        .json(&serde_json::json!({"display_name": "Heard", "type": "link", "link_url": "https://example.com/"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let heard = events_until_pong(&mut member_ws, 1).await;
    let created = named(&heard, "channel_bookmark_created");
    assert_eq!(created.len(), 1, "{heard:?}");
    let carried: Value =
        serde_json::from_str(created[0]["data"]["bookmark"].as_str().unwrap()).unwrap();
    assert_eq!(carried["id"], made["id"]);
    assert_eq!(created[0]["broadcast"]["channel_id"], channel.as_str());
    assert_eq!(
        created[0]["broadcast"]["omit_connection_id"],
        connection.as_str()
    );
    assert!(
        named(
            &events_until_pong(&mut admin_ws, 1).await,
            "channel_bookmark_created"
        )
        .is_empty()
    );
    assert!(
        named(
            &events_until_pong(&mut outsider_ws, 1).await,
            "channel_bookmark_created"
        )
        .is_empty()
    );
    // Sorting and deleting are heard too (this time by the maker's socket as well).
    let id = made["id"].as_str().unwrap();
    admin
        .client
        .update_channel_bookmark_sort_order(&channel, id, 0)
        .await
        .unwrap();
    admin
        .client
        .delete_channel_bookmark(&channel, id)
        .await
        .unwrap();
    let heard = events_until_pong(&mut admin_ws, 2).await;
    let sorted = named(&heard, "channel_bookmark_sorted");
    assert_eq!(sorted.len(), 1, "{heard:?}");
    let list: Value =
        serde_json::from_str(sorted[0]["data"]["bookmarks"].as_str().unwrap()).unwrap();
    assert_eq!(list[0]["id"], made["id"]);
    assert_eq!(named(&heard, "channel_bookmark_deleted").len(), 1);
}
