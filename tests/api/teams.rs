//! Teams: creation and validation, what each caller sees, membership (joining, adding,
//! leaving, invite links and email invitations), member roles and their limits, archiving,
//! and the user directory's team filters.

use crate::common::smtp::Mailbox;
use crate::common::{Account, PASSWORD, TestServer, assert_fails, new_user};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn team_body(name: &str, kind: &str) -> types::CreateTeamBody {
    types::CreateTeamBody {
        name: name.into(),
        display_name: format!("The {name} team"),
        type_: kind.into(),
    }
}

async fn create(account: &Account, name: &str, kind: &str) -> types::Team {
    account
        .client
        .create_team(&team_body(name, kind))
        .await
        .unwrap()
        .into_inner()
}

async fn add(by: &Account, team: &types::Team, user_id: &str) -> types::TeamMember {
    let team_id = team.id.clone().unwrap();
    let body = types::AddTeamMemberBody {
        team_id: Some(team_id.clone()),
        user_id: Some(user_id.to_owned()),
    };
    by.client
        .add_team_member(&team_id, &body)
        .await
        .unwrap()
        .into_inner()
}

fn id(team: &types::Team) -> &str {
    team.id.as_deref().unwrap()
}

#[tokio::test]
async fn a_created_team_has_its_creator_as_admin_and_names_are_checked() {
    let server = TestServer::start_with(|c| c.guest_accounts_settings.enable = true).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let team = create(&user, "core", "O").await;
    assert_eq!(team.name.as_deref(), Some("core"));
    assert_eq!(team.email.as_deref(), Some("basic@example.com"));
    assert_eq!(team.invite_id.as_deref().map(str::len), Some(26));
    assert_eq!(team.allow_open_invite, Some(false));
    let member = user
        .client
        .get_team_member(id(&team), user.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(member.roles.as_deref(), Some("team_user team_admin"));
    assert_eq!(member.scheme_admin, Some(true));
    assert_eq!(member.explicit_roles.as_deref(), Some(""));
    let mine = user
        .client
        .get_teams_for_user("me")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.len(), 1);

    for (name, display, kind, error) in [
        ("core", "Again", "O", "app.team.save.existing.app_error"),
        (
            "api-team",
            "Reserved",
            "O",
            "model.team.is_valid.reserved.app_error",
        ),
        (
            "Bad Name",
            "Bad",
            "O",
            "model.team.is_valid.characters.app_error",
        ),
        (
            "x",
            "Short",
            "O",
            "model.team.is_valid.characters.app_error",
        ),
        (
            "-dash",
            "Dash",
            "O",
            "model.team.is_valid.characters.app_error",
        ),
        ("fine", "", "O", "model.team.is_valid.name.app_error"),
        ("fine", "Fine", "X", "model.team.is_valid.type.app_error"),
    ] {
        let body = types::CreateTeamBody {
            name: name.into(),
            display_name: display.into(),
            type_: kind.into(),
        };
        assert_fails(user.client.create_team(&body).await, 400, error).await;
    }
    let guest = server.user(&admin, "guestie").await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    assert_fails(
        guest.client.create_team(&team_body("guestteam", "O")).await,
        403,
        "api.team.is_team_creation_allowed.disabled.app_error",
    )
    .await;
    assert_fails(
        server
            .anonymous()
            .create_team(&team_body("anon", "O"))
            .await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
    server.configure(|c| c.team_settings.restrict_creation_to_domains = "corp.example".into());
    for account in [&user, &admin] {
        assert_fails(
            account.client.create_team(&team_body("outside", "O")).await,
            400,
            "api.team.is_team_creation_allowed.domain.app_error",
        )
        .await;
    }
    server.configure(|c| {
        c.team_settings.restrict_creation_to_domains = "@Example.com, corp.example".into()
    });
    create(&user, "inside", "O").await;
}

#[tokio::test]
async fn who_sees_a_team_and_how_much() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = create(&owner, "private", "I").await;
    add(&owner, &team, member.id()).await;

    // A plain member sees the invite id (invite_user) but not the email (manage_team).
    let seen = member
        .client
        .get_team(id(&team))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen.email.as_deref(), Some(""));
    assert_eq!(seen.invite_id, team.invite_id);
    let by_name = member
        .client
        .get_team_by_name("private")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_name.id, team.id);
    // Someone outside an invite-only team sees nothing of it.
    assert_fails(outsider.client.get_team(id(&team)).await, 403, FORBIDDEN).await;
    assert_fails(
        outsider.client.get_team_by_name("private").await,
        403,
        FORBIDDEN,
    )
    .await;
    let exists = |c: &Account, name: &'static str| {
        let client = c.client.clone();
        async move {
            client
                .team_exists(name)
                .await
                .unwrap()
                .into_inner()
                .exists
                .unwrap()
        }
    };
    assert!(exists(&member, "private").await);
    assert!(!exists(&outsider, "private").await);
    assert!(exists(&admin, "private").await);
    assert!(!exists(&admin, "nothing-here").await);
    let listed = outsider
        .client
        .get_all_teams(None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert!(listed.is_empty(), "invite-only teams are not listed");

    // Opened to anyone, it is listed and readable, sanitised.
    let privacy = types::UpdateTeamPrivacyBody {
        privacy: "O".into(),
    };
    let opened = owner
        .client
        .update_team_privacy(id(&team), &privacy)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(opened.allow_open_invite, Some(true));
    assert_eq!(opened.type_.as_deref(), Some("O"));
    let seen = outsider
        .client
        .get_team(id(&team))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen.invite_id.as_deref(), Some(""));
    assert_eq!(seen.email.as_deref(), Some(""));
    let listed = outsider
        .client
        .get_all_teams(None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 1);
    let all = admin
        .client
        .get_all_teams(None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all[0].email.as_deref(), Some("owner@example.com"));
    let found = outsider
        .client
        .search_teams(&types::SearchTeamsBody {
            term: Some("PRI".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.teams.len(), 1);
    assert_eq!(found.total_count, Some(1.0));

    assert_fails(
        member.client.get_team("junk").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    assert_fails(
        member.client.get_team(&ferromost::ids::new_id()).await,
        404,
        "app.team.get.find.app_error",
    )
    .await;
    assert_fails(
        member.client.get_team_by_name("no-such-team").await,
        404,
        "app.team.get_by_name.missing.app_error",
    )
    .await;
    assert_fails(
        member.client.get_team_by_name("Bad_Name!").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
}

#[tokio::test]
async fn joining_adding_and_leaving() {
    let server = TestServer::start_with(|c| c.team_settings.max_users_per_team = 4).await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let joiner = server.user(&admin, "joiner").await;
    let other = server.user(&admin, "other").await;
    let team = create(&owner, "club", "I").await;
    let join = |who: &Account| types::AddTeamMemberBody {
        team_id: team.id.clone(),
        user_id: Some(who.id().to_owned()),
    };
    // Invite only: nobody joins themself (join_private_teams), members add others.
    assert_fails(
        joiner
            .client
            .add_team_member(id(&team), &join(&joiner))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        joiner
            .client
            .add_team_member(id(&team), &join(&other))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    owner
        .client
        .update_team_privacy(
            id(&team),
            &types::UpdateTeamPrivacyBody {
                privacy: "O".into(),
            },
        )
        .await
        .unwrap();
    let member = joiner
        .client
        .add_team_member(id(&team), &join(&joiner))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(member.roles.as_deref(), Some("team_user"));
    // A plain member may add others (team_user has add_user_to_team) and adding twice is
    // harmless.
    joiner
        .client
        .add_team_member(id(&team), &join(&other))
        .await
        .unwrap();
    joiner
        .client
        .add_team_member(id(&team), &join(&other))
        .await
        .unwrap();
    let members = owner
        .client
        .get_team_members(id(&team), None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(members.len(), 3);
    let stats = owner
        .client
        .get_team_stats(id(&team))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.total_member_count, Some(3));
    // The team is full at MaxUsersPerTeam.
    let fourth = server.user(&admin, "fourth").await;
    let fifth = server.user(&admin, "fifth").await;
    add(&owner, &team, fourth.id()).await;
    assert_fails(
        owner.client.add_team_member(id(&team), &join(&fifth)).await,
        400,
        "app.team.join_user_to_team.max_accounts.app_error",
    )
    .await;
    // Members leave by themselves; removing someone else takes remove_user_from_team.
    assert_fails(
        joiner
            .client
            .remove_team_member(id(&team), other.id())
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    other
        .client
        .remove_team_member(id(&team), other.id())
        .await
        .unwrap();
    owner
        .client
        .remove_team_member(id(&team), fourth.id())
        .await
        .unwrap();
    assert_fails(
        owner
            .client
            .remove_team_member(id(&team), fourth.id())
            .await,
        400,
        "api.team.remove_user_from_team.missing.app_error",
    )
    .await;
    assert_fails(
        owner.client.get_team_member(id(&team), fourth.id()).await,
        404,
        "app.team.get_member.missing.app_error",
    )
    .await;
    // Left members lose access at once.
    assert_fails(
        other.client.get_team_members(id(&team), None, None).await,
        403,
        FORBIDDEN,
    )
    .await;
    // Body and id checks.
    let wrong_team = types::AddTeamMemberBody {
        team_id: Some(ferromost::ids::new_id()),
        user_id: Some(fifth.id().to_owned()),
    };
    assert_fails(
        owner.client.add_team_member(id(&team), &wrong_team).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    let unknown = types::AddTeamMemberBody {
        team_id: team.id.clone(),
        user_id: Some(ferromost::ids::new_id()),
    };
    assert_fails(
        owner.client.add_team_member(id(&team), &unknown).await,
        404,
        "app.user.missing_account.const",
    )
    .await;
    // Batch: all or nothing, or graceful.
    let batch = vec![
        types::TeamMember {
            team_id: team.id.clone(),
            user_id: Some(fifth.id().to_owned()),
            ..Default::default()
        },
        types::TeamMember {
            team_id: team.id.clone(),
            user_id: Some(ferromost::ids::new_id()),
            ..Default::default()
        },
    ];
    owner
        .client
        .remove_team_member(id(&team), joiner.id())
        .await
        .unwrap();
    assert!(
        owner
            .client
            .add_team_members(id(&team), None, &batch)
            .await
            .is_err()
    );
    let added = owner
        .client
        .add_team_members(id(&team), Some(true), &batch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(added.len(), 1);
    let by_ids = owner
        .client
        .get_team_members_by_ids(
            id(&team),
            &vec![fifth.id().to_owned(), joiner.id().to_owned()],
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_ids.len(), 1, "joiner left");
    let theirs = admin
        .client
        .get_team_members_for_user(fifth.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(theirs.len(), 1);
    assert_fails(
        joiner.client.get_teams_for_user(fifth.id()).await,
        403,
        FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn member_roles_and_their_limits() {
    let server = TestServer::start_with(|c| c.guest_accounts_settings.enable = true).await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let guest = server.user(&admin, "guestie").await;
    let team = create(&owner, "roles", "I").await;
    add(&owner, &team, member.id()).await;
    add(&owner, &team, admin.id()).await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    let as_guest = add(&owner, &team, guest.id()).await;
    assert_eq!(as_guest.roles.as_deref(), Some("team_guest"));
    assert_eq!(as_guest.scheme_guest, Some(true));

    // Before promotion, a member cannot manage the team.
    let patch = types::PatchTeamBody {
        display_name: Some("Renamed".into()),
        ..Default::default()
    };
    assert_fails(
        member.client.patch_team(id(&team), &patch).await,
        403,
        FORBIDDEN,
    )
    .await;
    let roles = types::UpdateTeamMemberRolesBody {
        roles: "team_user team_admin".into(),
    };
    owner
        .client
        .update_team_member_roles(id(&team), member.id(), &roles)
        .await
        .unwrap();
    // Effective on the next request.
    let patched = member
        .client
        .patch_team(id(&team), &patch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(patched.display_name.as_deref(), Some("Renamed"));
    assert_eq!(patched.email.as_deref(), Some("owner@example.com"));
    // A team admin cannot change a system admin's member roles, nor make a guest a user.
    let demote = types::UpdateTeamMemberSchemeRolesBody {
        scheme_admin: false,
        scheme_user: false,
    };
    assert_fails(
        member
            .client
            .update_team_member_scheme_roles(id(&team), admin.id(), &demote)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let promote = types::UpdateTeamMemberSchemeRolesBody {
        scheme_admin: false,
        scheme_user: true,
    };
    assert_fails(
        member
            .client
            .update_team_member_scheme_roles(id(&team), guest.id(), &promote)
            .await,
        400,
        "api.team.update_team_member_roles.guest_and_user.app_error",
    )
    .await;
    let guest_to_user = types::UpdateTeamMemberRolesBody {
        roles: "team_user".into(),
    };
    assert_fails(
        member
            .client
            .update_team_member_roles(id(&team), guest.id(), &guest_to_user)
            .await,
        400,
        "api.team.update_team_member_roles.guest.app_error",
    )
    .await;
    let bogus = types::UpdateTeamMemberRolesBody {
        roles: "team_user no_such_role".into(),
    };
    assert_fails(
        member
            .client
            .update_team_member_roles(id(&team), owner.id(), &bogus)
            .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    // The owner is demoted by the new admin and loses manage_team at once.
    let plain = types::UpdateTeamMemberSchemeRolesBody {
        scheme_admin: false,
        scheme_user: true,
    };
    member
        .client
        .update_team_member_scheme_roles(id(&team), owner.id(), &plain)
        .await
        .unwrap();
    assert_fails(
        owner.client.patch_team(id(&team), &patch).await,
        403,
        FORBIDDEN,
    )
    .await;
    // The guest sees its teammates, and only them.
    let outsider = server.user(&admin, "outsider").await;
    guest.client.get_user(member.id()).await.unwrap();
    assert_fails(guest.client.get_user(outsider.id()).await, 403, FORBIDDEN).await;
    // Promoted back, the guest is a plain team user.
    admin
        .client
        .promote_guest_to_user(guest.id())
        .await
        .unwrap();
    let back = owner
        .client
        .get_team_member(id(&team), guest.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(back.roles.as_deref(), Some("team_user"));
}

#[tokio::test]
async fn a_team_scheme_replaces_the_team_roles() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let team = create(&owner, "schemed", "I").await;
    add(&owner, &team, member.id()).await;
    let scheme = admin
        .client
        .create_scheme(&types::CreateSchemeBody {
            name: "strict".into(),
            description: None,
            scope: "team".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let user_role = scheme.default_team_user_role.clone().unwrap();
    assert_fails(
        owner
            .client
            .update_team_scheme(
                id(&team),
                &types::UpdateTeamSchemeBody {
                    scheme_id: scheme.id.clone().unwrap(),
                },
            )
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    admin
        .client
        .update_team_scheme(
            id(&team),
            &types::UpdateTeamSchemeBody {
                scheme_id: scheme.id.clone().unwrap(),
            },
        )
        .await
        .unwrap();
    let using = admin
        .client
        .get_teams_for_scheme(scheme.id.as_deref().unwrap(), None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(using.len(), 1);
    let seen = member
        .client
        .get_team_member(id(&team), member.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen.roles.as_deref(), Some(user_role.as_str()));
    // Taking view_team from the scheme's user role shuts its members out.
    let role = admin
        .client
        .get_role_by_name(&user_role)
        .await
        .unwrap()
        .into_inner();
    let permissions: Vec<String> = role
        .permissions
        .into_iter()
        .filter(|p| p != "view_team")
        .collect();
    admin
        .client
        .patch_role(
            role.id.as_deref().unwrap(),
            &types::PatchRoleBody { permissions },
        )
        .await
        .unwrap();
    assert_fails(
        member.client.get_team_members(id(&team), None, None).await,
        403,
        FORBIDDEN,
    )
    .await;
    let channel_scheme = admin
        .client
        .create_scheme(&types::CreateSchemeBody {
            name: "chan".into(),
            description: None,
            scope: "channel".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_fails(
        admin
            .client
            .update_team_scheme(
                id(&team),
                &types::UpdateTeamSchemeBody {
                    scheme_id: channel_scheme.id.unwrap(),
                },
            )
            .await,
        400,
        "api.team.update_team_scheme.scheme_scope.error",
    )
    .await;
}

#[tokio::test]
async fn invite_links_and_email_invitations() {
    let (mailbox, port) = Mailbox::start().await;
    let server = TestServer::start_with(|c| {
        c.email_settings.smtp_port = port.to_string();
        c.email_settings.smtp_server = "127.0.0.1".into();
        c.service_settings.site_url = "http://chat.example".into();
    })
    .await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let team = create(&owner, "invited", "O").await;
    let invite_id = team.invite_id.clone().unwrap();

    // The invite link's public face, without a session.
    let info = server
        .anonymous()
        .get_team_invite_info(&invite_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.name.as_deref(), Some("invited"));
    // Sign-up through the link joins the team, even with open sign-up off.
    let joined = server
        .anonymous()
        .create_user(Some(&invite_id), None, &new_user("linked"))
        .await
        .unwrap()
        .into_inner();
    let linked = server.login("linked", PASSWORD).await;
    linked
        .client
        .get_team_member(id(&team), joined.id.as_deref().unwrap())
        .await
        .unwrap();
    // An existing account joins by invite id.
    let existing = server.user(&admin, "existing").await;
    let response = server
        .http()
        .post(server.api(&format!(
            "/teams/members/invite?token=&invite_id={invite_id}"
        )))
        .bearer_auth(&existing.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "as Client4 sends it");
    let member = existing
        .client
        .add_team_member_from_invite(Some(&invite_id), None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(member.user_id.as_deref(), Some(existing.id()));
    // A regenerated invite id retires the old link.
    owner
        .client
        .regenerate_team_invite_id(id(&team))
        .await
        .unwrap();
    assert_fails(
        server
            .anonymous()
            .create_user(Some(&invite_id), None, &new_user("late"))
            .await,
        404,
        "app.team.get_by_invite_id.finding.app_error",
    )
    .await;
    assert_fails(
        server
            .anonymous()
            .create_user(Some("junk"), None, &new_user("junky"))
            .await,
        400,
        "api.user.create_user.signup_link_invalid.app_error",
    )
    .await;

    // Email invitations need the setting.
    let emails = vec!["newcomer@example.com".to_owned()];
    assert_fails(
        owner.client.invite_users_to_team(id(&team), &emails).await,
        501,
        "api.team.invite_members.disabled.app_error",
    )
    .await;
    server.configure(|c| c.service_settings.enable_email_invitations = true);
    let outsider = server.user(&admin, "outsider").await;
    assert_fails(
        outsider
            .client
            .invite_users_to_team(id(&team), &emails)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        owner
            .client
            .invite_users_to_team(id(&team), &vec!["not an address".to_owned()])
            .await,
        400,
        "api.team.invite_members.invalid_email.app_error",
    )
    .await;
    owner
        .client
        .invite_users_to_team(id(&team), &emails)
        .await
        .unwrap();
    let mail = mailbox
        .find("newcomer@example.com", "signup_user_complete")
        .await;
    assert!(mail.data.contains("owner invited you"), "{}", mail.data);
    let token = mail.link_param("t");
    // Racing sign-ups with one invitation: exactly one succeeds; the address is the invited
    // one and counts as verified.
    let bodies: Vec<serde_json::Value> = (0..4)
        .map(|i| {
            serde_json::json!({
                "username": format!("newcomer{i}"),
                "email": format!("other{i}@example.com"),
                "password": PASSWORD,
            })
        })
        .collect();
    let statuses = server.race(&format!("/users?t={token}"), bodies).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    let created = admin
        .client
        .get_user_by_email("newcomer@example.com")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.email_verified, Some(true));
    let members = owner
        .client
        .get_team_members(id(&team), None, None)
        .await
        .unwrap()
        .into_inner();
    assert!(members.iter().any(|m| m.user_id == created.id));
    // A refused sign-up keeps the invitation; invalidation ends it.
    owner
        .client
        .invite_users_to_team(id(&team), &vec!["second@example.com".to_owned()])
        .await
        .unwrap();
    let token = mailbox
        .find("second@example.com", "signup_user_complete")
        .await
        .link_param("t");
    let mut taken = new_user("owner");
    taken.email = "x@example.com".into();
    assert!(
        server
            .anonymous()
            .create_user(None, Some(&token), &taken)
            .await
            .is_err()
    );
    assert_fails(
        owner.client.invalidate_email_invites().await,
        403,
        FORBIDDEN,
    )
    .await;
    admin.client.invalidate_email_invites().await.unwrap();
    assert_fails(
        server
            .anonymous()
            .create_user(None, Some(&token), &new_user("second"))
            .await,
        400,
        "api.user.create_user.signup_link_invalid.app_error",
    )
    .await;
}

#[tokio::test]
async fn archiving_restoring_and_deleting() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let team = create(&owner, "archive", "I").await;
    add(&owner, &team, member.id()).await;
    assert_fails(
        member.client.soft_delete_team(id(&team), None).await,
        403,
        FORBIDDEN,
    )
    .await;
    owner
        .client
        .soft_delete_team(id(&team), None)
        .await
        .unwrap();
    let archived = owner.client.get_team(id(&team)).await.unwrap().into_inner();
    assert_ne!(archived.delete_at, Some(0));
    assert!(
        member
            .client
            .get_teams_for_user("me")
            .await
            .unwrap()
            .into_inner()
            .is_empty(),
        "archived teams are not among a user's teams"
    );
    let restored = owner
        .client
        .restore_team(id(&team))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(restored.delete_at, Some(0));
    assert_fails(
        owner.client.soft_delete_team(id(&team), Some(true)).await,
        401,
        "api.user.delete_team.not_enabled.app_error",
    )
    .await;
    server.configure(|c| c.service_settings.enable_api_team_deletion = true);
    owner
        .client
        .soft_delete_team(id(&team), Some(true))
        .await
        .unwrap();
    assert_fails(
        admin.client.get_team(id(&team)).await,
        404,
        "app.team.get.find.app_error",
    )
    .await;
    // Updating checks the body's id and the fields.
    let other = create(&owner, "other", "O").await;
    let mut update = types::UpdateTeamBody {
        id: other.id.clone().unwrap(),
        display_name: "Other".into(),
        description: "d".repeat(256),
        company_name: String::new(),
        allowed_domains: String::new(),
        invite_id: String::new(),
        allow_open_invite: true,
    };
    assert_fails(
        owner.client.update_team(id(&other), &update).await,
        400,
        "model.team.is_valid.description.app_error",
    )
    .await;
    update.description = "fine".into();
    update.allowed_domains = "example.com".into();
    let saved = owner
        .client
        .update_team(id(&other), &update)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(saved.allow_open_invite, Some(true));
    update.id = ferromost::ids::new_id();
    assert_fails(
        owner.client.update_team(id(&other), &update).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    // Allowed domains bind joining.
    let stranger = admin
        .client
        .create_user(None, None, &{
            let mut body = new_user("stranger");
            body.email = "stranger@elsewhere.org".into();
            body
        })
        .await
        .unwrap()
        .into_inner();
    let body = types::AddTeamMemberBody {
        team_id: other.id.clone(),
        user_id: stranger.id.clone(),
    };
    assert_fails(
        owner.client.add_team_member(id(&other), &body).await,
        400,
        "api.team.join_user_to_team.allowed_domains.app_error",
    )
    .await;
}

#[tokio::test]
async fn the_directory_filters_by_team() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let loner = server.user(&admin, "loner").await;
    let team = create(&owner, "dir", "I").await;
    add(&owner, &team, member.id()).await;
    let names = |users: Vec<types::User>| -> Vec<String> {
        users.into_iter().filter_map(|u| u.username).collect()
    };
    let in_team = member
        .client
        .get_users(
            None,
            None,
            None,
            None,
            None,
            Some(id(&team)),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )
        .await;
    let in_team = names(in_team.unwrap().into_inner());
    assert_eq!(in_team, ["member", "owner"]);
    let raw = |query: String| {
        let http = server.http();
        let url = server.api(&format!("/users?{query}"));
        let token = admin.token.clone();
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
    assert_eq!(
        raw(format!("not_in_team={}", id(&team))).await,
        ["loner", "sysadmin"]
    );
    assert_eq!(raw("without_team=true".into()).await, ["loner", "sysadmin"]);
    assert_fails(
        loner
            .client
            .get_users(
                None,
                None,
                None,
                None,
                None,
                Some(id(&team)),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            )
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let found = member
        .client
        .search_users(&types::SearchUsersBody {
            term: "o".into(),
            team_id: team.id.clone(),
            allow_inactive: None,
            group_constrained: None,
            in_channel_id: None,
            in_group_id: None,
            limit: 100,
            not_in_channel_id: None,
            not_in_team_id: None,
            without_team: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(names(found), ["owner"]);
    let completed = member
        .client
        .autocomplete_users(None, None, "m", Some(id(&team)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(names(completed.users), ["member"]);
    let stats = admin
        .client
        .get_total_users_stats_filtered(None, None, Some(id(&team)), None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.total_users_count, Some(2));
}

#[tokio::test]
async fn team_icons() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = create(&owner, "iconic", "I").await;
    add(&owner, &team, member.id()).await;
    let icon = |who: &Account| {
        let http = server.http();
        let url = server.api(&format!("/teams/{}/image", id(&team)));
        let token = who.token.clone();
        async move { http.get(url).bearer_auth(token).send().await.unwrap() }
    };
    crate::common::assert_app_error(
        icon(&member).await,
        404,
        "api.team.get_team_icon.read_file.app_error",
    )
    .await;
    let upload = || ferromost_client::Upload::new("icon.png", crate::images::png(300, 200));
    assert_fails(
        member.client.set_team_icon(id(&team), upload()).await,
        403,
        FORBIDDEN,
    )
    .await;
    owner
        .client
        .set_team_icon(id(&team), upload())
        .await
        .unwrap();
    let reply = icon(&member).await;
    assert_eq!(reply.status(), 200);
    let etag = reply.headers()["etag"].to_str().unwrap().to_owned();
    let png = image::load_from_memory(&reply.bytes().await.unwrap()).unwrap();
    assert_eq!((png.width(), png.height()), (128, 128));
    let again = server
        .http()
        .get(server.api(&format!("/teams/{}/image", id(&team))))
        .bearer_auth(&member.token)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let seen = member
        .client
        .get_team(id(&team))
        .await
        .unwrap()
        .into_inner();
    assert!(seen.last_team_icon_update.unwrap() > 0);
    assert_eq!(icon(&outsider).await.status(), 403);
    assert_fails(
        owner
            .client
            .set_team_icon(
                id(&team),
                ferromost_client::Upload::new("icon.png", b"not an image".to_vec()),
            )
            .await,
        400,
        "api.team.set_team_icon.decode.app_error",
    )
    .await;
    assert_fails(
        member.client.remove_team_icon(id(&team)).await,
        403,
        FORBIDDEN,
    )
    .await;
    owner.client.remove_team_icon(id(&team)).await.unwrap();
    assert_eq!(icon(&member).await.status(), 404);
}

#[tokio::test]
async fn guest_invitations() {
    let (mailbox, port) = Mailbox::start().await;
    let server = TestServer::start_with(|c| {
        c.email_settings.smtp_port = port.to_string();
        c.email_settings.smtp_server = "127.0.0.1".into();
        c.service_settings.site_url = "http://chat.example".into();
    })
    .await;
    let admin = server.admin().await;
    let owner = server.user(&admin, "owner").await;
    let team = create(&owner, "guests", "I").await;
    let other_team = create(&owner, "elsewhere", "I").await;
    let channel_of = |team_id: String, name: &'static str| {
        let client = owner.client.clone();
        async move {
            client
                .get_channel_by_name(&team_id, name, None)
                .await
                .unwrap()
                .into_inner()
                .id
                .unwrap()
        }
    };
    let square = channel_of(team.id.clone().unwrap(), "town-square").await;
    let foreign = channel_of(other_team.id.clone().unwrap(), "town-square").await;
    let invite = |channels: Vec<String>, email: &str| types::InviteGuestsToTeamBody {
        emails: vec![email.to_owned()],
        channels,
        message: None,
    };
    assert_fails(
        admin
            .client
            .invite_guests_to_team(
                id(&team),
                &invite(vec![square.clone()], "g@partner.example"),
            )
            .await,
        501,
        "api.team.invite_guests_to_channels.disabled.error",
    )
    .await;
    server.configure(|c| {
        c.guest_accounts_settings.enable = true;
        c.guest_accounts_settings.restrict_creation_to_domains = "partner.example".into();
    });
    // invite_guest is the system admin's alone by default: a team admin may not.
    assert_fails(
        owner
            .client
            .invite_guests_to_team(
                id(&team),
                &invite(vec![square.clone()], "g@partner.example"),
            )
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        admin
            .client
            .invite_guests_to_team(id(&team), &invite(vec![foreign], "g@partner.example"))
            .await,
        400,
        "api.team.invite_guests.channel_in_invalid_team.app_error",
    )
    .await;
    assert_fails(
        admin
            .client
            .invite_guests_to_team(id(&team), &invite(vec![square.clone()], "g@elsewhere.org"))
            .await,
        400,
        "api.team.invite_members.invalid_email.app_error",
    )
    .await;
    admin
        .client
        .invite_guests_to_team(
            id(&team),
            &invite(vec![square.clone()], "g@partner.example"),
        )
        .await
        .unwrap();
    let token = mailbox
        .find("g@partner.example", "signup_user_complete")
        .await
        .link_param("t");
    let mut body = new_user("visitor");
    body.email = "ignored@elsewhere.org".into();
    let guest = server
        .anonymous()
        .create_user(None, Some(&token), &body)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(guest.email.as_deref(), Some("g@partner.example"));
    assert_eq!(guest.roles.as_deref(), Some("system_guest"));
    let visitor = server.login("visitor", PASSWORD).await;
    let member = visitor
        .client
        .get_team_member(id(&team), visitor.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(member.scheme_guest, Some(true));
    let channels = visitor
        .client
        .get_channels_for_team_for_user("me", id(&team), None, None)
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = channels.into_iter().filter_map(|c| c.name).collect();
    assert_eq!(
        names,
        ["town-square"],
        "the invited channel only, no defaults"
    );
}
