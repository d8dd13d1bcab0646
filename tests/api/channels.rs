//! Channels: the default channels of a team, creation and validation, who reads what,
//! membership, editing and archiving, privacy, member roles, direct and group channels,
//! read state, and the user directory's channel filters.

use crate::common::{Account, TestServer, assert_fails};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

async fn team(owner: &Account, name: &str) -> String {
    owner
        .client
        .create_team(&types::CreateTeamBody {
            name: name.into(),
            display_name: name.into(),
            type_: "I".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap()
}

async fn add_to_team(by: &Account, team_id: &str, user_id: &str) {
    let body = types::AddTeamMemberBody {
        team_id: Some(team_id.to_owned()),
        user_id: Some(user_id.to_owned()),
    };
    by.client.add_team_member(team_id, &body).await.unwrap();
}

fn channel_body(team_id: &str, name: &str, kind: &str) -> types::CreateChannelBody {
    types::CreateChannelBody {
        team_id: team_id.into(),
        name: name.into(),
        display_name: format!("The {name} channel"),
        type_: kind.into(),
        purpose: None,
        header: None,
    }
}

async fn channel(by: &Account, team_id: &str, name: &str, kind: &str) -> String {
    by.client
        .create_channel(&channel_body(team_id, name, kind))
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap()
}

async fn add(by: &Account, channel_id: &str, user_id: &str) {
    let body = types::AddChannelMemberBody {
        user_id: user_id.into(),
        post_root_id: None,
    };
    by.client
        .add_channel_member(channel_id, &body)
        .await
        .unwrap();
}

async fn names_of(account: &Account, team_id: &str) -> Vec<String> {
    let mut names: Vec<String> = account
        .client
        .get_channels_for_team_for_user("me", team_id, None, None)
        .await
        .unwrap()
        .into_inner()
        .into_iter()
        .filter_map(|c| c.name)
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_team_comes_with_its_default_channels() {
    let server = TestServer::start_with(|c| c.guest_accounts_settings.enable = true).await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let guest = server.user(&admin, "guestie").await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    let team_id = team(&owner, "defaults").await;
    assert_eq!(
        names_of(&owner, &team_id).await,
        ["off-topic", "town-square"]
    );
    add_to_team(&owner, &team_id, member.id()).await;
    add_to_team(&owner, &team_id, guest.id()).await;
    assert_eq!(
        names_of(&member, &team_id).await,
        ["off-topic", "town-square"]
    );
    assert!(
        names_of(&guest, &team_id).await.is_empty(),
        "guests join no default channel"
    );
    let square = member
        .client
        .get_channel_by_name(&team_id, "town-square", None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(square.display_name.as_deref(), Some("Town Square"));
    let by_team_name = member
        .client
        .get_channel_by_name_for_team_name("defaults", "off-topic", None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_team_name.type_.as_deref(), Some("O"));
    // Nobody leaves town-square; leaving the team leaves every channel of it.
    assert_fails(
        member
            .client
            .remove_user_from_channel(square.id.as_deref().unwrap(), member.id())
            .await,
        400,
        "api.channel.leave.default.app_error",
    )
    .await;
    assert_fails(
        owner
            .client
            .remove_user_from_channel(square.id.as_deref().unwrap(), member.id())
            .await,
        400,
        "api.channel.remove.default.app_error",
    )
    .await;
    member
        .client
        .remove_team_member(&team_id, member.id())
        .await
        .unwrap();
    let left = member
        .client
        .get_channels_for_user("me", None, None)
        .await
        .unwrap()
        .into_inner();
    assert!(left.is_empty());
    assert_fails(
        member
            .client
            .get_channel(square.id.as_deref().unwrap())
            .await,
        403,
        FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn creating_channels_and_who_reads_them() {
    let server = TestServer::start_with(|c| c.guest_accounts_settings.enable = true).await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let guest = server.user(&admin, "guestie").await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    let team_id = team(&owner, "reading").await;
    add_to_team(&owner, &team_id, member.id()).await;
    add_to_team(&owner, &team_id, guest.id()).await;
    let public = channel(&member, &team_id, "general-talk", "O").await;
    let private = channel(&member, &team_id, "secret", "P").await;
    let me = member
        .client
        .get_channel_member(&public, member.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.roles.as_deref(), Some("channel_user channel_admin"));

    for (name, display, kind, error) in [
        (
            "general-talk",
            "Again",
            "O",
            "store.sql_channel.save_channel.exists.app_error",
        ),
        (
            "Bad Name",
            "Bad",
            "O",
            "model.channel.is_valid.1_or_more.app_error",
        ),
        (
            "_under",
            "Under",
            "O",
            "model.channel.is_valid.1_or_more.app_error",
        ),
        (
            "fine",
            "",
            "O",
            "model.channel.is_valid.display_name.app_error",
        ),
        ("fine", "Fine", "X", "model.channel.is_valid.type.app_error"),
        (
            "fine",
            "Fine",
            "D",
            "api.channel.create_channel.direct_channel.app_error",
        ),
    ] {
        let body = types::CreateChannelBody {
            display_name: display.into(),
            ..channel_body(&team_id, name, kind)
        };
        assert_fails(member.client.create_channel(&body).await, 400, error).await;
    }
    let long_purpose = types::CreateChannelBody {
        purpose: Some("p".repeat(251)),
        ..channel_body(&team_id, "wordy", "O")
    };
    assert_fails(
        member.client.create_channel(&long_purpose).await,
        400,
        "model.channel.is_valid.purpose.app_error",
    )
    .await;
    // Outside the team, or a guest: no channels made.
    assert_fails(
        outsider
            .client
            .create_channel(&channel_body(&team_id, "intruder", "O"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        guest
            .client
            .create_channel(&channel_body(&team_id, "guesty", "O"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;

    // A public channel is readable by the whole team; a private one by its members only.
    owner.client.get_channel(&public).await.unwrap();
    assert_fails(owner.client.get_channel(&private).await, 403, FORBIDDEN).await;
    assert_fails(outsider.client.get_channel(&public).await, 403, FORBIDDEN).await;
    assert_fails(guest.client.get_channel(&public).await, 403, FORBIDDEN).await;
    admin.client.get_channel(&private).await.unwrap();
    assert_fails(
        owner.client.get_channel_members(&private, None, None).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        member.client.get_channel("junk").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    assert_fails(
        member.client.get_channel(&ferromost::ids::new_id()).await,
        404,
        "app.channel.get.existing.app_error",
    )
    .await;
    assert_fails(
        member
            .client
            .get_channel_by_name(&team_id, "no-such", None)
            .await,
        404,
        "app.channel.get_by_name.missing.app_error",
    )
    .await;
    // Listings: public channels for the team, private ones for system admins.
    let public_list = owner
        .client
        .get_public_channels_for_team(&team_id, None, None)
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = public_list.iter().filter_map(|c| c.name.clone()).collect();
    assert_eq!(names, ["off-topic", "general-talk", "town-square"]);
    assert_fails(
        owner
            .client
            .get_private_channels_for_team(&team_id, None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let private_list = admin
        .client
        .get_private_channels_for_team(&team_id, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(private_list.len(), 1);
    let found = owner
        .client
        .search_channels(&team_id, &types::SearchChannelsBody { term: "GEN".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.len(), 1);
    let completed = owner
        .client
        .autocomplete_channels_for_team(&team_id, "of")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(completed[0].name.as_deref(), Some("off-topic"));
    let by_ids = owner
        .client
        .get_public_channels_by_ids_for_team(&team_id, &vec![public.clone(), private.clone()])
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_ids.len(), 1);
}

#[tokio::test]
async fn membership_editing_and_archiving() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let other = server.user(&admin, "other").await;
    let team_id = team(&owner, "members").await;
    add_to_team(&owner, &team_id, member.id()).await;
    add_to_team(&owner, &team_id, other.id()).await;
    let public = channel(&member, &team_id, "open-room", "O").await;
    let private = channel(&member, &team_id, "closed-room", "P").await;
    // Joining a public channel oneself; a private one needs a member to add you.
    add(&other, &public, other.id()).await;
    let join_private = types::AddChannelMemberBody {
        user_id: other.id().into(),
        post_root_id: None,
    };
    assert_fails(
        other
            .client
            .add_channel_member(&private, &join_private)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    add(&member, &private, other.id()).await;
    let stats = member
        .client
        .get_channel_stats(&private)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.member_count, Some(2));
    // Someone outside the team cannot be added.
    let stranger = server.user(&admin, "stranger").await;
    let body = types::AddChannelMemberBody {
        user_id: stranger.id().into(),
        post_root_id: None,
    };
    assert_fails(
        member.client.add_channel_member(&public, &body).await,
        404,
        "app.team.get_member.missing.app_error",
    )
    .await;
    // Editing: members may (channel_user), others may not; town-square keeps its name.
    let patch = types::PatchChannelBody {
        display_name: Some("Renamed".into()),
        header: Some("Header".into()),
        ..Default::default()
    };
    let patched = other
        .client
        .patch_channel(&public, &patch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(patched.header.as_deref(), Some("Header"));
    assert_fails(
        owner.client.patch_channel(&private, &patch).await,
        403,
        FORBIDDEN,
    )
    .await;
    let square = owner
        .client
        .get_channel_by_name(&team_id, "town-square", None)
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let rename = types::PatchChannelBody {
        name: Some("plaza".into()),
        ..Default::default()
    };
    assert_fails(
        owner.client.patch_channel(&square, &rename).await,
        400,
        "api.channel.update_channel.tried.app_error",
    )
    .await;
    let update = types::UpdateChannelBody {
        id: ferromost::ids::new_id(),
        name: None,
        display_name: None,
        purpose: None,
        header: None,
    };
    assert_fails(
        member.client.update_channel(&public, &update).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    // Removing others takes the members permission; the last member may not leave a
    // private channel.
    assert_fails(
        stranger
            .client
            .remove_user_from_channel(&public, other.id())
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    member
        .client
        .remove_user_from_channel(&private, other.id())
        .await
        .unwrap();
    assert_fails(
        member
            .client
            .remove_user_from_channel(&private, member.id())
            .await,
        400,
        "api.channel.leave.last_member.app_error",
    )
    .await;
    assert_fails(
        member.client.get_channel_member(&private, other.id()).await,
        404,
        "app.channel.get_member.missing.app_error",
    )
    .await;
    // Archiving and restoring (restoring takes manage_team).
    assert_fails(
        owner.client.delete_channel(&square).await,
        400,
        "api.channel.delete_channel.cannot.app_error",
    )
    .await;
    member.client.delete_channel(&public).await.unwrap();
    assert_fails(
        member.client.patch_channel(&public, &patch).await,
        400,
        "api.channel.update_channel.deleted.app_error",
    )
    .await;
    assert_fails(
        member.client.delete_channel(&public).await,
        400,
        "api.channel.delete_channel.deleted.app_error",
    )
    .await;
    let deleted = owner
        .client
        .get_deleted_channels_for_team(&team_id, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.len(), 1);
    assert_fails(member.client.restore_channel(&public).await, 403, FORBIDDEN).await;
    owner.client.restore_channel(&public).await.unwrap();
    assert_fails(
        owner.client.restore_channel(&public).await,
        400,
        "api.channel.restore_channel.restored.app_error",
    )
    .await;
    // Privacy: team admins convert; town-square stays public.
    let to_private = types::UpdateChannelPrivacyBody {
        privacy: "P".into(),
    };
    assert_fails(
        member
            .client
            .update_channel_privacy(&public, &to_private)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let converted = owner
        .client
        .update_channel_privacy(&public, &to_private)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(converted.type_.as_deref(), Some("P"));
    assert_fails(
        owner
            .client
            .update_channel_privacy(&square, &to_private)
            .await,
        400,
        "api.channel.update_channel_privacy.default_channel_error",
    )
    .await;
}

#[tokio::test]
async fn channel_member_roles() {
    let server = TestServer::start_with(|c| c.guest_accounts_settings.enable = true).await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let guest = server.user(&admin, "guestie").await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    let team_id = team(&owner, "chroles").await;
    add_to_team(&owner, &team_id, member.id()).await;
    add_to_team(&owner, &team_id, guest.id()).await;
    add_to_team(&owner, &team_id, admin.id()).await;
    let room = channel(&member, &team_id, "room", "P").await;
    add(&member, &room, owner.id()).await;
    add(&member, &room, guest.id()).await;
    add(&member, &room, admin.id()).await;
    let seen = member
        .client
        .get_channel_member(&room, guest.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen.roles.as_deref(), Some("channel_guest"));
    // The guest sees the channel and its members.
    guest.client.get_channel(&room).await.unwrap();
    guest.client.get_user(member.id()).await.unwrap();
    // A plain channel member cannot change roles; the channel admin can.
    let promote = types::UpdateChannelMemberSchemeRolesBody {
        scheme_admin: true,
        scheme_user: true,
    };
    let stranger_id = owner.id().to_owned();
    let plain = server.user(&admin, "plain").await;
    add_to_team(&owner, &team_id, plain.id()).await;
    add(&member, &room, plain.id()).await;
    assert_fails(
        plain
            .client
            .update_channel_member_scheme_roles(&room, &stranger_id, &promote)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    member
        .client
        .update_channel_member_scheme_roles(&room, plain.id(), &promote)
        .await
        .unwrap();
    // Now a channel admin, plain may change roles, but not a system admin's.
    let demote = types::UpdateChannelMemberSchemeRolesBody {
        scheme_admin: false,
        scheme_user: true,
    };
    assert_fails(
        plain
            .client
            .update_channel_member_scheme_roles(&room, admin.id(), &demote)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    plain
        .client
        .update_channel_member_scheme_roles(&room, member.id(), &demote)
        .await
        .unwrap();
    assert_fails(
        plain
            .client
            .update_channel_member_scheme_roles(&room, guest.id(), &demote)
            .await,
        400,
        "api.channel.update_channel_member_roles.guest_and_user.app_error",
    )
    .await;
    let to_user = types::UpdateChannelRolesBody {
        roles: "channel_user".into(),
    };
    assert_fails(
        plain
            .client
            .update_channel_roles(&room, guest.id(), &to_user)
            .await,
        400,
        "api.channel.update_channel_member_roles.changing_guest_role.app_error",
    )
    .await;
    let scheme_role = types::UpdateChannelRolesBody {
        roles: "channel_user team_admin".into(),
    };
    assert_fails(
        plain
            .client
            .update_channel_roles(&room, member.id(), &scheme_role)
            .await,
        400,
        "api.channel.update_channel_member_roles.scheme_role.app_error",
    )
    .await;
    let back = member
        .client
        .get_channel_member(&room, member.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(back.roles.as_deref(), Some("channel_user"));
}

#[tokio::test]
async fn direct_and_group_channels() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let a = server.user(&admin, "alice").await;
    let b = server.user(&admin, "bob").await;
    let c = server.user(&admin, "carol").await;
    let pair = [a.id().to_owned(), b.id().to_owned()];
    let dm = a
        .client
        .create_direct_channel(&pair)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dm.type_.as_deref(), Some("D"));
    let mut ids = [a.id(), b.id()];
    ids.sort_unstable();
    assert_eq!(dm.name, Some(format!("{}__{}", ids[0], ids[1])));
    let again = b
        .client
        .create_direct_channel(&[b.id().to_owned(), a.id().to_owned()])
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.id, dm.id, "one direct channel per pair");
    let dm_id = dm.id.clone().unwrap();
    b.client.get_channel(&dm_id).await.unwrap();
    assert_fails(c.client.get_channel(&dm_id).await, 403, FORBIDDEN).await;
    // Others' direct channel: manage_system only.
    assert_fails(c.client.create_direct_channel(&pair).await, 403, FORBIDDEN).await;
    assert_fails(
        a.client
            .create_direct_channel(&[a.id().to_owned(), ferromost::ids::new_id()])
            .await,
        400,
        "api.channel.create_direct_channel.invalid_user.app_error",
    )
    .await;
    assert_fails(
        a.client.remove_user_from_channel(&dm_id, a.id()).await,
        400,
        "api.channel.leave.direct.app_error",
    )
    .await;
    let rename = types::PatchChannelBody {
        display_name: Some("Ours".into()),
        ..Default::default()
    };
    assert_fails(
        a.client.patch_channel(&dm_id, &rename).await,
        400,
        "api.channel.update_channel.update_direct_or_group_messages_not_allowed.app_error",
    )
    .await;
    assert_fails(
        a.client.delete_channel(&dm_id).await,
        400,
        "api.channel.delete_channel.type.invalid",
    )
    .await;
    // A group of three; two is too few.
    let gm = a
        .client
        .create_group_channel(&vec![b.id().to_owned(), c.id().to_owned()])
        .await
        .unwrap()
        .into_inner();
    assert_eq!(gm.type_.as_deref(), Some("G"));
    assert_eq!(gm.display_name.as_deref(), Some("alice, bob, carol"));
    assert_eq!(gm.name.as_deref().map(str::len), Some(40));
    assert_fails(
        a.client
            .create_group_channel(&vec![b.id().to_owned()])
            .await,
        400,
        "api.channel.create_group.bad_size.app_error",
    )
    .await;
    // Known users are those sharing a channel.
    let known = c.client.get_known_users().await.unwrap().into_inner();
    assert_eq!(known.0.len(), 2);
}

#[tokio::test]
async fn read_state_and_the_directory() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let other = server.user(&admin, "other").await;
    let team_id = team(&owner, "readstate").await;
    add_to_team(&owner, &team_id, member.id()).await;
    add_to_team(&owner, &team_id, other.id()).await;
    let room = channel(&member, &team_id, "room", "O").await;
    let view = types::ViewChannelBody {
        channel_id: room.clone(),
        prev_channel_id: None,
    };
    let viewed = member
        .client
        .view_channel("me", &view)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(viewed.status.as_deref(), Some("OK"));
    assert!(viewed.last_viewed_at_times[&room].as_i64().unwrap() > 0);
    assert_fails(
        other.client.view_channel(member.id(), &view).await,
        403,
        FORBIDDEN,
    )
    .await;
    let unread = member
        .client
        .get_channel_unread("me", &room)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((unread.msg_count, unread.mention_count), (Some(0), Some(0)));
    let members = member
        .client
        .get_channel_members_for_user("me", &team_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(members.len(), 3);
    let with_team = member
        .client
        .get_channel_members_with_team_data_for_user("me", None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(with_team.len(), 3);
    assert!(
        with_team
            .iter()
            .all(|m| m.team_name.as_deref() == Some("readstate"))
    );
    assert_fails(
        other
            .client
            .get_channel_members_with_team_data_for_user(member.id(), None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let notify = types::ChannelNotifyProps {
        desktop: Some("mention".into()),
        ..Default::default()
    };
    member
        .client
        .update_channel_notify_props(&room, "me", &notify)
        .await
        .unwrap();
    let mine = member
        .client
        .get_channel_member(&room, member.id())
        .await
        .unwrap()
        .into_inner();
    let props = mine.notify_props.unwrap();
    assert_eq!(props.desktop.as_deref(), Some("mention"));
    assert_eq!(props.mark_unread.as_deref(), Some("all"));
    // GetUsers, autocomplete and counts by channel.
    let raw = |query: String| {
        let http = server.http();
        let url = server.api(&format!("/users?{query}"));
        let token = member.token.clone();
        async move {
            let response = http.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let users: Vec<serde_json::Value> = response.json().await.unwrap();
            users
                .into_iter()
                .map(|u| u["username"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(raw(format!("in_channel={room}")).await, ["member"]);
    assert_eq!(
        raw(format!("in_team={team_id}&not_in_channel={room}")).await,
        ["other", "owner"]
    );
    let completed = member
        .client
        .autocomplete_users(Some(&room), None, "o", Some(&team_id))
        .await
        .unwrap()
        .into_inner();
    assert!(completed.users.is_empty());
    let out: Vec<_> = completed
        .out_of_channel
        .into_iter()
        .filter_map(|u| u.username)
        .collect();
    assert_eq!(out, ["other", "owner"]);
    let count = admin
        .client
        .get_total_users_stats_filtered(None, Some(&room), None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(count.total_users_count, Some(1));
}

#[tokio::test]
async fn console_listings_and_searches() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let third = server.user(&admin, "third").await;
    let team_id = team(&owner, "console").await;
    add_to_team(&owner, &team_id, member.id()).await;
    add_to_team(&owner, &team_id, third.id()).await;
    let open = channel(&owner, &team_id, "open-talk", "O").await;
    let closed = channel(&owner, &team_id, "closed-talk", "P").await;
    let archived = channel(&member, &team_id, "old-talk", "O").await;
    member.client.delete_channel(&archived).await.unwrap();

    // The system console's list and search.
    let all = admin
        .client
        .get_all_channels(None, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        all.0.len(),
        4,
        "town-square, off-topic, open-talk, closed-talk"
    );
    assert!(
        all.0
            .iter()
            .all(|c| c.team_name.as_deref() == Some("console"))
    );
    let without_defaults = admin
        .client
        .get_all_channels(Some(true), None, Some(true), None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(without_defaults.0.len(), 3, "open, closed and archived");
    assert_fails(
        member
            .client
            .get_all_channels(None, None, None, None, None, None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let search = |term: &str| types::SearchAllChannelsBody {
        term: term.into(),
        deleted: None,
        exclude_default_channels: None,
        exclude_group_constrained: None,
        exclude_policy_constrained: false,
        group_constrained: None,
        include_search_by_id: false,
        not_associated_to_group: None,
        page: None,
        per_page: None,
        private: None,
        public: None,
        team_ids: Vec::new(),
    };
    let found = admin
        .client
        .search_all_channels(None, &search("CLOSED"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.channels.len(), 1);
    assert_fails(
        member
            .client
            .search_all_channels(None, &search("closed"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // Outside the console: only what the caller may see.
    let mine = member
        .client
        .search_all_channels(Some(false), &search("clo"))
        .await
        .unwrap()
        .into_inner();
    assert!(
        mine.channels.is_empty(),
        "a private channel they are not in"
    );
    // The total counts only what they may see, too.
    assert_eq!(mine.total_count, Some(0.0));
    let visible = member
        .client
        .search_all_channels(Some(false), &search("open"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(visible.channels.len(), 1);
    assert_eq!(visible.total_count, Some(1.0));

    // Team-level searches.
    let archived_found = member
        .client
        .search_archived_channels(
            &team_id,
            &types::SearchArchivedChannelsBody { term: "old".into() },
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(archived_found.len(), 1);
    add(&owner, &open, member.id()).await;
    let completed = member
        .client
        .autocomplete_channels_for_team_for_search(&team_id, "o")
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = completed.iter().filter_map(|c| c.name.clone()).collect();
    assert_eq!(names, ["off-topic", "open-talk"]);
    let zones = member
        .client
        .get_channel_members_timezones(&open)
        .await
        .unwrap()
        .into_inner();
    assert!(zones.len() <= 2);
    assert_fails(
        member.client.get_channel_members_timezones(&closed).await,
        403,
        FORBIDDEN,
    )
    .await;

    // Group channels by their members' names.
    owner
        .client
        .create_group_channel(&vec![member.id().to_owned(), third.id().to_owned()])
        .await
        .unwrap();
    let groups = member
        .client
        .search_group_channels(&types::SearchGroupChannelsBody { term: "thi".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(groups.len(), 1);

    // A channel scheme lists the channels using it.
    let scheme = admin
        .client
        .create_scheme(&types::CreateSchemeBody {
            name: "moderated".into(),
            description: None,
            scope: "channel".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    admin
        .client
        .update_channel_scheme(
            &open,
            &types::UpdateChannelSchemeBody {
                scheme_id: scheme.clone(),
            },
        )
        .await
        .unwrap();
    let using = admin
        .client
        .get_channels_for_scheme(&scheme, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(using.len(), 1);
    // The scheme moderates posting; reading still comes from the team's channel roles.
    let user_role = admin
        .client
        .get_scheme(&scheme)
        .await
        .unwrap()
        .into_inner()
        .default_channel_user_role
        .unwrap();
    let role = admin
        .client
        .get_role_by_name(&user_role)
        .await
        .unwrap()
        .into_inner();
    let permissions: Vec<String> = role
        .permissions
        .into_iter()
        .filter(|p| p != "create_post")
        .collect();
    admin
        .client
        .patch_role(
            role.id.as_deref().unwrap(),
            &types::PatchRoleBody { permissions },
        )
        .await
        .unwrap();
    member.client.get_channel(&open).await.unwrap();
    let header = types::PatchChannelBody {
        header: Some("still editable".into()),
        ..Default::default()
    };
    member.client.patch_channel(&open, &header).await.unwrap();
    let post = types::CreatePostBody {
        channel_id: open.clone(),
        message: "hello".into(),
        root_id: None,
        file_ids: Vec::new(),
        metadata: None,
        props: serde_json::Map::new(),
        pending_post_id: None,
    };
    assert_fails(member.client.create_post(None, &post).await, 403, FORBIDDEN).await;
    let square = member
        .client
        .get_channel_by_name(&team_id, "town-square", None)
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let elsewhere = types::CreatePostBody {
        channel_id: square,
        ..post
    };
    member.client.create_post(None, &elsewhere).await.unwrap();
}

#[tokio::test]
async fn moving_a_channel_to_another_team() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let first = team(&owner, "first").await;
    let second = team(&owner, "second").await;
    add_to_team(&owner, &first, member.id()).await;
    let room = channel(&owner, &first, "room", "O").await;
    add(&owner, &room, member.id()).await;
    let body = |force: Option<bool>| types::MoveChannelBody {
        team_id: second.clone(),
        force,
    };
    assert_fails(
        owner.client.move_channel(&room, &body(None)).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        admin.client.move_channel(&room, &body(None)).await,
        400,
        "app.channel.move_channel.members_do_not_match.error",
    )
    .await;
    let moved = admin
        .client
        .move_channel(&room, &body(Some(true)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.team_id.as_deref(), Some(second.as_str()));
    assert_fails(
        member.client.get_channel_member(&room, member.id()).await,
        403,
        FORBIDDEN,
    )
    .await;
    // A name already taken in the target team, and direct channels, stay put.
    let twin = channel(&owner, &first, "room", "O").await;
    assert_fails(
        admin.client.move_channel(&twin, &body(Some(true))).await,
        400,
        "store.sql_channel.update.exists.app_error",
    )
    .await;
    let dm = owner
        .client
        .create_direct_channel(&[owner.id().to_owned(), member.id().to_owned()])
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    assert_fails(
        admin.client.move_channel(&dm, &body(Some(true))).await,
        400,
        "api.channel.move_channel.type.invalid",
    )
    .await;
}
