//! Bots: creation gated by setting and permission, bot users in user responses, bot tokens
//! (which work while personal tokens are off), disabling, orphans, assignment, icons and
//! conversion both ways.

use crate::common::{Account, TestServer, assert_fails, assert_logged_out, login_body};
use ferromost_client::Upload;
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";
const MISSING: &str = "store.sql_bot.get.missing.app_error";

fn new_bot(username: &str) -> types::CreateBotBody {
    types::CreateBotBody {
        username: username.to_owned(),
        display_name: Some("Helper".to_owned()),
        description: Some("Answers questions".to_owned()),
    }
}

/// Has `owner` create the bot `username`; returns its user id.
async fn bot_of(owner: &Account, username: &str) -> String {
    let bot = owner
        .client
        .create_bot(&new_bot(username))
        .await
        .unwrap()
        .into_inner();
    bot.user_id.unwrap()
}

async fn setup() -> (TestServer, Account, Account) {
    let server =
        TestServer::start_with(|c| c.service_settings.enable_bot_account_creation = true).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    (server, admin, user)
}

#[tokio::test]
async fn creating_bots_needs_the_setting_and_the_permission() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    assert_fails(
        admin.client.create_bot(&new_bot("helper")).await,
        403,
        "api.bot.create_disabled",
    )
    .await;
    let (server, admin, user) = setup().await;
    assert_fails(
        user.client.create_bot(&new_bot("helper")).await,
        403,
        FORBIDDEN,
    )
    .await;
    let bot = admin.client.create_bot(&new_bot("helper")).await.unwrap();
    assert_eq!(bot.status(), 201);
    let bot = bot.into_inner();
    assert_eq!(bot.owner_id.as_deref(), Some(admin.id()));
    assert_eq!(bot.display_name.as_deref(), Some("Helper"));
    // The bot is a user with is_bot and its description.
    let as_user = user
        .client
        .get_user(bot.user_id.as_deref().unwrap())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(as_user.is_bot, Some(true));
    assert_eq!(
        as_user.bot_description.as_deref(),
        Some("Answers questions")
    );
    assert_eq!(
        user.client
            .get_user("me")
            .await
            .unwrap()
            .into_inner()
            .is_bot,
        Some(false)
    );
    // Bots have no password to log in with (the answer does not say it is a bot), and do
    // not count as users.
    assert_fails(
        server
            .anonymous()
            .login(&login_body("helper", "anything"))
            .await,
        401,
        "api.user.login.invalid_credentials_email_username",
    )
    .await;
    let stats = admin
        .client
        .get_total_users_stats()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.total_users_count, Some(2));
    assert_fails(
        admin.client.create_bot(&new_bot("helper")).await,
        400,
        "app.user.save.username_exists.app_error",
    )
    .await;
}

#[tokio::test]
async fn bot_tokens_work_while_personal_tokens_are_off_and_stop_when_disabled() {
    let (server, admin, _user) = setup().await;
    let bot_id = bot_of(&admin, "helper").await;
    // EnableUserAccessTokens is off: people get no token, bots do (as in Mattermost).
    let body = types::CreateUserAccessTokenBody {
        description: "bot".into(),
    };
    assert_fails(
        admin
            .client
            .create_user_access_token(admin.id(), &body)
            .await,
        501,
        "app.user_access_token.disabled",
    )
    .await;
    let token = admin
        .client
        .create_user_access_token(&bot_id, &body)
        .await
        .unwrap()
        .into_inner();
    let as_bot = server.client_with_token(&token.token.unwrap());
    let me = as_bot.get_user("me").await.unwrap().into_inner();
    assert_eq!(me.is_bot, Some(true));
    admin.client.disable_bot(&bot_id).await.unwrap();
    assert_logged_out(&as_bot).await;
    assert_fails(admin.client.get_bot(&bot_id, None).await, 404, MISSING).await;
    let disabled = admin
        .client
        .get_bot(&bot_id, Some(true))
        .await
        .unwrap()
        .into_inner();
    assert!(disabled.delete_at.unwrap() > 0);
    admin.client.enable_bot(&bot_id).await.unwrap();
    as_bot.get_user("me").await.unwrap();
}

#[tokio::test]
async fn listing_orphans_patching_and_assigning() {
    let (server, admin, user) = setup().await;
    let other_admin = server.user(&admin, "admin2").await;
    let roles = types::UpdateUserRolesBody {
        roles: "system_user system_admin".into(),
    };
    admin
        .client
        .update_user_roles(other_admin.id(), &roles)
        .await
        .unwrap();
    let mine = admin
        .client
        .create_bot(&new_bot("mine"))
        .await
        .unwrap()
        .into_inner();
    let theirs = other_admin
        .client
        .create_bot(&new_bot("theirs"))
        .await
        .unwrap()
        .into_inner();
    let theirs_id = theirs.user_id.clone().unwrap();
    assert_eq!(
        admin
            .client
            .get_bots(None, None, None, None)
            .await
            .unwrap()
            .into_inner()
            .len(),
        2
    );
    // A basic user may neither list nor see bots.
    assert_fails(
        user.client.get_bots(None, None, None, None).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(user.client.get_bot(&theirs_id, None).await, 404, MISSING).await;
    assert_fails(user.client.disable_bot(&theirs_id).await, 404, MISSING).await;
    // Deactivating the owner orphans the bot.
    admin
        .client
        .update_user_active(
            other_admin.id(),
            &types::UpdateUserActiveBody { active: false },
        )
        .await
        .unwrap();
    let orphans = admin
        .client
        .get_bots(None, Some(true), None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0].user_id.as_deref(), Some(theirs_id.as_str()));
    // Patch and assign.
    let patch = types::PatchBotBody {
        username: "renamed".into(),
        display_name: None,
        description: Some("New".into()),
    };
    let patched = admin
        .client
        .patch_bot(&theirs_id, &patch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (patched.username.as_deref(), patched.description.as_deref()),
        (Some("renamed"), Some("New"))
    );
    let assigned = admin
        .client
        .assign_bot(&theirs_id, admin.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(assigned.owner_id.as_deref(), Some(admin.id()));
    assert!(
        admin
            .client
            .get_bots(None, Some(true), None, None)
            .await
            .unwrap()
            .into_inner()
            .is_empty()
    );
    assert_fails(
        admin
            .client
            .assign_bot(mine.user_id.as_deref().unwrap(), &ferromost::ids::new_id())
            .await,
        404,
        "app.user.missing_account.const",
    )
    .await;
}

#[tokio::test]
async fn bot_icons_are_svg() {
    let (_server, admin, user) = setup().await;
    let id = bot_of(&admin, "helper").await;
    assert_fails(
        user.client.get_bot_icon_image(&id).await,
        404,
        "api.ferromost.bot_icon_missing.app_error",
    )
    .await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"><rect width=\"8\" height=\"8\"/></svg>";
    let png = Upload::new("icon.png", b"\x89PNG\r\n\x1a\n".to_vec());
    assert_fails(
        admin.client.set_bot_icon_image(&id, png).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    assert_fails(
        user.client
            .set_bot_icon_image(&id, Upload::new("i.svg", svg.to_vec()))
            .await,
        404,
        MISSING,
    )
    .await;
    admin
        .client
        .set_bot_icon_image(&id, Upload::new("icon.svg", svg.to_vec()))
        .await
        .unwrap();
    let got = user.client.get_bot_icon_image(&id).await.unwrap();
    assert_eq!(got.headers()["content-type"], "image/svg+xml");
    let chunks = futures::StreamExt::collect::<Vec<_>>(got.into_inner().into_inner()).await;
    let bytes: Vec<u8> = chunks
        .into_iter()
        .flat_map(|c| c.unwrap().to_vec())
        .collect();
    assert_eq!(bytes, svg.to_vec());
    let as_user = user.client.get_user(&id).await.unwrap().into_inner();
    assert!(as_user.bot_last_icon_update.unwrap() > 0);
    admin.client.delete_bot_icon_image(&id).await.unwrap();
    assert_fails(
        user.client.get_bot_icon_image(&id).await,
        404,
        "api.ferromost.bot_icon_missing.app_error",
    )
    .await;
}

#[tokio::test]
async fn converting_users_and_bots() {
    let (server, admin, user) = setup().await;
    assert_fails(
        user.client.convert_user_to_bot(user.id()).await,
        403,
        FORBIDDEN,
    )
    .await;
    admin.client.convert_user_to_bot(user.id()).await.unwrap();
    assert_logged_out(&user.client).await;
    let converted = admin.client.get_user(user.id()).await.unwrap().into_inner();
    assert_eq!(converted.is_bot, Some(true));
    // The bot keeps no password: its old one no longer signs in (and says nothing more).
    assert_fails(
        server
            .anonymous()
            .login(&login_body("basic", crate::common::PASSWORD))
            .await,
        401,
        "api.user.login.invalid_credentials_email_username",
    )
    .await;
    let back = types::ConvertBotToUserBody {
        password: Some("Back-again1".into()),
        email: None,
        first_name: None,
        last_name: None,
        locale: None,
        nickname: None,
        notify_props: None,
        position: None,
        props: serde_json::Map::new(),
        username: None,
    };
    // Refused (a taken username, a weak password): nothing of it is kept.
    let taken = types::ConvertBotToUserBody {
        username: admin.user.username.clone(),
        nickname: Some("half-done".into()),
        ..back.clone()
    };
    assert_fails(
        admin
            .client
            .convert_bot_to_user(user.id(), None, &taken)
            .await,
        400,
        "app.user.save.username_exists.app_error",
    )
    .await;
    let weak = types::ConvertBotToUserBody {
        password: Some("x".into()),
        nickname: Some("half-done".into()),
        ..back.clone()
    };
    assert!(
        admin
            .client
            .convert_bot_to_user(user.id(), None, &weak)
            .await
            .is_err()
    );
    let still = admin.client.get_user(user.id()).await.unwrap().into_inner();
    assert_eq!(still.is_bot, Some(true));
    assert_eq!(still.nickname.as_deref(), Some(""));
    admin
        .client
        .convert_bot_to_user(user.id(), None, &back)
        .await
        .unwrap();
    let person = server.login("basic", "Back-again1").await;
    assert_eq!(person.user.is_bot, Some(false));
}
