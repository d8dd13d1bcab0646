//! Sending email over SMTP with EmailSettings: plain, STARTTLS or TLS, optional AUTH.

use crate::auth::Caller;
use crate::config::Config;
use crate::error::ApiError;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Sends a plain-text message to `to`. A failure carries `failure_id`, the Mattermost id
/// of the flow that sent it.
pub async fn send(
    config: &Config,
    to: &str,
    subject: &str,
    body: String,
    failure_id: &'static str,
) -> Result<(), ApiError> {
    let fail = |detail: String| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            failure_id,
            "The email could not be sent.",
        )
        .detail(detail)
    };
    let settings = &config.email_settings;
    let from_name = if settings.feedback_name.is_empty() {
        config.team_settings.site_name.clone()
    } else {
        settings.feedback_name.clone()
    };
    let from: Mailbox = format!("{from_name} <{}>", settings.feedback_email)
        .parse()
        .map_err(|e| fail(format!("EmailSettings.FeedbackEmail: {e}")))?;
    let to: Mailbox = to.parse().map_err(|e| fail(format!("recipient: {e}")))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .body(body)
        .map_err(|e| fail(e.to_string()))?;
    let port: u16 = settings
        .smtp_port
        .parse()
        .map_err(|_| fail("EmailSettings.SMTPPort".to_owned()))?;
    let tls = || {
        TlsParameters::builder(settings.smtp_server.clone())
            .dangerous_accept_invalid_certs(settings.skip_server_certificate_verification)
            .build()
            .map_err(|e| fail(format!("TLS: {e}")))
    };
    let security = match settings.connection_security.as_str() {
        "" => Tls::None,
        "STARTTLS" => Tls::Required(tls()?),
        "TLS" => Tls::Wrapper(tls()?),
        other => return Err(fail(format!("EmailSettings.ConnectionSecurity {other:?}"))),
    };
    let mut transport =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp_server)
            .port(port)
            .tls(security)
            .timeout(Some(Duration::from_secs(
                settings.smtp_server_timeout.max(1),
            )));
    if settings.enable_smtp_auth {
        transport = transport.credentials(Credentials::new(
            settings.smtp_username.clone(),
            settings.smtp_password.clone(),
        ));
    }
    transport
        .build()
        .send(message)
        .await
        .map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// Tells `to` about a change to their account (password, MFA, tokens, email address), in
/// the background: the change has happened whether or not the mail gets through, so a
/// failure is logged, not returned. Off when EmailSettings.SendEmailNotifications is.
pub fn notify_security_event(caller: &Caller, to: &str, what: &str) {
    let config = caller.state.config();
    if !config.email_settings.send_email_notifications {
        return;
    }
    let (to, site) = (to.to_owned(), config.team_settings.site_name.clone());
    let subject = format!("[{site}] Your account was changed");
    let text = format!(
        "{what} on your {site} account.\n\nIf you did not do this, contact your system \
         administrator now.\n"
    );
    tokio::spawn(async move {
        if let Err(e) = send(
            &config,
            &to,
            &subject,
            text,
            "app.user.send_emails.app_error",
        )
        .await
        {
            tracing::warn!(error = %e, "sending a security notification");
        }
    });
}
