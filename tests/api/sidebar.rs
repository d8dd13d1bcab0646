//! Sidebar categories over the wire, as the web and mobile apps use them: the defaults,
//! custom categories, favourites, order, channels coming and going, and who may touch them.

use crate::common::{Account, TestServer, assert_app_error, make_channel, make_team};
use ferromost_client::types;
use serde_json::{Value, json};

struct Setup {
    server: TestServer,
    admin: Account,
    user: Account,
    team: String,
}

async fn setup() -> Setup {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let team = make_team(&admin, "side", "O").await;
    let member = types::AddTeamMemberBody {
        team_id: Some(team.clone()),
        user_id: Some(user.id().to_owned()),
    };
    admin.client.add_team_member(&team, &member).await.unwrap();
    Setup {
        server,
        admin,
        user,
        team,
    }
}

impl Setup {
    fn url(&self, rest: &str) -> String {
        self.server.api(&format!(
            "/users/{}/teams/{}/channels/categories{rest}",
            self.user.id(),
            self.team
        ))
    }

    async fn call(&self, method: &str, rest: &str, body: Option<Value>) -> reqwest::Response {
        self.call_as(&self.user.token, method, rest, body).await
    }

    async fn call_as(
        &self,
        token: &str,
        method: &str,
        rest: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .server
            .http()
            .request(method, self.url(rest))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn json(&self, method: &str, rest: &str, body: Option<Value>) -> Value {
        let response = self.call(method, rest, body).await;
        assert_eq!(response.status(), 200, "{method} {rest}");
        response.json().await.unwrap()
    }

    async fn categories(&self) -> Value {
        self.json("GET", "", None).await
    }

    async fn channel(&self, name: &str) -> String {
        let made = make_channel(&self.admin, &self.team, name, "O").await;
        let body = types::AddChannelMemberBody {
            user_id: self.user.id().into(),
            post_root_id: None,
        };
        self.admin
            .client
            .add_channel_member(&made, &body)
            .await
            .unwrap();
        made
    }
}

fn category<'a>(all: &'a Value, kind: &str) -> &'a Value {
    all["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == kind)
        .unwrap()
}

fn ids(category: &Value) -> Vec<String> {
    category["channel_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_user_starts_with_favorites_channels_and_direct_messages() {
    let s = setup().await;
    let all = s.categories().await;
    let (u, t) = (s.user.id(), s.team.as_str());
    assert_eq!(
        all["order"],
        json!([
            format!("favorites_{u}_{t}"),
            format!("channels_{u}_{t}"),
            format!("direct_messages_{u}_{t}")
        ])
    );
    let favorites = category(&all, "favorites");
    assert_eq!(favorites["display_name"], "Favorites");
    assert_eq!(
        favorites["channel_ids"],
        json!([]),
        "always sent, even empty"
    );
    assert_eq!(favorites["muted"], false);
    assert_eq!(favorites["collapsed"], false);
    assert_eq!(favorites["sort_order"], 0);
    assert_eq!(category(&all, "direct_messages")["sorting"], "recent");
    assert_eq!(
        category(&all, "channels")["channel_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A direct message lands in Direct Messages.
    let dm = s
        .user
        .client
        .create_direct_channel(&[s.user.id().to_owned(), s.admin.id().to_owned()])
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let all = s.categories().await;
    assert_eq!(ids(category(&all, "direct_messages")), vec![dm]);
    assert_eq!(s.json("GET", "/order", None).await, all["order"]);
}

#[tokio::test]
async fn custom_categories_take_channels_and_give_them_back() {
    let s = setup().await;
    let news = s.channel("news").await;
    let made = s
        .json(
            "POST",
            "",
            Some(
                json!({"user_id": s.user.id(), "team_id": s.team, "display_name": "Work",
                        "type": "custom", "channel_ids": [news]}),
            ),
        )
        .await;
    assert_eq!(made["type"], "custom");
    assert_eq!(made["display_name"], "Work");
    assert_eq!(ids(&made), vec![news.clone()]);
    let id = made["id"].as_str().unwrap().to_owned();
    let all = s.categories().await;
    // After Favorites, before Channels; the channel left Channels.
    assert_eq!(all["order"][1], id.as_str());
    assert!(!ids(category(&all, "channels")).contains(&news));
    // Renamed and collapsed.
    let mut changed = made.clone();
    changed["display_name"] = json!("Projects");
    changed["collapsed"] = json!(true);
    let changed = s.json("PUT", &format!("/{id}"), Some(changed)).await;
    assert_eq!(changed["display_name"], "Projects");
    assert_eq!(changed["collapsed"], true);
    // Default categories keep their names.
    let mut channels = category(&all, "channels").clone();
    channels["display_name"] = json!("Renamed");
    let kept = s.json("PUT", "", Some(json!([channels]))).await;
    assert_eq!(kept[0]["display_name"], "Channels");
    // Only custom categories can go; their channels return to Channels.
    let default_id = category(&all, "channels")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = s.call("DELETE", &format!("/{default_id}"), None).await;
    assert_app_error(refused, 400, "api.invalid_channel").await;
    assert_eq!(
        s.json("DELETE", &format!("/{id}"), None).await,
        json!({"status": "OK"})
    );
    let all = s.categories().await;
    assert_eq!(all["order"].as_array().unwrap().len(), 3);
    assert!(ids(category(&all, "channels")).contains(&news));
}

#[tokio::test]
async fn favorites_follow_the_favorite_channel_preference() {
    let s = setup().await;
    let news = s.channel("news").await;
    let all = s.categories().await;
    let mut favorites = category(&all, "favorites").clone();
    favorites["channel_ids"] = json!([news]);
    s.json("PUT", "", Some(json!([favorites]))).await;
    let prefs = s
        .user
        .client
        .get_preferences_by_category(s.user.id(), "favorite_channel")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(prefs.len(), 1);
    assert_eq!(prefs[0].name.as_deref(), Some(news.as_str()));
    // Dropped from Favorites: no longer a favourite, back in Channels.
    favorites["channel_ids"] = json!([]);
    s.json("PUT", "", Some(json!([favorites]))).await;
    let all = s.categories().await;
    assert!(ids(category(&all, "channels")).contains(&news));
    let prefs = s
        .user
        .client
        .get_preferences_by_category(s.user.id(), "favorite_channel")
        .await
        .unwrap()
        .into_inner();
    assert!(prefs.is_empty());
}

#[tokio::test]
async fn channels_joined_and_left_come_and_go() {
    let s = setup().await;
    let news = s.channel("news").await;
    assert!(ids(category(&s.categories().await, "channels")).contains(&news));
    s.user
        .client
        .remove_user_from_channel(&news, s.user.id())
        .await
        .unwrap();
    assert!(!ids(category(&s.categories().await, "channels")).contains(&news));
}

#[tokio::test]
async fn order_and_channel_placement_are_checked() {
    let s = setup().await;
    let all = s.categories().await;
    let mut order: Vec<Value> = all["order"].as_array().unwrap().clone();
    order.reverse();
    assert_eq!(
        s.json("PUT", "/order", Some(json!(order))).await,
        json!(order)
    );
    assert_eq!(s.categories().await["order"], json!(order));
    let short = json!([order[0]]);
    let refused = s.call("PUT", "/order", Some(short)).await;
    assert_app_error(refused, 400, "api.context.invalid_body_param.app_error").await;
    // A channel the user is not in, or a direct message among the team's channels.
    let foreign = make_channel(&s.admin, &s.team, "private-one", "P").await;
    let body = json!({"display_name": "Sneaky", "type": "custom", "channel_ids": [foreign]});
    let refused = s.call("POST", "", Some(body)).await;
    assert_app_error(refused, 400, "api.invalid_channel").await;
    let dm = s
        .user
        .client
        .create_direct_channel(&[s.user.id().to_owned(), s.admin.id().to_owned()])
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let mut channels = category(&all, "channels").clone();
    channels["channel_ids"] = json!([dm]);
    let refused = s.call("PUT", "", Some(json!([channels]))).await;
    assert_app_error(refused, 400, "api.invalid_channel").await;
    // Nothing was half done.
    assert_eq!(s.categories().await["order"], json!(order));
}

#[tokio::test]
async fn another_users_sidebar_is_theirs() {
    let s = setup().await;
    let other = s.server.user(&s.admin, "other").await;
    let refused = s.call_as(&other.token, "GET", "", None).await;
    assert_app_error(refused, 403, "api.context.permissions.app_error").await;
    let anonymous = s.server.http().get(s.url("")).send().await.unwrap();
    assert_app_error(anonymous, 401, "api.context.session_expired.app_error").await;
    // An admin may look (edit_other_users).
    let seen = s.call_as(&s.admin.token, "GET", "", None).await;
    assert_eq!(seen.status(), 200);
}

async fn mark_unread(s: &Setup, channel: &str) -> String {
    let user = s.user.id();
    let member: Value = s
        .server
        .http()
        .get(s.server.api(&format!("/channels/{channel}/members/{user}")))
        .bearer_auth(&s.user.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    member["notify_props"]["mark_unread"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn muting_a_category_mutes_its_channels() {
    let s = setup().await;
    let news = s.channel("news").await;
    let quiet = s
        .json(
            "POST",
            "",
            Some(
                json!({"display_name": "Quiet", "type": "custom", "muted": true,
                        "channel_ids": [news]}),
            ),
        )
        .await;
    assert_eq!(mark_unread(&s, &news).await, "mention");
    // Unmuting the category unmutes its channels.
    let mut unmuted = quiet.clone();
    unmuted["muted"] = json!(false);
    s.json("PUT", "", Some(json!([unmuted]))).await;
    assert_eq!(mark_unread(&s, &news).await, "all");
    // A channel moved into a muted category is muted; moved out into Channels, unmuted.
    let mut muted = quiet.clone();
    muted["muted"] = json!(true);
    muted["channel_ids"] = json!([]);
    s.json("PUT", "", Some(json!([muted]))).await;
    let other = s.channel("other").await;
    muted["channel_ids"] = json!([other]);
    s.json("PUT", "", Some(json!([muted]))).await;
    assert_eq!(mark_unread(&s, &other).await, "mention");
    let all = s.categories().await;
    let mut channels = category(&all, "channels").clone();
    let mut ids_now = ids(&channels);
    ids_now.push(other.clone());
    channels["channel_ids"] = json!(ids_now);
    s.json("PUT", "", Some(json!([channels]))).await;
    assert_eq!(mark_unread(&s, &other).await, "all");
}
