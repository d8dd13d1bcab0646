//! Accounts and sessions as far as the foundation needs them: sign-up, login, logout, get,
//! and the token and CSRF rules.

use crate::common::{
    PASSWORD, TestServer, app_error, assert_app_error, assert_fails, assert_logged_out, login_body,
    new_user,
};
use ferromost::store::entity::user;
use ferromost_client::types;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};

#[tokio::test]
async fn the_first_account_is_a_system_admin_and_later_ones_are_not() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    assert_eq!(
        admin.user.roles.as_deref(),
        Some("system_admin system_user")
    );
    let user = server.user(&admin, "basic").await;
    assert_eq!(user.user.roles.as_deref(), Some("system_user"));
    // Open sign-up is off by default: anonymous creation is refused.
    assert_fails(
        server
            .anonymous()
            .create_user(None, None, &new_user("walkin"))
            .await,
        403,
        "api.user.create_user.no_open_server",
    )
    .await;
    // A basic user has no create_user permission either.
    let (status, _) = app_error(
        user.client
            .create_user(None, None, &new_user("friend"))
            .await,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn open_sign_up_creates_basic_accounts() {
    let server = TestServer::start_with(|c| c.team_settings.enable_open_server = true).await;
    server.admin().await;
    let created = server
        .anonymous()
        .create_user(None, None, &new_user("walkin"))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.into_inner().roles.as_deref(), Some("system_user"));
}

#[tokio::test]
async fn sign_up_validates_like_mattermost() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let cases = [
        (
            new_user("sysadmin"),
            "app.user.save.username_exists.app_error",
        ),
        (
            types::CreateUserBody {
                email: "sysadmin@example.com".into(),
                ..new_user("other")
            },
            "app.user.save.email_exists.app_error",
        ),
        (new_user("x"), "model.user.is_valid.username.app_error"),
        (
            new_user("1starts-with-digit"),
            "model.user.is_valid.username.app_error",
        ),
        (new_user("all"), "model.user.is_valid.username.app_error"),
        (
            types::CreateUserBody {
                email: "not-an-address".into(),
                ..new_user("fine")
            },
            "model.user.is_valid.email.app_error",
        ),
        (
            types::CreateUserBody {
                password: Some("abc".into()),
                ..new_user("fine")
            },
            "model.user.is_valid.pwd.app_error",
        ),
    ];
    for (body, want) in cases {
        let (status, id) = app_error(admin.client.create_user(None, None, &body).await).await;
        assert_eq!((status, id.as_str()), (400, want), "{}", body.username);
    }
}

#[tokio::test]
async fn password_rules_name_the_required_classes() {
    let server = TestServer::start_with(|c| {
        c.password_settings.minimum_length = 10;
        c.password_settings.number = true;
        c.password_settings.uppercase = true;
    })
    .await;
    let body = types::CreateUserBody {
        password: Some("lowercaseonly".into()),
        ..new_user("first")
    };
    assert_fails(
        server.anonymous().create_user(None, None, &body).await,
        400,
        "model.user.is_valid.pwd_uppercase_number.app_error",
    )
    .await;
}

#[tokio::test]
async fn login_returns_the_token_header_and_cookies() {
    let server = TestServer::start().await;
    server.admin().await;
    let response = server
        .http()
        .post(server.api("/users/login"))
        .json(&serde_json::json!({"login_id": "sysadmin@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "as Mattermost answers a login");
    let token = response.headers()["token"].to_str().unwrap().to_owned();
    assert_eq!(token.len(), 26);
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session_cookie = cookies
        .iter()
        .find(|c| c.starts_with("MMAUTHTOKEN="))
        .unwrap();
    assert!(session_cookie.contains(&token) && session_cookie.contains("HttpOnly"));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("MMUSERID=") && !c.contains("HttpOnly"))
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("MMCSRF=") && !c.contains("HttpOnly"))
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("pbkdf2") && !body.contains("\"password\""));
}

#[tokio::test]
async fn wrong_passwords_count_and_lock_the_account() {
    let server = TestServer::start_with(|c| c.service_settings.maximum_login_attempts = 3).await;
    server.admin().await;
    let login = |password: &str| login_body("sysadmin", password);
    for _ in 0..3 {
        assert_fails(
            server.anonymous().login(&login("wrong")).await,
            401,
            "api.user.login.invalid_credentials_email_username",
        )
        .await;
    }
    assert_fails(
        server.anonymous().login(&login(PASSWORD)).await,
        401,
        "api.user.check_user_login_attempts.too_many.app_error",
    )
    .await;
    assert_fails(
        server.anonymous().login(&login("")).await,
        400,
        "api.user.login.blank_pwd.app_error",
    )
    .await;
    let unknown = types::LoginBody {
        login_id: Some("nobody".into()),
        ..login(PASSWORD)
    };
    assert_fails(
        server.anonymous().login(&unknown).await,
        401,
        "api.user.login.invalid_credentials_email_username",
    )
    .await;
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.client.get_user("me").await.unwrap();
    admin.client.logout().await.unwrap();
    assert_logged_out(&admin.client).await;
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_on_writes() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let http = server.http();
    let csrf = server
        .state
        .sessions()
        .get(&server.state, &admin.token)
        .await
        .unwrap()
        .unwrap()
        .csrf_token;
    let cookie = format!("MMAUTHTOKEN={}", admin.token);
    // A cookie-authenticated sign-up of `username` with extra `headers`.
    let post = |username: &str, headers: &[(&str, &str)]| {
        let mut request = http.post(server.api("/users")).header("cookie", &cookie);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.json(&new_user(username)).send()
    };
    // GET needs no CSRF token.
    let response = http
        .get(server.api("/users/me"))
        .header("cookie", &cookie)
        .send()
        .await;
    assert_eq!(response.unwrap().status(), 200);
    // A write without it is refused...
    let response = post("a1x", &[]).await.unwrap();
    assert_app_error(response, 401, "api.context.session_expired.app_error").await;
    // ...unless the client sends the legacy X-Requested-With header...
    let response = post("a2x", &[("X-Requested-With", "XMLHttpRequest")])
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    // ...or the right token; a wrong one is refused.
    let response = post("a3x", &[("X-CSRF-Token", &csrf)]).await.unwrap();
    assert_eq!(response.status(), 201);
    let response = post("a4x", &[("X-CSRF-Token", "forged")]).await.unwrap();
    assert_app_error(response, 401, "api.context.session_expired.app_error").await;
}

#[tokio::test]
async fn strict_csrf_refuses_the_legacy_header() {
    let server =
        TestServer::start_with(|c| c.service_settings.experimental_strict_csrf_enforcement = true)
            .await;
    let admin = server.admin().await;
    let response = server
        .http()
        .post(server.api("/users"))
        .header("cookie", format!("MMAUTHTOKEN={}", admin.token))
        .header("X-Requested-With", "XMLHttpRequest")
        .json(&new_user("a5x"))
        .send()
        .await
        .unwrap();
    assert_app_error(response, 401, "api.context.session_expired.app_error").await;
}

#[tokio::test]
async fn a_query_string_token_is_refused_for_normal_sessions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let response = server
        .http()
        .get(server.api(&format!("/users/me?access_token={}", admin.token)))
        .send()
        .await
        .unwrap();
    assert_app_error(response, 401, "api.context.token_provided.app_error").await;
}

#[tokio::test]
async fn other_users_see_a_profile_within_the_privacy_settings() {
    let server = TestServer::start_with(|c| {
        c.privacy_settings.show_email_address = false;
        c.privacy_settings.show_full_name = false;
    })
    .await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let seen = user.client.get_user(admin.id()).await.unwrap().into_inner();
    assert_eq!(seen.email.as_deref(), Some(""));
    assert_eq!(seen.first_name.as_deref(), Some(""));
    assert!(seen.notify_props.is_none() && seen.failed_attempts.is_none());
    let by_admin = admin.client.get_user(user.id()).await.unwrap().into_inner();
    assert_eq!(by_admin.email.as_deref(), Some("basic@example.com"));
    assert_fails(
        user.client.get_user("junk").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    assert_fails(
        user.client.get_user(&ferromost::ids::new_id()).await,
        404,
        "app.user.missing_account.const",
    )
    .await;
}

#[tokio::test]
async fn legacy_bcrypt_hashes_log_in_and_are_upgraded() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let db = server.state.db();
    let row = user::Entity::find_by_id(admin.id().to_owned())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    active.password = Set(bcrypt::hash(PASSWORD, 4).unwrap());
    active.update(db).await.unwrap();
    server.login("sysadmin", PASSWORD).await;
    let row = user::Entity::find_by_id(admin.id().to_owned())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.password.starts_with("$pbkdf2$f=SHA256,w=1000,l=32$"),
        "{}",
        row.password
    );
}

#[tokio::test]
async fn lookups_by_name_email_and_lists() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let found = user
        .client
        .get_user_by_username("SysAdmin")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.id.as_deref(), Some(admin.id()));
    assert_fails(
        user.client.get_user_by_username("nobody").await,
        404,
        "app.user.missing_account.const",
    )
    .await;
    let by_email = user
        .client
        .get_user_by_email("sysadmin@example.com")
        .await
        .unwrap();
    assert_eq!(by_email.into_inner().id.as_deref(), Some(admin.id()));
    assert_fails(
        user.client.get_user_by_email("not-an-email").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    let ids = vec![
        admin.id().to_owned(),
        user.id().to_owned(),
        ferromost::ids::new_id(),
    ];
    let listed = user
        .client
        .get_users_by_ids(None, &ids)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 2);
    assert_fails(
        user.client
            .get_users_by_ids(None, &vec!["junk".to_owned()])
            .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    let names = vec![
        "basic".to_owned(),
        "sysadmin".to_owned(),
        "ghost".to_owned(),
    ];
    assert_eq!(
        user.client
            .get_users_by_usernames(&names)
            .await
            .unwrap()
            .into_inner()
            .len(),
        2
    );
    let stats = user
        .client
        .get_total_users_stats()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.total_users_count, Some(2));
    assert_fails(
        server.anonymous().get_total_users_stats().await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
}

#[tokio::test]
async fn email_lookups_need_visible_addresses_or_an_admin() {
    let server = TestServer::start_with(|c| c.privacy_settings.show_email_address = false).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    assert_fails(
        user.client.get_user_by_email("sysadmin@example.com").await,
        403,
        "api.user.get_user_by_email.permissions.app_error",
    )
    .await;
    admin
        .client
        .get_user_by_email("basic@example.com")
        .await
        .unwrap();
}

#[tokio::test]
async fn deactivation_ends_sessions_and_blocks_login() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let off = types::UpdateUserActiveBody { active: false };
    // Self-deactivation is off by default; others need the user-management permission.
    assert_fails(
        user.client.update_user_active(user.id(), &off).await,
        401,
        "api.user.update_active.not_enable.app_error",
    )
    .await;
    assert_fails(
        user.client.update_user_active(admin.id(), &off).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    admin
        .client
        .update_user_active(user.id(), &off)
        .await
        .unwrap();
    assert_logged_out(&user.client).await;
    let login = login_body("basic", PASSWORD);
    assert_fails(
        server.anonymous().login(&login).await,
        401,
        "api.user.login.inactive.app_error",
    )
    .await;
    // Only someone who knows the password learns the account is deactivated.
    assert_fails(
        server
            .anonymous()
            .login(&login_body("basic", "Wrong-pass1"))
            .await,
        401,
        "api.user.login.invalid_credentials_email_username",
    )
    .await;
    let deleted = admin.client.get_user(user.id()).await.unwrap().into_inner();
    assert!(deleted.delete_at.unwrap() > 0);
    admin
        .client
        .update_user_active(user.id(), &types::UpdateUserActiveBody { active: true })
        .await
        .unwrap();
    server.login("basic", PASSWORD).await;
}

#[tokio::test]
async fn self_deactivation_when_allowed() {
    let server = TestServer::start_with(|c| c.team_settings.enable_user_deactivation = true).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let off = types::UpdateUserActiveBody { active: false };
    user.client.update_user_active("me", &off).await.unwrap();
    assert_logged_out(&user.client).await;
}

#[tokio::test]
async fn password_changes_need_the_current_password_and_end_other_sessions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let elsewhere = server.login("basic", PASSWORD).await;
    let change = |current: &str, new: &str| types::UpdateUserPasswordBody {
        current_password: Some(current.to_owned()),
        new_password: new.to_owned(),
    };
    assert_fails(
        user.client
            .update_user_password("me", &change("wrong", "N3w-password"))
            .await,
        400,
        "api.user.update_password.incorrect.app_error",
    )
    .await;
    assert_fails(
        user.client
            .update_user_password("me", &change(PASSWORD, "abc"))
            .await,
        400,
        "model.user.is_valid.pwd.app_error",
    )
    .await;
    assert_fails(
        user.client
            .update_user_password(admin.id(), &change(PASSWORD, "N3w-password"))
            .await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    user.client
        .update_user_password("me", &change(PASSWORD, "N3w-password"))
        .await
        .unwrap();
    user.client.get_user("me").await.unwrap();
    assert_logged_out(&elsewhere.client).await;
    server.login("basic", "N3w-password").await;
    // An administrator sets it without the current one; every session of the user ends.
    let reset = types::UpdateUserPasswordBody {
        current_password: None,
        new_password: "Adm1n-set".into(),
    };
    admin
        .client
        .update_user_password(user.id(), &reset)
        .await
        .unwrap();
    assert_logged_out(&user.client).await;
    server.login("basic", "Adm1n-set").await;
}

#[tokio::test]
async fn patching_a_profile() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let patch = types::PatchUserBody {
        nickname: Some("Bas".into()),
        position: Some("Engineer".into()),
        username: Some("Basic2".into()),
        ..Default::default()
    };
    let patched = user
        .client
        .patch_user("me", &patch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(patched.nickname.as_deref(), Some("Bas"));
    assert_eq!(patched.username.as_deref(), Some("basic2"));
    assert_eq!(
        patched.first_name.as_deref(),
        Some("First"),
        "fields not in the patch stay"
    );
    let taken = types::PatchUserBody {
        username: Some("sysadmin".into()),
        ..patch.clone()
    };
    assert_fails(
        user.client.patch_user("me", &taken).await,
        400,
        "app.user.save.username_exists.app_error",
    )
    .await;
    assert_fails(
        user.client.patch_user(admin.id(), &patch).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    admin.client.patch_user(user.id(), &patch).await.unwrap();
}

#[tokio::test]
async fn deleting_users_softly_and_permanently() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let other = server.user(&admin, "other").await;
    assert_fails(
        user.client.delete_user(other.id()).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    user.client.delete_user("me").await.unwrap();
    assert_logged_out(&user.client).await;
    assert!(
        admin
            .client
            .get_user(user.id())
            .await
            .unwrap()
            .into_inner()
            .delete_at
            .unwrap()
            > 0
    );
    // Permanent deletion needs EnableAPIUserDeletion.
    let permanent = |id: &str| {
        server
            .http()
            .delete(server.api(&format!("/users/{id}?permanent=true")))
            .bearer_auth(&admin.token)
            .send()
    };
    assert_app_error(
        permanent(other.id()).await.unwrap(),
        401,
        "api.user.delete_user.not_enabled.app_error",
    )
    .await;
    server.configure(|c| c.service_settings.enable_api_user_deletion = true);
    assert_eq!(permanent(other.id()).await.unwrap().status(), 200);
    assert_fails(
        admin.client.get_user(other.id()).await,
        404,
        "app.user.missing_account.const",
    )
    .await;
    // Deleting everyone is for local mode only.
    assert_fails(
        admin.client.permanent_delete_all_users().await,
        403,
        "api.context.local_origin_required.app_error",
    )
    .await;
}

#[tokio::test]
async fn guests_need_the_setting_and_the_permissions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    assert_fails(
        admin.client.demote_user_to_guest(user.id()).await,
        501,
        "api.user.create_user.guest_accounts.disabled.app_error",
    )
    .await;
    server.configure(|c| c.guest_accounts_settings.enable = true);
    assert_fails(
        user.client.demote_user_to_guest(user.id()).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    admin.client.demote_user_to_guest(user.id()).await.unwrap();
    assert_eq!(
        user.client
            .get_user("me")
            .await
            .unwrap()
            .into_inner()
            .roles
            .as_deref(),
        Some("system_guest")
    );
    assert_fails(
        admin.client.demote_user_to_guest(user.id()).await,
        400,
        "api.user.demote_user_to_guest.already_guest.app_error",
    )
    .await;
    // With guest accounts off again, a guest cannot log in.
    server.configure(|c| c.guest_accounts_settings.enable = false);
    assert_fails(
        server
            .anonymous()
            .login(&login_body("basic", PASSWORD))
            .await,
        401,
        "api.user.login.guest_accounts.disabled.error",
    )
    .await;
    server.configure(|c| c.guest_accounts_settings.enable = true);
    admin.client.promote_guest_to_user(user.id()).await.unwrap();
    assert_fails(
        admin.client.promote_guest_to_user(user.id()).await,
        400,
        "api.user.promote_guest_to_user.no_guest.app_error",
    )
    .await;
}

#[tokio::test]
async fn updating_a_whole_profile_resets_what_is_not_sent() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let body = types::UpdateUserBody {
        id: user.id().to_owned(),
        username: "basic".into(),
        email: "new@example.com".into(),
        nickname: Some("B".into()),
        first_name: None,
        last_name: None,
        locale: None,
        notify_props: None,
        position: None,
        props: serde_json::Map::new(),
        timezone: None,
    };
    let updated = user
        .client
        .update_user("me", &body)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.email.as_deref(), Some("new@example.com"));
    assert_eq!(
        updated.first_name.as_deref(),
        Some(""),
        "not sent: back to the default"
    );
    let mismatched = types::UpdateUserBody {
        id: admin.id().to_owned(),
        ..body.clone()
    };
    assert_fails(
        user.client.update_user("me", &mismatched).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    let theirs = types::UpdateUserBody {
        id: admin.id().to_owned(),
        ..body
    };
    assert_fails(
        user.client.update_user(admin.id(), &theirs).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
}

#[tokio::test]
async fn failed_attempts_are_reset_by_user_managers_and_login_types_are_empty() {
    let server = TestServer::start_with(|c| c.service_settings.maximum_login_attempts = 1).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let _ = server
        .anonymous()
        .login(&login_body("basic", "wrong"))
        .await;
    assert_fails(
        server
            .anonymous()
            .login(&login_body("basic", PASSWORD))
            .await,
        401,
        "api.user.check_user_login_attempts.too_many.app_error",
    )
    .await;
    assert_fails(
        user.client.reset_password_failed_attempts(user.id()).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    admin
        .client
        .reset_password_failed_attempts(user.id())
        .await
        .unwrap();
    server.login("basic", PASSWORD).await;
    let body = types::GetLoginTypeBody {
        login_id: Some("basic".into()),
        id: None,
        device_id: None,
    };
    let kind = server
        .anonymous()
        .get_login_type(&body)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(kind.auth_service.as_deref(), Some(""));
}

#[tokio::test]
async fn ldap_only_logins_say_ldap_is_not_available() {
    let server = TestServer::start().await;
    server.admin().await;
    let body = types::LoginBody {
        ldap_only: Some(true),
        ..login_body("sysadmin", PASSWORD)
    };
    assert_fails(
        server.anonymous().login(&body).await,
        501,
        "api.user.login_ldap.not_available.app_error",
    )
    .await;
}

#[tokio::test]
async fn switching_sign_in_services() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let switch = |from: &str, to: &str, password: Option<&str>| types::SwitchAccountTypeBody {
        current_service: from.into(),
        new_service: to.into(),
        email: Some("basic@example.com".into()),
        password: password.map(str::to_owned),
        ldap_id: None,
        mfa_code: None,
    };
    assert_fails(
        user.client
            .switch_account_type(&switch("email", "gitlab", Some(PASSWORD)))
            .await,
        501,
        "api.user.email_to_oauth.not_available.app_error",
    )
    .await;
    assert_fails(
        user.client
            .switch_account_type(&switch("", "ldap", Some(PASSWORD)))
            .await,
        501,
        "api.user.email_to_ldap.not_available.app_error",
    )
    .await;
    // An account that came in through GitLab switches back to email with a new password.
    let gitlab = types::UserAuthData {
        auth_service: "gitlab".into(),
        auth_data: "42".into(),
    };
    admin
        .client
        .update_user_auth(user.id(), &gitlab)
        .await
        .unwrap();
    let user = {
        // Its sessions ended with the move; sign it in as an SSO session would be.
        let account = ferromost::app::users::find_by_username(server.state.db(), "basic")
            .await
            .unwrap()
            .unwrap();
        let session = ferromost::app::sessions::create(
            server.state.db(),
            &server.state.config(),
            &account,
            "",
            "test",
        )
        .await
        .unwrap();
        server.client_with_token(&session.token)
    };
    let switched = user
        .switch_account_type(&switch("gitlab", "email", Some("Back-2-email")))
        .await
        .unwrap();
    assert_eq!(
        switched.into_inner().follow_link.as_deref(),
        Some("/login?extra=signin_change")
    );
    server.login("basic", "Back-2-email").await;
    assert_fails(
        user.switch_account_type(&switch("gitlab", "email", Some("x")))
            .await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
}

#[tokio::test]
async fn retention_policies_that_apply_to_a_user() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let mine = user
        .client
        .get_team_policies_for_user("me", None, None)
        .await
        .unwrap()
        .into_inner();
    assert!(mine.policies.is_empty() && mine.total_count == Some(0));
    admin
        .client
        .get_channel_policies_for_user(user.id(), None, None)
        .await
        .unwrap();
    assert_fails(
        user.client
            .get_channel_policies_for_user(admin.id(), None, None)
            .await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
}

#[tokio::test]
async fn accounts_outside_the_allowed_domains_are_paged_in_the_database() {
    let server = TestServer::start_with(|c| {
        c.team_settings.restrict_creation_to_domains = "example.com, corp.test".into();
    })
    .await;
    let admin = server.admin().await;
    for (name, domain) in [
        ("inside", "corp.test"),
        ("outa", "elsewhere.org"),
        ("outb", "sub.example.com"),
        ("outc", "example_com.net"),
    ] {
        let mut body = new_user(name);
        body.email = format!("{name}@{domain}");
        admin.client.create_user(None, None, &body).await.unwrap();
    }
    let page = |page, per_page| {
        let client = &admin.client;
        async move {
            let found = client
                .get_users_with_invalid_emails(Some(page), Some(per_page))
                .await
                .unwrap()
                .into_inner();
            found
                .into_iter()
                .filter_map(|u| u.username)
                .collect::<Vec<_>>()
        }
    };
    // Exact domains only: a subdomain and a look-alike with `_` are outside.
    assert_eq!(page(0, 10).await, ["outa", "outb", "outc"]);
    assert_eq!(page(0, 2).await, ["outa", "outb"]);
    assert_eq!(page(1, 2).await, ["outc"]);
    let member = server.user(&admin, "member").await;
    assert_fails(
        member
            .client
            .get_users_with_invalid_emails(None, None)
            .await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
}
