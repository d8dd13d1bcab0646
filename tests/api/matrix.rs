//! The permission matrix: every identity operation (users, sessions, MFA, tokens, bots,
//! roles, schemes, terms of service, audits, threads; logout aside, tested with sessions)
//! and the main team, channel, post, preference, reaction and status operations, each sent by seven callers, with the
//! status Mattermost's roles give each. The basic user acts on another user (`{t}`) who
//! shares their team (`{team}`, invite only, with its town-square `{square}` and a private
//! channel `{hidden}` only the system admin is in); the team admin administers that team;
//! the guest and the bot are in no team. Rows that change their targets for good come last.

use crate::common::{Account, PASSWORD, TestServer};
use ferromost_client::types;

/// Columns: anonymous, basic user, guest, bot, team admin, system manager, system admin.
const CALLERS: [&str; 7] = [
    "anonymous",
    "user",
    "guest",
    "bot",
    "team_admin",
    "manager",
    "admin",
];

/// (method, path with placeholders (see [`Targets`]); JSON body, in which {n} is unique per
/// request, or `<png>`/`<svg>` for an image upload; expected statuses by caller)
const MATRIX: &[(&str, &str, &str, [u16; 7])] = &[
    ("GET", "/users/{t}", "", [401, 200, 403, 200, 200, 200, 200]),
    (
        "GET",
        "/users/junk",
        "",
        [401, 400, 400, 400, 400, 400, 400],
    ),
    (
        "GET",
        "/users/{unknown}",
        "",
        [401, 404, 404, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/users/{t}/image",
        "",
        [401, 200, 403, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/{t}/sessions",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/audits",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/terms_of_service",
        "",
        [401, 403, 403, 403, 403, 403, 404],
    ),
    (
        "PUT",
        "/users/{t}/patch",
        r#"{"nickname":"n"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/roles",
        r#"{"roles":"system_user"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/active",
        r#"{"active":true}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/password",
        r#"{"new_password":"Another-1"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/{t}/tokens",
        r#"{"description":"d"}"#,
        [401, 403, 403, 403, 403, 403, 501],
    ),
    (
        "POST",
        "/users/{t}/mfa/generate",
        "",
        [401, 403, 403, 403, 403, 403, 501],
    ),
    (
        "GET",
        "/users/tokens",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/search",
        r#"{"term":"tar"}"#,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/stats",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    ("GET", "/audits", "", [401, 403, 403, 403, 403, 403, 200]),
    ("GET", "/config", "", [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/roles", "", [401, 403, 403, 403, 403, 403, 200]),
    (
        "GET",
        "/roles/name/system_user",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    ("GET", "/bots", "", [401, 403, 403, 403, 403, 403, 200]),
    (
        "POST",
        "/bots",
        r#"{"username":"matrixbot"}"#,
        [401, 403, 403, 403, 403, 403, 201],
    ),
    (
        "POST",
        "/schemes",
        r#"{"name":"s","scope":"team"}"#,
        [401, 403, 403, 403, 403, 403, 201],
    ),
    (
        "GET",
        "/teams/{team}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/teams/junk",
        "",
        [401, 400, 400, 400, 400, 400, 400],
    ),
    (
        "GET",
        "/teams/{unknown}",
        "",
        [401, 404, 404, 404, 404, 404, 404],
    ),
    ("GET", "/teams", "", [401, 200, 403, 200, 200, 200, 200]),
    (
        "POST",
        "/teams",
        r#"{"name":"made-{n}","display_name":"Made","type":"O"}"#,
        [401, 201, 403, 201, 201, 201, 201],
    ),
    (
        "GET",
        "/teams/{team}/members",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/teams/{team}/stats",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/users?in_team={team}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "PUT",
        "/teams/{team}/patch",
        r#"{"display_name":"Matrix"}"#,
        [401, 403, 403, 403, 200, 200, 200],
    ),
    (
        "POST",
        "/teams/{team}/members",
        r#"{"team_id":"{team}","user_id":"{t}"}"#,
        [401, 201, 403, 403, 201, 201, 201],
    ),
    (
        "PUT",
        "/teams/{team}/members/{t}/schemeRoles",
        r#"{"scheme_admin":false,"scheme_user":true}"#,
        [401, 403, 403, 403, 200, 200, 200],
    ),
    (
        "PUT",
        "/teams/{team}/members/{admin}/schemeRoles",
        r#"{"scheme_admin":true,"scheme_user":true}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/teams/{team}/regenerate_invite_id",
        "",
        [401, 403, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/channels/{square}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/channels/{hidden}",
        "",
        [401, 403, 403, 403, 403, 200, 200],
    ),
    (
        "GET",
        "/channels/junk",
        "",
        [401, 400, 400, 400, 400, 400, 400],
    ),
    (
        "GET",
        "/channels/{unknown}",
        "",
        [401, 404, 404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/channels",
        r#"{"team_id":"{team}","name":"made-{n}","display_name":"Made","type":"O"}"#,
        [401, 201, 403, 403, 201, 403, 201],
    ),
    (
        "PUT",
        "/channels/{square}/patch",
        r#"{"header":"h"}"#,
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "POST",
        "/channels/{hidden}/members",
        r#"{"user_id":"{t}"}"#,
        [401, 403, 403, 403, 201, 201, 201],
    ),
    (
        "GET",
        "/channels/{hidden}/members",
        "",
        [401, 403, 403, 403, 403, 200, 200],
    ),
    (
        "GET",
        "/posts/{post}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "POST",
        "/posts",
        r#"{"channel_id":"{square}","message":"m"}"#,
        [401, 201, 403, 403, 201, 403, 201],
    ),
    (
        "GET",
        "/posts/{post}/thread",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/users/{t}/teams/{team}/threads",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/me/teams/{team}/threads",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    ("GET", "/users", "", [401, 200, 200, 200, 200, 200, 200]),
    (
        "POST",
        "/users/ids",
        r#"["{t}"]"#,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/users/usernames",
        r#"["target"]"#,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/users/group_channels",
        r#"["{hidden}"]"#,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/autocomplete?name=tar",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/known",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/stats/filtered",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/username/target",
        "",
        [401, 200, 403, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/email/target@example.com",
        "",
        [401, 200, 403, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/{t}/image/default",
        "",
        [401, 200, 403, 200, 200, 200, 200],
    ),
    (
        "DELETE",
        "/users/{t}/image",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}",
        r#"{"id":"{t}","username":"target","email":"target@example.com"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/mfa",
        r#"{"activate":false}"#,
        [401, 403, 403, 403, 403, 403, 501],
    ),
    (
        "POST",
        "/users/mfa",
        r#"{"login_id":"target"}"#,
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/users/{t}/sessions/revoke",
        r#"{"session_id":"{unknown}"}"#,
        [401, 403, 403, 403, 403, 403, 404],
    ),
    (
        "POST",
        "/users/{t}/sessions/revoke/all",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/sessions/device",
        r#"{"device_id":"android_rn:dev-{n}"}"#,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/users/{t}/email/verify/member",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/email/verify",
        r#"{"token":"bad"}"#,
        [400, 400, 400, 400, 400, 400, 400],
    ),
    (
        "POST",
        "/users/email/verify/send",
        r#"{"email":"nobody@example.com"}"#,
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/users/password/reset",
        r#"{"code":"bad","new_password":"Another-1"}"#,
        [400, 400, 400, 400, 400, 400, 400],
    ),
    (
        "POST",
        "/users/password/reset/send",
        r#"{"email":"nobody@example.com"}"#,
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/users/login/type",
        r#"{"login_id":"target"}"#,
        [200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/users/login",
        r#"{"login_id":"target","password":"wrong"}"#,
        [401, 401, 401, 401, 401, 401, 401],
    ),
    (
        "POST",
        "/users/{t}/reset_failed_attempts",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users",
        r#"{"username":"new-{n}","email":"new-{n}@example.com","password":"Passw0rd!"}"#,
        [403, 403, 403, 403, 403, 403, 201],
    ),
    (
        "GET",
        "/users/{t}/tokens",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/tokens/{unknown}",
        "",
        [401, 403, 403, 403, 403, 403, 404],
    ),
    (
        "POST",
        "/users/tokens/revoke",
        r#"{"token_id":"{unknown}"}"#,
        [401, 403, 403, 403, 403, 403, 404],
    ),
    (
        "POST",
        "/users/tokens/disable",
        r#"{"token_id":"{unknown}"}"#,
        [401, 403, 403, 403, 403, 403, 404],
    ),
    (
        "POST",
        "/users/tokens/enable",
        r#"{"token_id":"{unknown}"}"#,
        [401, 403, 403, 403, 403, 403, 404],
    ),
    (
        "POST",
        "/users/tokens/search",
        r#"{"term":"x"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/{t}/terms_of_service",
        r#"{"serviceTermsId":"{unknown}","accepted":true}"#,
        [401, 403, 403, 403, 403, 403, 403],
    ),
    (
        "GET",
        "/users/invalid_emails",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/channel_members",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/reports/users",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/reports/users/count",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/limits/users",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/permissions/ancillary?subsection_permissions=sysconsole_read_reporting",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/roles/{role}",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/roles/names",
        r#"["system_user"]"#,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "PUT",
        "/roles/{role}/patch",
        r#"{"permissions":["create_post_public","use_channel_mentions","use_group_mentions"]}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    ("GET", "/schemes", "", [401, 403, 403, 403, 403, 403, 200]),
    (
        "GET",
        "/schemes/{scheme}",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/schemes/{scheme}/patch",
        r#"{"name":"renamed"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/schemes/{scheme}/teams",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/schemes/{scheme}/channels",
        "",
        [401, 403, 403, 403, 403, 403, 400],
    ),
    (
        "GET",
        "/terms_of_service",
        "",
        [401, 404, 404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/terms_of_service",
        r#"{"text":"Be kind."}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/bots/{bot}",
        "",
        [401, 404, 404, 404, 404, 404, 200],
    ),
    (
        "PUT",
        "/bots/{bot}",
        r#"{"username":"helper","display_name":"Helper"}"#,
        [401, 404, 404, 404, 404, 404, 200],
    ),
    (
        "GET",
        "/bots/{bot}/icon",
        "",
        [401, 404, 404, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/users/me/teams/{team}/threads/{post}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/users/me/teams/{team}/threads/mention_counts",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "PUT",
        "/users/me/teams/{team}/threads/{post}/following",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "PUT",
        "/users/me/teams/{team}/threads/{post}/read/0",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "POST",
        "/users/me/teams/{team}/threads/{post}/set_unread/{post}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "PUT",
        "/users/me/teams/{team}/threads/read",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "DELETE",
        "/users/me/teams/{team}/threads/{post}/following",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/users/{t}/teams/{team}/threads/{post}",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/preferences",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/status",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "PUT",
        "/users/{t}/status",
        r#"{"user_id":"{t}","status":"away"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/status/ids",
        r#"["{t}"]"#,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "PUT",
        "/users/{t}/status/custom",
        r#"{"emoji":"coffee","text":"away"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/posts/{post}/reactions",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "POST",
        "/reactions",
        r#"{"user_id":"{t}","post_id":"{post}","emoji_name":"smile"}"#,
        [401, 403, 403, 403, 403, 403, 403],
    ),
    (
        "GET",
        "/channels/{square}/pinned",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    ("GET", "/channels", "", [401, 403, 403, 403, 403, 200, 200]),
    (
        "POST",
        "/teams/{team}/posts/search",
        r#"{"terms":"hello","is_or_search":false}"#,
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/users/me/teams/{team}/unread",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/teams/{team}/image",
        "",
        [401, 404, 403, 403, 404, 404, 404],
    ),
    (
        "POST",
        "/users/{v1}/demote",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/{v1}/promote",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "DELETE",
        "/users/{v1}",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/{v2}/convert_to_bot",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{v3}/auth",
        r#"{"auth_data":"x-{n}","auth_service":"gitlab"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/{t}/image",
        "<png>",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/bots/{bot2}/icon",
        "<svg>",
        [401, 404, 404, 404, 404, 404, 200],
    ),
    (
        "POST",
        "/bots/{bot2}/disable",
        "",
        [401, 404, 404, 404, 404, 404, 200],
    ),
    (
        "POST",
        "/bots/{bot2}/enable",
        "",
        [401, 404, 404, 404, 404, 404, 200],
    ),
    (
        "DELETE",
        "/bots/{bot2}/icon",
        "",
        [401, 404, 404, 404, 404, 404, 200],
    ),
    (
        "POST",
        "/bots/{bot2}/assign/{t}",
        "",
        [401, 404, 404, 404, 404, 404, 200],
    ),
    (
        "POST",
        "/bots/{bot2}/convert_to_user",
        r#"{"password":"Passw0rd!"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "DELETE",
        "/schemes/{scheme}",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    ("DELETE", "/users", "", [401, 403, 403, 403, 403, 403, 403]),
    (
        "POST",
        "/users/sessions/revoke/all",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
];

/// The ids the matrix paths name, by placeholder: `{t}` the other user, `{team}` the team,
/// `{admin}` the system admin, `{square}` the team's town-square, `{hidden}` a private
/// channel only the system admin is in, `{post}` a post of the admin's there with a reply,
/// `{v1}`..`{v3}` users that rows deactivate, convert or move, `{bot}` the bot that calls,
/// `{bot2}` a bot rows disable and give away, `{scheme}` a team scheme, `{role}` the
/// team_post_all_public role.
type Targets = Vec<(&'static str, String)>;

async fn callers(server: &TestServer) -> (Vec<Option<String>>, Targets) {
    let admin = server.admin().await;
    let target = server.user(&admin, "target").await;
    let user = server.user(&admin, "basic").await;
    let team_admin = server.user(&admin, "teamadmin").await;
    let team = admin
        .client
        .create_team(&types::CreateTeamBody {
            name: "matrix".into(),
            display_name: "Matrix".into(),
            type_: "I".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    for member in [&target, &user, &team_admin] {
        let body = types::AddTeamMemberBody {
            team_id: Some(team.clone()),
            user_id: Some(member.id().to_owned()),
        };
        admin.client.add_team_member(&team, &body).await.unwrap();
    }
    let promote = types::UpdateTeamMemberSchemeRolesBody {
        scheme_admin: true,
        scheme_user: true,
    };
    admin
        .client
        .update_team_member_scheme_roles(&team, team_admin.id(), &promote)
        .await
        .unwrap();
    let guest = server.user(&admin, "guestie").await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    let guest = server.login("guestie", PASSWORD).await;
    let manager = server.user(&admin, "manager").await;
    let roles = types::UpdateUserRolesBody {
        roles: "system_user system_manager".into(),
    };
    admin
        .client
        .update_user_roles(manager.id(), &roles)
        .await
        .unwrap();
    let (bot, bot_id) = bot_token(server, &admin).await;
    let tokens = vec![
        None,
        Some(user.token),
        Some(guest.token),
        Some(bot),
        Some(team_admin.token),
        Some(manager.token),
        Some(admin.token.clone()),
    ];
    let square = admin
        .client
        .get_channel_by_name(&team, "town-square", None)
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let hidden = admin
        .client
        .create_channel(&types::CreateChannelBody {
            team_id: team.clone(),
            name: "hidden".into(),
            display_name: "Hidden".into(),
            type_: "P".into(),
            purpose: None,
            header: None,
        })
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
                message: "hello".into(),
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
    let reply = types::CreatePostBody {
        channel_id: square.clone(),
        message: "a reply".into(),
        root_id: Some(post.clone()),
        file_ids: Vec::new(),
        metadata: None,
        props: serde_json::Map::new(),
        pending_post_id: None,
    };
    admin.client.create_post(None, &reply).await.unwrap();
    let mut victims = Vec::new();
    for name in ["victim1", "victim2", "victim3"] {
        victims.push(server.user(&admin, name).await.id().to_owned());
    }
    let bot2 = admin
        .client
        .create_bot(&types::CreateBotBody {
            username: "spare".into(),
            display_name: None,
            description: None,
        })
        .await
        .unwrap()
        .into_inner()
        .user_id
        .unwrap();
    let scheme = admin
        .client
        .create_scheme(&types::CreateSchemeBody {
            name: "matrix".into(),
            description: None,
            scope: "team".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let role = admin
        .client
        .get_role_by_name("team_post_all_public")
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let [v1, v2, v3] = <[String; 3]>::try_from(victims).unwrap();
    let targets = vec![
        ("{t}", target.id().to_owned()),
        ("{team}", team),
        ("{admin}", admin.id().to_owned()),
        ("{square}", square),
        ("{hidden}", hidden),
        ("{post}", post),
        ("{v1}", v1),
        ("{v2}", v2),
        ("{v3}", v3),
        ("{bot}", bot_id),
        ("{bot2}", bot2),
        ("{scheme}", scheme),
        ("{role}", role),
    ];
    (tokens, targets)
}

/// The multipart form an image upload sends: `<png>` a picture, `<svg>` a bot icon.
fn upload(kind: &str) -> reqwest::multipart::Form {
    let (name, bytes) = if kind == "<png>" {
        ("image.png", crate::images::png(64, 64))
    } else {
        (
            "icon.svg",
            br#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>"#.to_vec(),
        )
    };
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
    reqwest::multipart::Form::new().part("image", part)
}

/// A bot of the admin's and a token for it (tokens on just long enough to make one), and
/// the bot's id.
async fn bot_token(server: &TestServer, admin: &Account) -> (String, String) {
    let body = types::CreateBotBody {
        username: "helper".into(),
        display_name: None,
        description: None,
    };
    let bot = admin.client.create_bot(&body).await.unwrap().into_inner();
    server.configure(|c| c.service_settings.enable_user_access_tokens = true);
    let token = types::CreateUserAccessTokenBody {
        description: "matrix".into(),
    };
    let made = admin
        .client
        .create_user_access_token(bot.user_id.as_deref().unwrap_or_default(), &token)
        .await;
    server.configure(|c| c.service_settings.enable_user_access_tokens = false);
    let id = bot.user_id.unwrap();
    (made.unwrap().into_inner().token.unwrap(), id)
}

#[tokio::test]
async fn every_caller_gets_what_mattermost_gives() {
    let server = TestServer::start_with(|c| {
        c.guest_accounts_settings.enable = true;
        c.service_settings.enable_bot_account_creation = true;
    })
    .await;
    let (tokens, targets) = callers(&server).await;
    let unknown = ferromost::ids::new_id();
    let http = server.http();
    let mut wrong = Vec::new();
    let fill = |text: &str| {
        let mut text = text.replace("{unknown}", &unknown);
        for (key, value) in &targets {
            text = text.replace(key, value);
        }
        text
    };
    for (n, (method, path, body, expected)) in MATRIX.iter().enumerate() {
        let path = fill(path);
        for (((caller, token), want), m) in CALLERS.iter().zip(&tokens).zip(expected).zip(0..) {
            let body = fill(body).replace("{n}", &format!("{n}-{m}"));
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = http.request(method.clone(), server.api(&path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request = match body.as_str() {
                "" => request,
                "<png>" | "<svg>" => request.multipart(upload(&body)),
                _ => request
                    .header("content-type", "application/json")
                    .body(body),
            };
            let response = request.send().await.unwrap();
            let got = response.status().as_u16();
            if got != *want {
                let text = response.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{method} {path} as {caller}: {got}, want {want}: {text}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn user_json_never_carries_secrets() {
    let server =
        TestServer::start_with(|c| c.service_settings.enable_multifactor_authentication = true)
            .await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let secret = user
        .client
        .generate_mfa_secret("me")
        .await
        .unwrap()
        .into_inner()
        .secret
        .unwrap();
    let hash = ferromost::app::users::find_by_username(server.state.db(), "basic")
        .await
        .unwrap()
        .unwrap()
        .password;
    let ids = serde_json::json!([user.id(), admin.id()]).to_string();
    let reads = [
        ("GET", format!("/users/{}", user.id()), String::new()),
        ("GET", "/users/me".to_owned(), String::new()),
        ("GET", "/users/username/basic".to_owned(), String::new()),
        (
            "GET",
            "/users/email/basic@example.com".to_owned(),
            String::new(),
        ),
        ("GET", "/users".to_owned(), String::new()),
        ("POST", "/users/ids".to_owned(), ids),
        (
            "POST",
            "/users/usernames".to_owned(),
            r#"["basic"]"#.to_owned(),
        ),
        (
            "POST",
            "/users/search".to_owned(),
            r#"{"term":"bas"}"#.to_owned(),
        ),
        (
            "GET",
            "/users/autocomplete?name=bas".to_owned(),
            String::new(),
        ),
        (
            "PUT",
            "/users/me/patch".to_owned(),
            r#"{"nickname":"b"}"#.to_owned(),
        ),
    ];
    for token in [&user.token, &admin.token] {
        for (method, path, body) in &reads {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = server
                .http()
                .request(method, server.api(path))
                .bearer_auth(token);
            if !body.is_empty() {
                request = request
                    .header("content-type", "application/json")
                    .body(body.clone());
            }
            let response = request.send().await.unwrap();
            assert!(response.status().is_success(), "{path}");
            let text = response.text().await.unwrap();
            for leak in [
                hash.as_str(),
                secret.as_str(),
                "\"password\"",
                "\"mfa_secret\"",
                "\"auth_data\"",
            ] {
                assert!(!text.contains(leak), "{path} leaks {leak}: {text}");
            }
        }
    }
    // The login reply too.
    let reply = server
        .http()
        .post(server.api("/users/login"))
        .json(&serde_json::json!({"login_id": "sysadmin", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!reply.contains("$pbkdf2$") && !reply.contains("\"password\""));
}
