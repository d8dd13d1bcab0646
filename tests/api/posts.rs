//! Posts and threads: posting and its effect on channels and mentions, reading channels
//! and threads, editing, deleting and pinning with their permissions, and the collapsed
//! threads a user follows with their unread state.

use crate::common::{Account, TestServer, assert_fails};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

/// A team owned by `owner` with `members`, and its town-square.
async fn team_with(owner: &Account, members: &[&Account]) -> (String, String) {
    let team = owner
        .client
        .create_team(&types::CreateTeamBody {
            name: "writing".into(),
            display_name: "Writing".into(),
            type_: "I".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    for m in members {
        let body = types::AddTeamMemberBody {
            team_id: Some(team.clone()),
            user_id: Some(m.id().to_owned()),
        };
        owner.client.add_team_member(&team, &body).await.unwrap();
    }
    let square = owner
        .client
        .get_channel_by_name(&team, "town-square", None)
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    (team, square)
}

fn post_body(channel_id: &str, message: &str, root_id: Option<&str>) -> types::CreatePostBody {
    types::CreatePostBody {
        channel_id: channel_id.into(),
        message: message.into(),
        root_id: root_id.map(str::to_owned),
        file_ids: Vec::new(),
        metadata: None,
        props: serde_json::Map::new(),
        pending_post_id: None,
    }
}

async fn post(by: &Account, channel_id: &str, message: &str, root_id: Option<&str>) -> types::Post {
    by.client
        .create_post(None, &post_body(channel_id, message, root_id))
        .await
        .unwrap()
        .into_inner()
}

fn id(p: &types::Post) -> &str {
    p.id.as_deref().unwrap()
}

#[tokio::test]
async fn posting_updates_the_channel_and_mentions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let (team, square) = team_with(&owner, &[&member]).await;
    let mut body = post_body(&square, "hello @member and #news", None);
    body.pending_post_id = Some("pending-1".into());
    let first = owner
        .client
        .create_post(None, &body)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.user_id.as_deref(), Some(owner.id()));
    assert_eq!(first.pending_post_id.as_deref(), Some("pending-1"));
    assert_eq!(first.hashtags.as_deref(), Some("#news"));
    let channel = member
        .client
        .get_channel(&square)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(channel.total_msg_count, Some(1));
    assert_eq!(channel.last_post_at, first.create_at);
    let unread = member
        .client
        .get_channel_unread("me", &square)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((unread.msg_count, unread.mention_count), (Some(1), Some(1)));
    let mine = owner
        .client
        .get_channel_unread("me", &square)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.msg_count, Some(0), "the author has read their post");
    // Viewing clears the mention.
    let view = types::ViewChannelBody {
        channel_id: square.clone(),
        prev_channel_id: None,
    };
    member.client.view_channel("me", &view).await.unwrap();
    let unread = member
        .client
        .get_channel_unread("me", &square)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((unread.msg_count, unread.mention_count), (Some(0), Some(0)));

    // Who may post: members, not outsiders; nothing in archived channels; limits apply.
    assert_fails(
        outsider
            .client
            .create_post(None, &post_body(&square, "hi", None))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        member
            .client
            .create_post(None, &post_body(&square, &"x".repeat(16_384), None))
            .await,
        400,
        "model.post.is_valid.msg.app_error",
    )
    .await;
    assert_fails(
        member
            .client
            .create_post(
                None,
                &post_body(&square, "reply", Some(&ferromost::ids::new_id())),
            )
            .await,
        400,
        "api.post.create_post.root_id.app_error",
    )
    .await;
    let room = member
        .client
        .create_channel(&types::CreateChannelBody {
            team_id: team.clone(),
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
    assert_fails(
        member
            .client
            .create_post(None, &post_body(&room, "elsewhere", Some(id(&first))))
            .await,
        400,
        "api.post.create_post.channel_root_id.app_error",
    )
    .await;
    member.client.delete_channel(&room).await.unwrap();
    assert_fails(
        member
            .client
            .create_post(None, &post_body(&room, "late", None))
            .await,
        400,
        "api.post.create_post.can_not_post_to_deleted.error",
    )
    .await;
    // @channel reaches every member.
    post(&owner, &square, "@channel heads up", None).await;
    let unread = member
        .client
        .get_channel_unread("me", &square)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unread.mention_count, Some(1));
}

#[tokio::test]
async fn reading_channels_and_threads() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let (_team, square) = team_with(&owner, &[&member]).await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(post(&owner, &square, &format!("message {i}"), None).await);
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let reply = post(&member, &square, "a reply", Some(id(&made[1]))).await;
    let page = member
        .client
        .get_posts_for_channel(&square, None, None, None, None, Some(3), None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.order.len(), 3);
    assert_eq!(page.order[0], id(&reply));
    assert!(
        page.posts.contains_key(id(&made[1])),
        "a listed reply brings its root"
    );
    let before = member
        .client
        .get_posts_for_channel(
            &square,
            None,
            Some(id(&made[2])),
            None,
            None,
            Some(10),
            None,
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(before.order, [id(&made[1]), id(&made[0])]);
    let after = member
        .client
        .get_posts_for_channel(&square, Some(id(&made[2])), None, None, None, Some(2), None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.order, [id(&made[4]), id(&made[3])]);
    let thread = member
        .client
        .get_post_thread(id(&reply), None, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(thread.order, [id(&reply), id(&made[1])]);
    assert_eq!(thread.posts[id(&made[1])].reply_count, Some(1));
    let got = member
        .client
        .get_post(id(&made[0]), None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.message.as_deref(), Some("message 0"));
    // Outsiders read nothing; malformed and unknown ids.
    assert_fails(
        outsider.client.get_post(id(&made[0]), None).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        outsider
            .client
            .get_posts_for_channel(&square, None, None, None, None, None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        member.client.get_post("junk", None).await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    assert_fails(
        member
            .client
            .get_post(&ferromost::ids::new_id(), None)
            .await,
        404,
        "app.post.get.app_error",
    )
    .await;
    let ids = vec![id(&made[0]).to_owned(), id(&made[3]).to_owned()];
    let by_ids = member
        .client
        .get_posts_by_ids(&ids)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_ids.len(), 2);
    let hidden = outsider
        .client
        .get_posts_by_ids(&ids)
        .await
        .unwrap()
        .into_inner();
    assert!(hidden.is_empty());
}

#[tokio::test]
async fn editing_deleting_and_pinning() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let (_team, square) = team_with(&owner, &[&member, &admin]).await;
    let mine = post(&member, &square, "first draft", None).await;
    let reply = post(&owner, &square, "a reply", Some(id(&mine))).await;
    let patch = types::PatchPostBody {
        message: Some("final".into()),
        ..Default::default()
    };
    let edited = member
        .client
        .patch_post(id(&mine), &patch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(edited.message.as_deref(), Some("final"));
    assert!(edited.edit_at.unwrap() > 0);
    // Another member's post: edit_others_posts, which plain members lack.
    assert_fails(
        owner.client.patch_post(id(&mine), &patch).await,
        403,
        FORBIDDEN,
    )
    .await;
    admin.client.patch_post(id(&mine), &patch).await.unwrap();
    let update = types::UpdatePostBody {
        id: ferromost::ids::new_id(),
        message: Some("x".into()),
        has_reactions: None,
        is_pinned: None,
        props: serde_json::Map::new(),
    };
    assert_fails(
        member.client.update_post(id(&mine), &update).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    // Pinning.
    member.client.pin_post(id(&mine)).await.unwrap();
    let pinned = member
        .client
        .get_post(id(&mine), None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pinned.is_pinned, Some(true));
    member.client.unpin_post(id(&mine)).await.unwrap();
    // Deleting: one's own, or delete_others_posts (team admins have it).
    assert_fails(member.client.delete_post(id(&reply)).await, 403, FORBIDDEN).await;
    member.client.delete_post(id(&mine)).await.unwrap();
    assert_fails(
        member.client.get_post(id(&reply), None).await,
        404,
        "app.post.get.app_error",
    )
    .await;
    let deleted = admin
        .client
        .get_post(id(&mine), Some(true))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.message.as_deref(), Some(""));
    assert_fails(
        member.client.get_post(id(&mine), Some(true)).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        member.client.patch_post(id(&mine), &patch).await,
        400,
        "api.post.update_post.permissions_details.app_error",
    )
    .await;
    let other = post(&member, &square, "someone's", None).await;
    owner.client.delete_post(id(&other)).await.unwrap();
}

#[tokio::test]
async fn followed_threads_are_paged_and_counted_in_the_database() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let (team, square) = team_with(&owner, &[&member]).await;
    // Three threads; the newest reply mentions the owner. Replies come one after another,
    // so the most recently active thread is the last replied to.
    let mut roots = Vec::new();
    for (n, text) in ["first", "second", "@owner third"].into_iter().enumerate() {
        let root = post(&owner, &square, &format!("question {n}"), None).await;
        let root_id = id(&root).to_owned();
        post(&member, &square, text, Some(&root_id)).await;
        roots.push(root_id);
    }
    let page = |page, threads_only, totals_only| {
        let client = &owner.client;
        let team = &team;
        async move {
            client
                .get_user_threads(
                    "me",
                    team,
                    None,
                    None,
                    Some(page),
                    Some(2),
                    None,
                    threads_only,
                    totals_only,
                )
                .await
                .unwrap()
                .into_inner()
        }
    };
    let first = page(0, None, None).await;
    let ids: Vec<_> = first.threads.iter().filter_map(|t| t.id.clone()).collect();
    assert_eq!(ids, [roots[2].clone(), roots[1].clone()]);
    assert_eq!(
        (
            first.total,
            first.total_unread_threads,
            first.total_unread_mentions
        ),
        (Some(3), Some(3), Some(1))
    );
    let second = page(1, None, None).await;
    let ids: Vec<_> = second.threads.iter().filter_map(|t| t.id.clone()).collect();
    assert_eq!(ids, [roots[0].clone()]);
    assert_eq!(second.total, Some(3));
    // Totals only: no threads; threads only: no totals.
    let totals = page(0, None, Some(true)).await;
    assert!(totals.threads.is_empty());
    assert_eq!(totals.total, Some(3));
    let bare = page(0, Some(true), None).await;
    assert_eq!((bare.threads.len(), bare.total), (2, None));
    // Reading one thread leaves two unread; reading all leaves none and no mentions.
    let last = first.threads[0].last_reply_at.unwrap();
    owner
        .client
        .update_thread_read_for_user("me", &team, &roots[2], &last.to_string())
        .await
        .unwrap();
    let after = page(0, None, Some(true)).await;
    assert_eq!(
        (after.total_unread_threads, after.total_unread_mentions),
        (Some(2), Some(0))
    );
    owner
        .client
        .update_threads_read_for_user("me", &team)
        .await
        .unwrap();
    let read = page(0, None, Some(true)).await;
    assert_eq!(read.total_unread_threads, Some(0));
    // `since` keeps the threads with replies after it.
    let since = first.threads[1].last_reply_at.unwrap();
    let recent = owner
        .client
        .get_user_threads("me", &team, None, None, None, None, Some(since), None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(recent.total, Some(1));
    let counts = owner
        .client
        .get_thread_mention_counts_by_channel("me", &team)
        .await
        .unwrap()
        .into_inner();
    assert!(!counts.contains_key(&square), "{counts:?}");
}

#[tokio::test]
async fn followed_threads_and_their_unread_state() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let third = server.user(&admin, "third").await;
    let outsider = server.user(&admin, "outsider").await;
    let (team, square) = team_with(&owner, &[&member, &third]).await;
    let root = post(&owner, &square, "a question", None).await;
    let root_id = id(&root).to_owned();
    post(&member, &square, "an answer", Some(&root_id)).await;
    post(&third, &square, "@owner another", Some(&root_id)).await;

    // The root's author follows, with two unread replies and one mention.
    let threads = owner
        .client
        .get_user_threads("me", &team, None, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(threads.total, Some(1));
    assert_eq!(threads.total_unread_threads, Some(1));
    assert_eq!(threads.total_unread_mentions, Some(1));
    let t = &threads.threads[0];
    assert_eq!(t.id.as_deref(), Some(root_id.as_str()));
    assert_eq!(t.reply_count, Some(2));
    assert_eq!(t.unread_replies, Some(2));
    let names: Vec<_> = t
        .participants
        .iter()
        .filter_map(|u| u.username.clone())
        .collect();
    assert_eq!(names, ["member", "third"]);
    assert_eq!(t.post.as_ref().unwrap().is_following, Some(true));
    let counts = owner
        .client
        .get_thread_mention_counts_by_channel("me", &team)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(counts.get(&square), Some(&1));
    // The first replier has read up to their own reply: one unread.
    let one = member
        .client
        .get_user_thread("me", &team, &root_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.unread_replies, Some(1));
    // Reading up to a time, marking unread from a post, reading everything.
    let last = one.last_reply_at.unwrap();
    let read = owner
        .client
        .update_thread_read_for_user("me", &team, &root_id, &last.to_string())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (read.unread_replies, read.unread_mentions),
        (Some(0), Some(0))
    );
    let thread_posts = owner
        .client
        .get_post_thread(&root_id, None, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    let first_reply = thread_posts.order[1].clone();
    let unread = owner
        .client
        .set_thread_unread_by_post_id("me", &team, &root_id, &first_reply)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unread.unread_replies, Some(2));
    owner
        .client
        .update_threads_read_for_user("me", &team)
        .await
        .unwrap();
    let all_read = owner
        .client
        .get_user_thread("me", &team, &root_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all_read.unread_replies, Some(0));
    // Unfollowing drops it from the list; following brings it back.
    owner
        .client
        .stop_following_thread("me", &team, &root_id)
        .await
        .unwrap();
    let none = owner
        .client
        .get_user_threads("me", &team, None, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(none.total, Some(0));
    // A later reply does not make the root's author follow again.
    post(&member, &square, "one more answer", Some(&root_id)).await;
    let still_none = owner
        .client
        .get_user_threads("me", &team, None, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(still_none.total, Some(0));
    owner
        .client
        .start_following_thread("me", &team, &root_id)
        .await
        .unwrap();
    // Someone else's threads, an outsider, bad ids.
    assert_fails(
        member
            .client
            .get_user_threads(owner.id(), &team, None, None, None, None, None, None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        outsider.client.get_user_thread("me", &team, &root_id).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        owner.client.get_user_thread("me", &team, "junk").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    assert_fails(
        owner
            .client
            .get_user_thread("me", &team, &ferromost::ids::new_id())
            .await,
        404,
        "app.post.get.app_error",
    )
    .await;
    assert_fails(
        owner
            .client
            .update_thread_read_for_user("me", &team, &root_id, "yesterday")
            .await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    // Deleting the root ends the thread.
    owner.client.delete_post(&root_id).await.unwrap();
    let gone = owner
        .client
        .get_user_threads("me", &team, None, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(gone.total, Some(0));
}

#[tokio::test]
async fn unread_marks_pins_and_search() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let (team, square) = team_with(&owner, &[&member]).await;
    let first = post(&owner, &square, "the quick brown fox", None).await;
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let second = post(&owner, &square, "hey @member jumps over", None).await;
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    post(&owner, &square, "the lazy dog", None).await;
    let view = types::ViewChannelBody {
        channel_id: square.clone(),
        prev_channel_id: None,
    };
    member.client.view_channel("me", &view).await.unwrap();

    // Unread from the second post: two messages, one mention.
    let unread = member
        .client
        .set_post_unread("me", id(&second))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unread.mention_count, Some(1));
    assert_eq!(unread.last_viewed_at, Some(second.create_at.unwrap() - 1));
    let counts = member
        .client
        .get_channel_unread("me", &square)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((counts.msg_count, counts.mention_count), (Some(2), Some(1)));
    let team_unread = member
        .client
        .get_team_unread("me", &team)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (team_unread.msg_count, team_unread.mention_count),
        (Some(2), Some(1))
    );
    let all_teams = member
        .client
        .get_teams_unread_for_user("me", None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all_teams.len(), 1);
    let around = member
        .client
        .get_posts_around_last_unread(
            "me",
            &square,
            None,
            None,
            std::num::NonZeroU64::new(1),
            Some(1),
            None,
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(around.order, [id(&second), id(&first)]);
    assert!(around.has_next.unwrap());
    assert_fails(
        owner.client.set_post_unread(member.id(), id(&second)).await,
        403,
        FORBIDDEN,
    )
    .await;

    // Pins.
    owner.client.pin_post(id(&first)).await.unwrap();
    let pinned = member
        .client
        .get_pinned_posts(&square)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pinned.order, [id(&first)]);

    // Search sees only the caller's channels.
    let secret_room = owner
        .client
        .create_channel(&types::CreateChannelBody {
            team_id: team.clone(),
            name: "secret".into(),
            display_name: "Secret".into(),
            type_: "P".into(),
            purpose: None,
            header: None,
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    post(&owner, &secret_room, "the quick plan", None).await;
    let search = |who: &Account, terms: &str, or: bool| {
        let client = who.client.clone();
        let team = team.clone();
        let body = types::SearchPostsBody {
            terms: terms.to_owned(),
            is_or_search: or,
            time_zone_offset: 0,
            include_deleted_channels: None,
            page: 0,
            per_page: 60,
        };
        async move {
            let found = client
                .search_posts(&team, &body)
                .await
                .unwrap()
                .into_inner();
            let mut messages: Vec<String> = found
                .order
                .iter()
                .map(|id| found.posts[id].message.clone().unwrap())
                .collect();
            messages.sort();
            messages
        }
    };
    assert_eq!(
        search(&member, "quick", false).await,
        ["the quick brown fox"]
    );
    assert_eq!(
        search(&owner, "quick", false).await,
        ["the quick brown fox", "the quick plan"]
    );
    assert_eq!(
        search(&member, "quick -fox", false).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&member, "fox dog", true).await,
        ["the lazy dog", "the quick brown fox"]
    );
    assert!(search(&member, "fox dog", false).await.is_empty());
    assert_eq!(
        search(&member, "\"lazy dog\"", false).await,
        ["the lazy dog"]
    );
    assert_eq!(
        search(&member, "jump*", false).await,
        ["hey @member jumps over"]
    );
    assert_eq!(
        search(&member, "from:member the", false).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&owner, "in:secret the", false).await,
        ["the quick plan"]
    );
    let outsider = server.user(&admin, "outsider").await;
    let body = types::SearchPostsBody {
        terms: "quick".into(),
        is_or_search: false,
        time_zone_offset: 0,
        include_deleted_channels: None,
        page: 0,
        per_page: 60,
    };
    assert_fails(
        outsider.client.search_posts(&team, &body).await,
        403,
        FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn reports_and_group_members_follow_posts_and_channels() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let loner = server.user(&admin, "loner").await;
    let (team, square) = team_with(&owner, &[&member]).await;
    post(&member, &square, "one", None).await;
    post(&member, &square, "two", None).await;
    let report = |query: String| {
        let http = server.http();
        let url = server.api(&format!("/reports/users?{query}"));
        let token = admin.token.clone();
        async move {
            let response = http.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Vec<serde_json::Value>>().await.unwrap()
        }
    };
    let rows = report(format!("team_filter={team}")).await;
    let names: Vec<_> = rows
        .iter()
        .map(|r| r["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["member", "owner"]);
    let member_row = rows.iter().find(|r| r["username"] == "member").unwrap();
    assert_eq!(member_row["total_posts"], 2);
    assert_eq!(member_row["days_active"], 1);
    assert!(member_row["last_post_date"].as_i64().unwrap() > 0);
    let count = server
        .http()
        .get(server.api(&format!("/reports/users/count?team_filter={team}")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap()
        .json::<f64>()
        .await
        .unwrap();
    assert_eq!(count, 2.0);
    // The members of the caller's group channels.
    let gm = owner
        .client
        .create_group_channel(&vec![member.id().to_owned(), loner.id().to_owned()])
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let members = member
        .client
        .get_users_by_group_channel_ids(&vec![gm.clone(), square.clone()])
        .await
        .unwrap()
        .into_inner();
    assert_eq!(members.len(), 1, "only group channels");
    let names: Vec<_> = members[&gm]
        .iter()
        .filter_map(|u| u.username.clone())
        .collect();
    assert_eq!(names, ["loner", "member", "owner"]);
    let outsider = server.user(&admin, "outsider").await;
    let none = outsider
        .client
        .get_users_by_group_channel_ids(&vec![gm])
        .await
        .unwrap()
        .into_inner();
    assert!(none.is_empty(), "not the caller's group channel");
}

#[tokio::test]
async fn search_follows_edits_and_deletes_and_pages_hashtags_and_dates() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let (team, square) = team_with(&owner, &[]).await;
    let search = |terms: &str, or: bool, page: i64, per_page: i64| {
        let client = owner.client.clone();
        let team = team.clone();
        let body = types::SearchPostsBody {
            terms: terms.to_owned(),
            is_or_search: or,
            time_zone_offset: 0,
            include_deleted_channels: None,
            page,
            per_page,
        };
        async move {
            let found = client
                .search_posts(&team, &body)
                .await
                .unwrap()
                .into_inner();
            found
                .order
                .iter()
                .map(|id| found.posts[id].message.clone().unwrap())
                .collect::<Vec<String>>()
        }
    };
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(post(&owner, &square, &format!("rollout step {n} #ops"), None).await);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let plain = post(&owner, &square, "nothing tagged here", None).await;

    // Newest first, paged by the database.
    assert_eq!(
        search("rollout", false, 0, 2).await,
        ["rollout step 4 #ops", "rollout step 3 #ops"]
    );
    assert_eq!(
        search("rollout", false, 2, 2).await,
        ["rollout step 0 #ops"]
    );
    assert_eq!(search("#ops", false, 0, 60).await.len(), 5);
    assert_eq!(search("#op", false, 0, 60).await.len(), 0);
    assert_eq!(search("roll*", false, 0, 60).await.len(), 5);
    // Only excluded words: everything else.
    assert_eq!(
        search("-rollout", false, 0, 60).await,
        ["nothing tagged here"]
    );
    assert_eq!(search("tagged #ops", true, 0, 60).await.len(), 6);

    // An edit is searchable by its new words only; a deleted post is gone.
    let patch = types::PatchPostBody {
        message: Some("renamed entirely".into()),
        ..Default::default()
    };
    owner.client.patch_post(id(&plain), &patch).await.unwrap();
    assert!(search("tagged", false, 0, 60).await.is_empty());
    assert_eq!(search("renamed", false, 0, 60).await, ["renamed entirely"]);
    owner.client.delete_post(id(&made[0])).await.unwrap();
    assert_eq!(search("rollout", false, 0, 60).await.len(), 4);

    // Dates, in the caller's zone: everything was posted today (UTC).
    let today = made[1].create_at.unwrap() / 86_400_000;
    let date = |days: i64| {
        let out = std::process::Command::new("date")
            .args(["-u", "-d", &format!("@{}", days * 86_400), "+%F"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(
        search(&format!("rollout on:{}", date(today)), false, 0, 60)
            .await
            .len(),
        4
    );
    assert!(
        search(&format!("rollout after:{}", date(today)), false, 0, 60)
            .await
            .is_empty()
    );
    assert_eq!(
        search(&format!("rollout before:{}", date(today + 1)), false, 0, 60)
            .await
            .len(),
        4
    );
    assert!(
        search(&format!("rollout before:{}", date(today)), false, 0, 60)
            .await
            .is_empty()
    );
}
