//! Custom emoji: creating one (name rules, the clash with system emoji, the image checks,
//! permissions, the setting), reading them every way, using one as a reaction, deleting
//! one (and its reactions), and `emoji_added` reaching everyone.

use crate::common::{Account, TestServer, app_error, assert_app_error, assert_fails, make_team};
use crate::images::png;
use crate::websocket::{connect, events_until_pong, expect_hello, join_team, named, request};
use ferromost_client::{Upload, types};
use serde_json::json;

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn named_emoji(name: &str, creator: &Account) -> types::Emoji {
    types::Emoji {
        name: Some(name.to_owned()),
        creator_id: Some(creator.id().to_owned()),
        ..Default::default()
    }
}

async fn create(who: &Account, name: &str, image: Vec<u8>) -> types::Emoji {
    who.client
        .create_emoji(Upload::new("e.png", image), &named_emoji(name, who))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn creating_reading_and_deleting() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "emojier").await;
    let other = server.user(&admin, "other").await;
    let created = create(&user, "party_parrot", png(64, 64)).await;
    let id = created.id.clone().unwrap();
    assert_eq!(created.creator_id.as_deref(), Some(user.id()));
    assert_eq!(created.delete_at, Some(0));
    // Name rules: taken, a system emoji's, malformed; and only as oneself.
    for (name, id) in [
        ("party_parrot", "api.emoji.create.duplicate.app_error"),
        ("smile", "model.emoji.system_emoji_name.app_error"),
        ("+1", "model.emoji.system_emoji_name.app_error"),
        ("has space", "model.emoji.name.app_error"),
        ("", "model.emoji.name.app_error"),
    ] {
        assert_fails(
            user.client
                .create_emoji(Upload::new("e.png", png(8, 8)), &named_emoji(name, &user))
                .await,
            400,
            id,
        )
        .await;
    }
    assert_fails(
        user.client
            .create_emoji(
                Upload::new("e.png", png(8, 8)),
                &named_emoji("as_other", &other),
            )
            .await,
        403,
        "api.emoji.create.other_user.app_error",
    )
    .await;
    // The image: an image, at most 1028 on a side; large ones are scaled to fit 128.
    assert_fails(
        user.client
            .create_emoji(
                Upload::new("e.png", b"not an image".to_vec()),
                &named_emoji("broken", &user),
            )
            .await,
        400,
        "api.emoji.upload.image.app_error",
    )
    .await;
    assert_fails(
        user.client
            .create_emoji(
                Upload::new("e.png", png(1100, 10)),
                &named_emoji("huge", &user),
            )
            .await,
        400,
        "api.emoji.upload.large_image.too_large.app_error",
    )
    .await;
    let big = create(&user, "big_one", png(400, 200)).await;
    let reply = server
        .http()
        .get(server.api(&format!("/emoji/{}/image", big.id.as_deref().unwrap())))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "image/png");
    assert_eq!(reply.headers()["cache-control"], "max-age=2592000, private");
    let scaled = image::load_from_memory(&reply.bytes().await.unwrap()).unwrap();
    assert_eq!((scaled.width(), scaled.height()), (128, 64));
    // A body over 512 KiB is refused before it is read.
    let response = server
        .http()
        .post(server.api("/emoji"))
        .bearer_auth(&user.token)
        .multipart(
            reqwest::multipart::Form::new()
                .text(
                    "emoji",
                    json!({"name": "heavy", "creator_id": user.id()}).to_string(),
                )
                .part(
                    "image",
                    reqwest::multipart::Part::bytes(vec![0u8; 600 * 1024]).file_name("e.png"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_app_error(response, 413, "api.emoji.create.too_large.app_error").await;
    // Reading: by id, by name, by names (system names left out), the list, search,
    // autocomplete; everyone with a session.
    let got = other.client.get_emoji(&id).await.unwrap().into_inner();
    assert_eq!(got.name.as_deref(), Some("party_parrot"));
    let got = other
        .client
        .get_emoji_by_name("party_parrot")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.id.as_deref(), Some(id.as_str()));
    assert_fails(
        other.client.get_emoji_by_name("nothing_here").await,
        404,
        "app.emoji.get_by_name.no_result",
    )
    .await;
    assert_fails(
        other.client.get_emoji("abcdefghijklmnopqrstuvwxyz").await,
        404,
        "app.emoji.get.no_result",
    )
    .await;
    let names = vec![
        "party_parrot".to_owned(),
        "smile".to_owned(),
        "nope".to_owned(),
    ];
    let by_names = other
        .client
        .get_emojis_by_names(&names)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_names.len(), 1);
    let list = other
        .client
        .get_emoji_list(None, None, Some("name"))
        .await
        .unwrap()
        .into_inner();
    let listed: Vec<_> = list.iter().filter_map(|e| e.name.as_deref()).collect();
    assert_eq!(listed, ["big_one", "party_parrot"]);
    let page = other
        .client
        .get_emoji_list(Some(1), Some(1), Some("name"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page[0].name.as_deref(), Some("party_parrot"));
    assert_fails(
        other.client.get_emoji_list(None, None, Some("age")).await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    let search = |term: &str, prefix_only| types::SearchEmojiBody {
        term: term.to_owned(),
        prefix_only: Some(prefix_only),
    };
    let found = other
        .client
        .search_emoji(&search("parrot", false))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.len(), 1);
    let found = other
        .client
        .search_emoji(&search("parrot", true))
        .await
        .unwrap()
        .into_inner();
    assert!(found.is_empty());
    let found = other
        .client
        .search_emoji(&search("%", false))
        .await
        .unwrap()
        .into_inner();
    assert!(found.is_empty(), "a LIKE wildcard is matched literally");
    let found = other
        .client
        .autocomplete_emoji("par")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.len(), 1);
    // Deleting: one's own with delete_emojis; someone else's also needs
    // delete_others_emojis, which only administrators have.
    assert_fails(other.client.delete_emoji(&id).await, 403, FORBIDDEN).await;
    user.client.delete_emoji(&id).await.unwrap();
    assert_fails(
        other.client.get_emoji(&id).await,
        404,
        "app.emoji.get.no_result",
    )
    .await;
    assert_fails(
        other.client.get_emoji_image(&id).await,
        404,
        "app.emoji.get.no_result",
    )
    .await;
    // The name is free again.
    create(&user, "party_parrot", png(8, 8)).await;
    admin
        .client
        .delete_emoji(big.id.as_deref().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn permissions_and_the_setting() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "nocreate").await;
    // Without create_emojis (taken from system_user) creating is refused...
    let role = admin
        .client
        .get_role_by_name("system_user")
        .await
        .unwrap()
        .into_inner();
    let without: Vec<String> = role
        .permissions
        .iter()
        .filter(|p| p.as_str() != "create_emojis")
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
        user.client
            .create_emoji(Upload::new("e.png", png(8, 8)), &named_emoji("mine", &user))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // ...unless a team the user is in grants it.
    let team = make_team(&admin, "emojiteam", "O").await;
    join_team(&admin, &team, &user).await;
    let team_role = admin
        .client
        .get_role_by_name("team_user")
        .await
        .unwrap()
        .into_inner();
    let mut with = team_role.permissions.clone();
    with.push("create_emojis".to_owned());
    admin
        .client
        .patch_role(
            team_role.id.as_deref().unwrap(),
            &types::PatchRoleBody { permissions: with },
        )
        .await
        .unwrap();
    create(&user, "mine", png(8, 8)).await;
    // With custom emoji off: 501 from the handlers, 403 where Mattermost checks deeper.
    server.configure(|c| c.service_settings.enable_custom_emoji = false);
    let disabled = "api.emoji.disabled.app_error";
    assert_fails(
        user.client
            .create_emoji(Upload::new("e.png", png(8, 8)), &named_emoji("more", &user))
            .await,
        501,
        disabled,
    )
    .await;
    assert_fails(
        user.client.get_emoji_list(None, None, None).await,
        501,
        disabled,
    )
    .await;
    assert_fails(user.client.get_emoji_by_name("mine").await, 501, disabled).await;
    assert_fails(user.client.autocomplete_emoji("mi").await, 403, disabled).await;
    // Anonymous callers get 401.
    let anonymous = server.anonymous();
    let error = app_error(anonymous.get_emoji_list(None, None, None).await).await;
    assert_eq!(error.0, 401);
}

#[tokio::test]
async fn custom_emoji_as_reactions_and_the_added_event() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "reactor").await;
    let team = make_team(&admin, "reactions", "O").await;
    join_team(&admin, &team, &user).await;
    let channel = admin
        .client
        .get_channel_by_name(&team, "town-square", None)
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let post = request(
        &server,
        &admin,
        "POST",
        "/posts".into(),
        json!({"channel_id": channel, "message": "react"}),
    )
    .await;
    let post_id = post["id"].as_str().unwrap().to_owned();
    let react = |name: &str| json!({"user_id": user.id(), "post_id": post_id, "emoji_name": name});
    // An unknown name is refused; a system one and a live custom one are taken.
    let response = server
        .http()
        .post(server.api("/reactions"))
        .bearer_auth(&user.token)
        .json(&react("no_such_emoji"))
        .send()
        .await
        .unwrap();
    assert_app_error(response, 404, "app.emoji.get_by_name.no_result").await;
    let mut socket = connect(&server, &user).await;
    expect_hello(&mut socket, user.id()).await;
    let emoji = create(&admin, "ferris", png(16, 16)).await;
    let heard = events_until_pong(&mut socket, 1).await;
    let added = named(&heard, "emoji_added");
    assert_eq!(added.len(), 1, "{heard:?}");
    let added = added[0];
    let carried: serde_json::Value =
        serde_json::from_str(added["data"]["emoji"].as_str().unwrap()).unwrap();
    assert_eq!(carried["name"], "ferris");
    assert_eq!(added["broadcast"]["channel_id"], "");
    for name in ["ferris", "smile"] {
        let response = server
            .http()
            .post(server.api("/reactions"))
            .bearer_auth(&user.token)
            .json(&react(name))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{name}");
    }
    // Deleting the emoji takes its reactions with it.
    admin
        .client
        .delete_emoji(emoji.id.as_deref().unwrap())
        .await
        .unwrap();
    let left = admin
        .client
        .get_reactions(&post_id)
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = left
        .iter()
        .filter_map(|r| r.emoji_name.as_deref())
        .collect();
    assert_eq!(names, ["smile"]);
}

#[tokio::test]
async fn one_name_created_twice_at_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let racer = named_emoji("racer", &admin);
    let attempts = (0..6).map(|_| {
        admin
            .client
            .create_emoji(Upload::new("e.png", png(8, 8)), &racer)
    });
    let results = futures::future::join_all(attempts).await;
    let mut created = 0;
    for result in results {
        match result {
            Ok(_) => created += 1,
            Err(e) => {
                let (status, id) = app_error::<(), _>(Err(e)).await;
                assert_eq!(
                    (status, id.as_str()),
                    (400, "api.emoji.create.duplicate.app_error")
                );
            }
        }
    }
    assert_eq!(created, 1);
    let list = admin
        .client
        .get_emoji_list(None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.len(), 1);
}
