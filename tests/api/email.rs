//! Password reset and email verification over real SMTP: the links are mailed, work once
//! (even when used concurrently), expire, and the reset ends every session.

use crate::common::smtp::Mailbox;
use crate::common::{PASSWORD, TestServer, assert_fails, assert_logged_out, login_body};
use ferromost_client::types;

async fn setup(adjust: impl FnOnce(&mut ferromost::config::Config)) -> (TestServer, Mailbox) {
    let (mailbox, port) = Mailbox::start().await;
    let server = TestServer::start_with(|c| {
        c.email_settings.smtp_server = "127.0.0.1".into();
        c.email_settings.smtp_port = port.to_string();
        c.service_settings.site_url = "https://chat.example.com".into();
        adjust(c);
    })
    .await;
    (server, mailbox)
}

fn reset_to(email: &str) -> types::SendPasswordResetEmailBody {
    types::SendPasswordResetEmailBody {
        email: email.to_owned(),
    }
}

#[tokio::test]
async fn a_mailed_reset_link_works_once_and_ends_every_session() {
    let (server, mailbox) = setup(|_| {}).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    server
        .anonymous()
        .send_password_reset_email(&reset_to("basic@example.com"))
        .await
        .unwrap();
    let mail = mailbox.last_to("basic@example.com").await;
    assert!(
        mail.data
            .contains("https://chat.example.com/reset_password_complete?token=")
    );
    let code = mail.link_param("token");
    assert_eq!(code.len(), 52);
    // Unknown addresses get the same answer and no mail.
    server
        .anonymous()
        .send_password_reset_email(&reset_to("nobody@example.com"))
        .await
        .unwrap();
    let weak = types::ResetPasswordBody {
        code: code.clone(),
        new_password: "abc".into(),
    };
    assert_fails(
        server.anonymous().reset_password(&weak).await,
        400,
        "model.user.is_valid.pwd.app_error",
    )
    .await;
    let body = types::ResetPasswordBody {
        code: code.clone(),
        new_password: "Fresh-pass1".into(),
    };
    server.anonymous().reset_password(&body).await.unwrap();
    assert_logged_out(&user.client).await;
    server.login("basic", "Fresh-pass1").await;
    assert_fails(
        server.anonymous().reset_password(&body).await,
        400,
        "api.user.reset_password.invalid_link.app_error",
    )
    .await;
    // The unknown address got nothing (the account's own mail may include the
    // asynchronous "password changed" notice).
    assert!(
        mailbox
            .all()
            .iter()
            .all(|m| m.to.iter().all(|to| !to.contains("nobody"))),
        "no mail to an unknown address"
    );
}

#[tokio::test]
async fn a_reset_link_used_concurrently_works_exactly_once() {
    let (server, mailbox) = setup(|_| {}).await;
    let admin = server.admin().await;
    server.user(&admin, "basic").await;
    server
        .anonymous()
        .send_password_reset_email(&reset_to("basic@example.com"))
        .await
        .unwrap();
    let code = mailbox
        .last_to("basic@example.com")
        .await
        .link_param("token");
    let bodies = (0..8)
        .map(|i| serde_json::json!({"code": code, "new_password": format!("Parallel-{i}")}))
        .collect();
    let statuses = server.race("/users/password/reset", bodies).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn expired_links_are_refused() {
    let (server, mailbox) = setup(|_| {}).await;
    let admin = server.admin().await;
    server.user(&admin, "basic").await;
    server
        .anonymous()
        .send_password_reset_email(&reset_to("basic@example.com"))
        .await
        .unwrap();
    let code = mailbox
        .last_to("basic@example.com")
        .await
        .link_param("token");
    // Age the token past its hour.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
    let db = server.state.db();
    let row = ferromost::store::entity::token::Entity::find_by_id(code.clone())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut row = row.into_active_model();
    row.create_at = Set(ferromost::ids::now_millis() - 61 * 60 * 1000);
    row.update(db).await.unwrap();
    let body = types::ResetPasswordBody {
        code,
        new_password: "Fresh-pass1".into(),
    };
    assert_fails(
        server.anonymous().reset_password(&body).await,
        400,
        "api.user.reset_password.link_expired.app_error",
    )
    .await;
    server.login("basic", PASSWORD).await;
}

#[tokio::test]
async fn verification_gates_login_when_required() {
    let (server, mailbox) = setup(|c| {
        c.email_settings.require_email_verification = true;
        c.team_settings.enable_open_server = true;
    })
    .await;
    server.admin().await;
    server
        .anonymous()
        .create_user(None, None, &crate::common::new_user("walkin"))
        .await
        .unwrap();
    assert_fails(
        server
            .anonymous()
            .login(&login_body("walkin", PASSWORD))
            .await,
        401,
        "api.user.login.not_verified.app_error",
    )
    .await;
    let send = types::SendVerificationEmailBody {
        email: "walkin@example.com".into(),
    };
    server
        .anonymous()
        .send_verification_email(&send)
        .await
        .unwrap();
    let mail = mailbox.last_to("walkin@example.com").await;
    assert!(mail.data.contains("do_verify_email?token="));
    let token = mail.link_param("token");
    server
        .anonymous()
        .verify_user_email(&types::VerifyUserEmailBody {
            token: token.clone(),
        })
        .await
        .unwrap();
    server.login("walkin", PASSWORD).await;
    assert_fails(
        server
            .anonymous()
            .verify_user_email(&types::VerifyUserEmailBody { token })
            .await,
        400,
        "api.user.verify_email.bad_link.app_error",
    )
    .await;
}

#[tokio::test]
async fn administrators_verify_without_a_token() {
    let (server, _mailbox) = setup(|c| c.team_settings.enable_open_server = true).await;
    let admin = server.admin().await;
    let created = server
        .anonymous()
        .create_user(None, None, &crate::common::new_user("walkin"))
        .await
        .unwrap();
    let id = created.into_inner().id.unwrap();
    let user = server.login("walkin", PASSWORD).await;
    assert_fails(
        user.client.verify_user_email_without_token(&id).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    let verified = admin
        .client
        .verify_user_email_without_token(&id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(verified.email_verified, Some(true));
}

#[tokio::test]
async fn account_changes_are_notified_by_email() {
    let (server, mailbox) = setup(|c| c.service_settings.enable_user_access_tokens = true).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let change = types::UpdateUserPasswordBody {
        current_password: Some(PASSWORD.into()),
        new_password: "Changed-pass1".into(),
    };
    user.client
        .update_user_password("me", &change)
        .await
        .unwrap();
    let mail = mailbox.last_to("basic@example.com").await;
    assert!(
        mail.data.contains("The password was changed"),
        "{}",
        mail.data
    );
    // An email change tells the old address.
    let patch = types::PatchUserBody {
        email: Some("new@example.com".into()),
        ..Default::default()
    };
    user.client.patch_user("me", &patch).await.unwrap();
    mailbox
        .find("basic@example.com", "changed to new@example.com")
        .await;
    // A token for the admin tells the admin.
    let body = types::CreateUserAccessTokenBody {
        description: "ci".into(),
    };
    admin
        .client
        .create_user_access_token("me", &body)
        .await
        .unwrap();
    mailbox
        .find("sysadmin@example.com", "personal access token")
        .await;
}

#[tokio::test]
async fn notifications_follow_send_email_notifications() {
    let (server, mailbox) = setup(|c| c.email_settings.send_email_notifications = false).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let change = types::UpdateUserPasswordBody {
        current_password: Some(PASSWORD.into()),
        new_password: "Changed-pass1".into(),
    };
    user.client
        .update_user_password("me", &change)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(mailbox.all().is_empty());
}

#[tokio::test]
async fn mail_goes_over_starttls_when_configured() {
    let (mailbox, port) = Mailbox::start_tls().await;
    let server = TestServer::start_with(|c| {
        c.email_settings.smtp_server = "127.0.0.1".into();
        c.email_settings.smtp_port = port.to_string();
        c.email_settings.connection_security = "STARTTLS".into();
        c.email_settings.skip_server_certificate_verification = true;
    })
    .await;
    let admin = server.admin().await;
    server.user(&admin, "basic").await;
    server
        .anonymous()
        .send_password_reset_email(&reset_to("basic@example.com"))
        .await
        .unwrap();
    let mail = mailbox.last_to("basic@example.com").await;
    assert!(mail.tls, "the message came over TLS");
    // Without skipping verification, a self-signed certificate is refused.
    server.configure(|c| c.email_settings.skip_server_certificate_verification = false);
    let response = server
        .http()
        .post(server.api("/users/password/reset/send"))
        .json(&serde_json::json!({"email": "basic@example.com"}))
        .send()
        .await
        .unwrap();
    crate::common::assert_app_error(response, 500, "api.user.send_password_reset.send.app_error")
        .await;
}
