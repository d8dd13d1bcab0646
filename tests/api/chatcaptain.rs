//! ChatCaptain's chatbot users API (openapi/chatcaptain.yaml) through its generated client:
//! a workspace is a team, a chatbot a bot in it; keys are personal access tokens or bot
//! tokens in `x-chatcaptain-key`; errors are `{"error": "<text>"}` with the HTTP status.

use crate::common::{Account, TestServer, http_sending, make_team};
use ferromost_client::chatcaptain::{self, types as cc};
use ferromost_client::types;
use serde_json::{Value, json};

type Reply<T> = Result<
    ferromost_client::chatcaptain::ResponseValue<T>,
    ferromost_client::chatcaptain::Error<cc::ChatCaptainError>,
>;

/// A server with tokens and bot creation on, a workspace holding a chatbot (owned by the
/// admin) and three people, each with a key.
struct World {
    server: TestServer,
    admin: Account,
    team: String,
    bot: String,
    admin_key: String,
    people: Vec<(Account, String)>,
}

impl World {
    async fn new() -> Self {
        let server = TestServer::start_with(|c| {
            c.service_settings.enable_user_access_tokens = true;
            c.service_settings.enable_bot_account_creation = true;
        })
        .await;
        let admin = server.admin().await;
        let team = make_team(&admin, "workspace", "O").await;
        let bot = admin
            .client
            .create_bot(&types::CreateBotBody {
                username: "captain".into(),
                display_name: None,
                description: None,
            })
            .await
            .unwrap()
            .into_inner()
            .user_id
            .unwrap();
        join(&admin, &team, &bot).await;
        let admin_key = key_of(&admin, admin.id()).await;
        let mut people = Vec::new();
        for name in ["alice", "bob", "carol"] {
            let person = server.user(&admin, name).await;
            admin
                .client
                .update_user_roles(
                    person.id(),
                    &types::UpdateUserRolesBody {
                        roles: "system_user system_user_access_token".into(),
                    },
                )
                .await
                .unwrap();
            join(&admin, &team, person.id()).await;
            let key = key_of(&person, "me").await;
            people.push((person, key));
        }
        Self {
            server,
            admin,
            team,
            bot,
            admin_key,
            people,
        }
    }

    fn id(&self, n: usize) -> &str {
        self.people[n].0.id()
    }

    /// The ChatCaptain client sending `key`.
    fn captain(&self, key: &str) -> chatcaptain::Client {
        chatcaptain::Client::new_with_client(
            &self.server.url,
            http_sending("x-chatcaptain-key", key),
        )
    }

    fn as_admin(&self) -> chatcaptain::Client {
        self.captain(&self.admin_key)
    }

    fn as_person(&self, n: usize) -> chatcaptain::Client {
        self.captain(&self.people[n].1)
    }

    async fn add(&self, by: &chatcaptain::Client, user_id: &str) -> Reply<cc::ChatbotUserAdded> {
        let body = cc::AddChatbotUserBody {
            user_id: user_id.to_owned(),
        };
        by.add_chatbot_user(&self.team, &self.bot, &body).await
    }

    async fn grant(
        &self,
        by: &chatcaptain::Client,
        user_id: &str,
        role: cc::ChatbotRole,
    ) -> Reply<cc::ChatbotRoleChanged> {
        by.grant_chatbot_user_role(
            &self.team,
            &self.bot,
            user_id,
            &cc::GrantChatbotUserRoleBody { role },
        )
        .await
    }

    async fn users(&self, by: &chatcaptain::Client) -> Vec<cc::ChatbotUser> {
        by.list_chatbot_users(&self.team, &self.bot)
            .await
            .unwrap()
            .into_inner()
            .users
    }

    /// A raw request with `key` (when given) and a JSON body (when given): the status and
    /// the JSON answer.
    async fn raw(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .server
            .http()
            .request(method, format!("{}{path}", self.server.url));
        if let Some(key) = key {
            request = request.header("x-chatcaptain-key", key);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        (status, response.json().await.unwrap())
    }

    fn users_path(&self) -> String {
        format!("/v1/workspaces/{}/chatbots/{}/users", self.team, self.bot)
    }
}

async fn join(admin: &Account, team: &str, user_id: &str) {
    admin
        .client
        .add_team_member(
            team,
            &types::AddTeamMemberBody {
                team_id: Some(team.to_owned()),
                user_id: Some(user_id.to_owned()),
            },
        )
        .await
        .unwrap();
}

/// A personal access token `by` makes for `user_id`.
async fn key_of(by: &Account, user_id: &str) -> String {
    by.client
        .create_user_access_token(
            user_id,
            &types::CreateUserAccessTokenBody {
                description: "chatcaptain".into(),
            },
        )
        .await
        .unwrap()
        .into_inner()
        .token
        .unwrap()
}

/// The error a failed call answered: its status, and its `error` text.
fn refused<T: std::fmt::Debug>(reply: Reply<T>, status: u16) -> String {
    match reply {
        Err(ferromost_client::chatcaptain::Error::ErrorResponse(e)) => {
            assert_eq!(e.status().as_u16(), status, "{:?}", e.error);
            e.into_inner().error
        }
        other => panic!("expected {status}, got {other:?}"),
    }
}

/// A ChatCaptain error body: exactly `{"error": "<text>"}`.
fn is_error(body: &Value) -> bool {
    body.as_object()
        .is_some_and(|o| o.len() == 1 && o["error"].is_string())
}

#[tokio::test]
async fn a_chatbots_users_are_added_given_roles_and_removed() {
    let w = World::new().await;
    let admin = w.as_admin();
    assert!(w.users(&admin).await.is_empty());
    let added = w.add(&admin, w.id(0)).await.unwrap().into_inner();
    assert_eq!(added.user.user_id, w.id(0));
    assert_eq!(added.user.username, "alice");
    assert!(added.user.roles.is_empty());
    assert_eq!(added.user.added_by.as_deref(), Some(w.admin.id()));
    // Adding again changes nothing.
    let again = w.add(&admin, w.id(0)).await.unwrap().into_inner();
    assert_eq!(again.user.created_at, added.user.created_at);
    w.add(&admin, w.id(1)).await.unwrap();
    let users = w.users(&admin).await;
    let ids: Vec<_> = users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, [w.id(0), w.id(1)]);

    for role in [
        cc::ChatbotRole::ChatbotViewer,
        cc::ChatbotRole::ChatbotEditor,
    ] {
        let granted = w.grant(&admin, w.id(0), role).await.unwrap();
        assert_eq!(granted.status(), 200);
        assert!(granted.into_inner().success);
    }
    // Granting a role held already answers success: the user holds it.
    assert!(
        w.grant(&admin, w.id(0), cc::ChatbotRole::ChatbotEditor)
            .await
            .unwrap()
            .into_inner()
            .success
    );
    let alice = &w.users(&admin).await[0];
    assert_eq!(
        alice.roles,
        [
            cc::ChatbotRole::ChatbotEditor,
            cc::ChatbotRole::ChatbotViewer
        ]
    );
    let revoke = |role: &'static str| {
        let admin = admin.clone();
        let (team, bot, user) = (w.team.clone(), w.bot.clone(), w.id(0).to_owned());
        async move {
            admin
                .revoke_chatbot_user_role(&team, &bot, &user, role)
                .await
                .unwrap()
                .into_inner()
                .success
        }
    };
    assert!(revoke("ChatbotViewer").await);
    assert!(!revoke("ChatbotViewer").await, "not held any more");
    assert_eq!(
        w.users(&admin).await[0].roles,
        [cc::ChatbotRole::ChatbotEditor]
    );

    let removed = admin
        .remove_chatbot_user(&w.team, &w.bot, w.id(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(removed.removed, Some(true));
    let again = admin
        .remove_chatbot_user(&w.team, &w.bot, w.id(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.removed, Some(false));
    assert_eq!(w.users(&admin).await.len(), 1);
    // Granting to someone who is not a user of the chatbot is a 404; revoking says false.
    let text = refused(
        w.grant(&admin, w.id(0), cc::ChatbotRole::ChatbotViewer)
            .await,
        404,
    );
    assert!(text.contains("not a user of this chatbot"), "{text}");
    assert!(!revoke("ChatbotEditor").await);
}

#[tokio::test]
async fn each_operation_needs_its_permission() {
    let w = World::new().await;
    let admin = w.as_admin();
    let alice = w.as_person(0);
    // A member of the workspace with no role for the chatbot may do nothing.
    let text = refused(alice.list_chatbot_users(&w.team, &w.bot).await, 403);
    assert!(
        text.contains(&format!("chatbots.users.list on chatbots/{}", w.bot)),
        "{text}"
    );
    assert!(refused(w.add(&alice, w.id(1)).await, 403).contains("chatbots.users.add"));
    w.add(&admin, w.id(0)).await.unwrap();
    w.add(&admin, w.id(1)).await.unwrap();
    assert!(
        refused(
            alice.remove_chatbot_user(&w.team, &w.bot, w.id(1)).await,
            403
        )
        .contains("chatbots.users.remove")
    );
    assert!(
        refused(
            w.grant(&alice, w.id(0), cc::ChatbotRole::ChatbotAdmin)
                .await,
            403
        )
        .contains("chatbots.users.roles.grant")
    );
    assert!(
        refused(
            alice
                .revoke_chatbot_user_role(&w.team, &w.bot, w.id(1), "ChatbotViewer")
                .await,
            403
        )
        .contains("chatbots.users.roles.revoke")
    );

    // A viewer lists, and nothing more.
    w.grant(&admin, w.id(0), cc::ChatbotRole::ChatbotViewer)
        .await
        .unwrap();
    assert_eq!(w.users(&alice).await.len(), 2);
    refused(w.add(&alice, w.id(2)).await, 403);
    // An editor adds and removes users, but grants nothing, and removes no one who holds
    // roles (their roles would go with them).
    w.grant(&admin, w.id(0), cc::ChatbotRole::ChatbotEditor)
        .await
        .unwrap();
    w.add(&alice, w.id(2)).await.unwrap();
    alice
        .remove_chatbot_user(&w.team, &w.bot, w.id(2))
        .await
        .unwrap();
    refused(
        w.grant(&alice, w.id(1), cc::ChatbotRole::ChatbotViewer)
            .await,
        403,
    );
    w.grant(&admin, w.id(1), cc::ChatbotRole::ChatbotViewer)
        .await
        .unwrap();
    refused(
        alice.remove_chatbot_user(&w.team, &w.bot, w.id(1)).await,
        403,
    );
    // An admin of the chatbot does everything.
    w.grant(&admin, w.id(0), cc::ChatbotRole::ChatbotAdmin)
        .await
        .unwrap();
    alice
        .revoke_chatbot_user_role(&w.team, &w.bot, w.id(1), "ChatbotViewer")
        .await
        .unwrap();
    w.grant(&alice, w.id(1), cc::ChatbotRole::ChatbotEditor)
        .await
        .unwrap();
    alice
        .remove_chatbot_user(&w.team, &w.bot, w.id(1))
        .await
        .unwrap();

    // Roles count only while their holder is in the workspace.
    w.admin
        .client
        .remove_team_member(&w.team, w.id(0))
        .await
        .unwrap();
    refused(alice.list_chatbot_users(&w.team, &w.bot).await, 403);
}

#[tokio::test]
async fn team_admins_bot_managers_and_the_bot_itself() {
    let w = World::new().await;
    // A team admin (not a system admin) manages every chatbot of the team.
    w.admin
        .client
        .update_team_member_roles(
            &w.team,
            w.id(2),
            &types::UpdateTeamMemberRolesBody {
                roles: "team_user team_admin".into(),
            },
        )
        .await
        .unwrap();
    let carol = w.as_person(2);
    w.add(&carol, w.id(0)).await.unwrap();
    w.grant(&carol, w.id(0), cc::ChatbotRole::ChatbotAdmin)
        .await
        .unwrap();
    // The bot's own token lists its users, and does nothing else.
    let bot_key = key_of(&w.admin, &w.bot).await;
    let bot = w.captain(&bot_key);
    assert_eq!(w.users(&bot).await.len(), 1);
    refused(w.add(&bot, w.id(1)).await, 403);
    // The bot's owner manages it with manage_bots; anyone else needs manage_others_bots.
    let bob = w.as_person(1);
    refused(bob.list_chatbot_users(&w.team, &w.bot).await, 403);
    w.admin.client.assign_bot(&w.bot, w.id(1)).await.unwrap();
    refused(bob.list_chatbot_users(&w.team, &w.bot).await, 403);
    let system_user = w
        .admin
        .client
        .get_role_by_name("system_user")
        .await
        .unwrap()
        .into_inner();
    let mut permissions = system_user.permissions.clone();
    permissions.push("manage_bots".into());
    w.admin
        .client
        .patch_role(
            system_user.id.as_deref().unwrap(),
            &types::PatchRoleBody { permissions },
        )
        .await
        .unwrap();
    w.add(&bob, w.id(1)).await.unwrap();
    let alice = w.as_person(0);
    // alice is a ChatbotAdmin of it, so she passes; a stranger with manage_bots does not.
    w.add(&alice, w.id(2)).await.unwrap();
    let dave = w.server.user(&w.admin, "dave").await;
    join(&w.admin, &w.team, dave.id()).await;
    w.admin
        .client
        .update_user_roles(
            dave.id(),
            &types::UpdateUserRolesBody {
                roles: "system_user system_user_access_token".into(),
            },
        )
        .await
        .unwrap();
    let dave_key = key_of(&dave, "me").await;
    refused(
        w.captain(&dave_key)
            .list_chatbot_users(&w.team, &w.bot)
            .await,
        403,
    );
}

#[tokio::test]
async fn keys_are_access_tokens_sent_in_their_header() {
    let w = World::new().await;
    let path = w.users_path();
    // No key, an unknown key, a login session's token, a bearer token instead of the key.
    let (status, body) = w.raw("GET", &path, None, None).await;
    assert_eq!(status, 401);
    assert!(is_error(&body), "{body}");
    let (status, body) = w
        .raw("GET", &path, Some("no-such-token-at-all-here"), None)
        .await;
    assert_eq!((status, is_error(&body)), (401, true), "{body}");
    let (status, body) = w.raw("GET", &path, Some(&w.admin.token), None).await;
    assert_eq!(status, 401);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("personal access token"),
        "{body}"
    );
    let bearer = w
        .server
        .http()
        .get(format!("{}{path}", w.server.url))
        .bearer_auth(&w.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
    // A key stops working when personal tokens are turned off, and when it is revoked.
    let (status, _) = w.raw("GET", &path, Some(&w.admin_key), None).await;
    assert_eq!(status, 200);
    w.server
        .configure(|c| c.service_settings.enable_user_access_tokens = false);
    let (status, _) = w.raw("GET", &path, Some(&w.admin_key), None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bad_input_answers_the_error_shape_and_changes_nothing() {
    let w = World::new().await;
    let admin = w.as_admin();
    let key = Some(w.admin_key.as_str());
    let path = w.users_path();
    let other = ferromost::ids::new_id();
    let unknown_user = format!(r#"{{"userId": "{other}"}}"#);
    let the_bot = format!(r#"{{"userId": "{}"}}"#, w.bot);
    let cases: Vec<(&str, String, Option<&str>, u16, &str)> = vec![
        (
            "GET",
            format!("/v1/workspaces/nope/chatbots/{}/users", w.bot),
            None,
            400,
            "workspaceId",
        ),
        (
            "GET",
            format!("/v1/workspaces/{}/chatbots/nope/users", w.team),
            None,
            400,
            "chatbotId",
        ),
        (
            "GET",
            format!("/v1/workspaces/{other}/chatbots/{}/users", w.bot),
            None,
            404,
            "workspace",
        ),
        (
            "GET",
            format!("/v1/workspaces/{}/chatbots/{other}/users", w.team),
            None,
            404,
            "chatbot",
        ),
        // A person is not a chatbot.
        (
            "GET",
            format!("/v1/workspaces/{}/chatbots/{}/users", w.team, w.id(0)),
            None,
            404,
            "chatbot",
        ),
        ("POST", path.clone(), Some("not json"), 400, "body"),
        ("POST", path.clone(), Some("{}"), 400, "body"),
        ("POST", path.clone(), Some(r#"{"userId": 5}"#), 400, "body"),
        (
            "POST",
            path.clone(),
            Some(r#"{"userId": "short"}"#),
            400,
            "userId",
        ),
        (
            "POST",
            path.clone(),
            Some(&unknown_user),
            404,
            "no such active user",
        ),
        ("POST", path.clone(), Some(&the_bot), 400, "itself"),
        ("DELETE", format!("{path}/short"), None, 400, "userId"),
        (
            "POST",
            format!("{path}/{}/roles", w.id(0)),
            Some(r#"{"role": "Captain"}"#),
            400,
            "body",
        ),
        (
            "POST",
            format!("{path}/{}/roles", w.id(0)),
            Some("[]"),
            400,
            "body",
        ),
        (
            "DELETE",
            format!("{path}/{}/roles/Captain", w.id(0)),
            None,
            400,
            "role",
        ),
        ("PUT", path.clone(), None, 405, "method"),
        ("GET", "/v1/workspaces".to_owned(), None, 404, "route"),
    ];
    for (method, url, body, status, says) in cases {
        let (got, answer) = w.raw(method, &url, key, body).await;
        assert_eq!(got, status, "{method} {url}: {answer}");
        assert!(is_error(&answer), "{method} {url}: {answer}");
        let text = answer["error"].as_str().unwrap().to_lowercase();
        assert!(
            text.contains(&says.to_lowercase()),
            "{method} {url}: {text}"
        );
    }
    // Someone outside the workspace, or deactivated, cannot be added.
    let outsider = w.server.user(&w.admin, "outsider").await;
    let text = refused(w.add(&admin, outsider.id()).await, 400);
    assert!(text.contains("not a member of the workspace"), "{text}");
    w.admin
        .client
        .update_user_active(w.id(2), &types::UpdateUserActiveBody { active: false })
        .await
        .unwrap();
    refused(w.add(&admin, w.id(2)).await, 404);
    // A disabled bot is no chatbot.
    w.add(&admin, w.id(0)).await.unwrap();
    w.admin.client.disable_bot(&w.bot).await.unwrap();
    refused(admin.list_chatbot_users(&w.team, &w.bot).await, 404);
    w.admin.client.enable_bot(&w.bot).await.unwrap();
    assert_eq!(w.users(&admin).await.len(), 1, "nothing was lost");
}

#[tokio::test]
async fn concurrent_requests_count_once_and_lose_nothing() {
    let w = World::new().await;
    let path = w.users_path();
    let body = json!({ "userId": w.id(0) }).to_string();
    let adds: Vec<_> = (0..8)
        .map(|_| {
            let (url, key, body) = (
                format!("{}{path}", w.server.url),
                w.admin_key.clone(),
                body.clone(),
            );
            tokio::spawn(async move {
                let response = reqwest::Client::new()
                    .post(url)
                    .header("x-chatcaptain-key", key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                (status, response.text().await.unwrap())
            })
        })
        .collect();
    for add in adds {
        let (status, body) = add.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let admin = w.as_admin();
    assert_eq!(w.users(&admin).await.len(), 1);
    // Three roles granted at once: all three are held.
    let grants: Vec<_> = ["ChatbotAdmin", "ChatbotEditor", "ChatbotViewer"]
        .into_iter()
        .map(|role| {
            let url = format!("{}{path}/{}/roles", w.server.url, w.id(0));
            let key = w.admin_key.clone();
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .header("x-chatcaptain-key", key)
                    .json(&json!({ "role": role }))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for grant in grants {
        assert_eq!(grant.await.unwrap(), 200);
    }
    assert_eq!(w.users(&admin).await[0].roles.len(), 3);
}

#[tokio::test]
async fn deleting_accounts_and_workspaces_for_good_removes_their_grants() {
    let w = World::new().await;
    let admin = w.as_admin();
    w.add(&admin, w.id(0)).await.unwrap();
    w.add(&admin, w.id(1)).await.unwrap();
    w.server.configure(|c| {
        c.service_settings.enable_api_user_deletion = true;
        c.service_settings.enable_api_team_deletion = true;
    });
    let deleted = w
        .server
        .http()
        .delete(w.server.api(&format!("/users/{}?permanent=true", w.id(0))))
        .bearer_auth(&w.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let users = w.users(&admin).await;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user_id, w.id(1));
    let rows = |team: String| {
        use ferromost::store::entity::chatbot_user;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let db = w.server.state.db().clone();
        async move {
            chatbot_user::Entity::find()
                .filter(chatbot_user::Column::TeamId.eq(team))
                .count(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(rows(w.team.clone()).await, 1);
    w.admin
        .client
        .soft_delete_team(&w.team, Some(true))
        .await
        .unwrap();
    assert_eq!(rows(w.team.clone()).await, 0);
}
