//! The System operations admins and clients call besides the config: time zones, notices,
//! test email and site URL, caches, logs, statistics, the busy state, link redirects,
//! images, push receipts and the licence operations of an unlicensed server.

use crate::common::smtp::Mailbox;
use crate::common::{Account, TestServer, assert_app_error};
use serde_json::{Value, json};

const FORBIDDEN: &str = "api.context.permissions.app_error";

async fn call(
    server: &TestServer,
    who: Option<&Account>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.request(method, server.api(path));
    if let Some(who) = who {
        request = request.bearer_auth(&who.token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn ok_json(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn time_zones_notices_and_caches() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let anonymous = call(&server, None, "GET", "/system/timezones", None).await;
    assert_app_error(anonymous, 401, "api.context.session_expired.app_error").await;
    let zones = ok_json(call(&server, Some(&user), "GET", "/system/timezones", None).await).await;
    let zones: Vec<&str> = zones
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z.as_str().unwrap())
        .collect();
    assert!(zones.contains(&"America/New_York") && zones.contains(&"Europe/Berlin"));
    let notices = call(
        &server,
        Some(&user),
        "GET",
        &format!(
            "/system/notices/{}?clientVersion=1.0&client=web",
            ferromost::ids::new_id()
        ),
        None,
    )
    .await;
    assert_eq!(ok_json(notices).await, json!([]));
    let viewed = call(
        &server,
        Some(&user),
        "PUT",
        "/system/notices/view",
        Some(json!(["n1"])),
    )
    .await;
    assert_eq!(ok_json(viewed).await, json!({"status": "OK"}));
    let refused = call(&server, Some(&user), "POST", "/caches/invalidate", None).await;
    assert_app_error(refused, 403, FORBIDDEN).await;
    let done = call(&server, Some(&admin), "POST", "/caches/invalidate", None).await;
    assert_eq!(ok_json(done).await, json!({"status": "OK"}));
    // Sessions still work: they come back from the database.
    assert_eq!(
        call(&server, Some(&user), "GET", "/users/me", None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_test_email_reaches_the_admin() {
    let (mailbox, port) = Mailbox::start().await;
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let settings =
        json!({"EmailSettings": {"SMTPServer": "127.0.0.1", "SMTPPort": port.to_string()}});
    let refused = call(
        &server,
        Some(&user),
        "POST",
        "/email/test",
        Some(settings.clone()),
    )
    .await;
    assert_app_error(refused, 403, FORBIDDEN).await;
    let sent = call(&server, Some(&admin), "POST", "/email/test", Some(settings)).await;
    assert_eq!(ok_json(sent).await, json!({"status": "OK"}));
    let mail = mailbox.last_to("sysadmin@example.com").await;
    assert!(
        mail.data.contains("Testing Email Settings"),
        "{}",
        mail.data
    );
    // The settings tested are not saved.
    assert_eq!(server.state.config().email_settings.smtp_port, "10025");
    let missing = json!({"EmailSettings": {"SMTPServer": ""}});
    let refused = call(&server, Some(&admin), "POST", "/email/test", Some(missing)).await;
    assert_app_error(refused, 400, "api.admin.test_email.missing_server").await;
}

/// A configuration to test: what GET /config shows, its file store changed by `adjust`.
async fn file_store(
    server: &TestServer,
    admin: &Account,
    adjust: impl FnOnce(&mut Value),
) -> Value {
    let mut config = ok_json(call(server, Some(admin), "GET", "/config", None).await).await;
    adjust(&mut config["FileSettings"]);
    config
}

#[tokio::test]
async fn the_s3_test_tries_the_file_store_given() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let (manager, reader) = server.manager_and_reader(&admin).await;
    let folder =
        std::env::temp_dir().join(format!("ferromost_s3test_{}", ferromost::ids::new_id()));
    let local = file_store(&server, &admin, |f| {
        f["DriverName"] = json!("local");
        f["Directory"] = json!(folder.display().to_string());
        f["AmazonS3Bucket"] = json!("named-but-unused");
    })
    .await;
    let before = server.state.config().file_settings.clone();
    let test = async |who: Option<&Account>, config: Value| {
        call(&server, who, "POST", "/file/s3_test", Some(config)).await
    };

    let anonymous = test(None, local.clone()).await;
    assert_app_error(anonymous, 401, "api.context.session_expired.app_error").await;
    for refused in [&user, &reader] {
        let answer = test(Some(refused), local.clone()).await;
        assert_app_error(answer, 403, FORBIDDEN).await;
    }
    // The local store takes a file in its folder (made when missing) and keeps none.
    for who in [&admin, &manager] {
        let answer = test(Some(who), local.clone()).await;
        assert_eq!(ok_json(answer).await, json!({"status": "OK"}));
    }
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);

    // Settings missing or null, a bucket not named, a folder that cannot be one, a driver
    // that does not exist, an S3 service that does not answer.
    let mut partial = local.clone();
    partial["FileSettings"]["AmazonS3Region"] = Value::Null;
    for unset in [json!({}), partial] {
        let answer = test(Some(&admin), unset).await;
        let id = "api.file.test_connection_s3_settings_nil.app_error";
        assert_app_error(answer, 400, id).await;
    }
    let cases = [
        (
            "AmazonS3Bucket",
            json!(""),
            "api.admin.test_s3.missing_s3_bucket",
        ),
        (
            "Directory",
            json!(
                std::env::current_exe()
                    .unwrap()
                    .join("under-a-file")
                    .display()
                    .to_string()
            ),
            "api.file.test_connection.app_error",
        ),
        ("DriverName", json!("azure"), "api.file.no_driver.app_error"),
    ];
    for (setting, value, id) in cases {
        let mut config = local.clone();
        config["FileSettings"][setting] = value;
        let answer = test(Some(&admin), config).await;
        assert_app_error(answer, 400, id).await;
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = closed.local_addr().unwrap().to_string();
    drop(closed);
    let unreachable = file_store(&server, &admin, |f| {
        f["DriverName"] = json!("amazons3");
        f["AmazonS3Endpoint"] = json!(endpoint);
        f["AmazonS3Bucket"] = json!("somewhere");
        f["AmazonS3SSL"] = json!(false);
    })
    .await;
    let answer = test(Some(&admin), unreachable).await;
    assert_app_error(answer, 400, "api.file.test_connection_s3_auth.app_error").await;
    // A wrong type is the body's fault.
    let mut wrong = local.clone();
    wrong["FileSettings"]["AmazonS3SSL"] = json!("yes");
    let answer = test(Some(&admin), wrong).await;
    assert_app_error(answer, 400, "api.context.invalid_body_param.app_error").await;
    // Nothing tested was put in force.
    assert_eq!(server.state.config().file_settings, before);
    let _ = std::fs::remove_dir_all(&folder);
}

#[tokio::test]
async fn the_site_url_test_pings_the_url() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let live = json!({"site_url": server.url});
    let refused = call(
        &server,
        Some(&user),
        "POST",
        "/site_url/test",
        Some(live.clone()),
    )
    .await;
    assert_app_error(refused, 403, FORBIDDEN).await;
    assert_eq!(
        ok_json(call(&server, Some(&admin), "POST", "/site_url/test", Some(live)).await).await,
        json!({"status": "OK"})
    );
    let dead = json!({"site_url": "http://127.0.0.1:9"});
    let refused = call(&server, Some(&admin), "POST", "/site_url/test", Some(dead)).await;
    assert_app_error(refused, 400, "app.admin.test_site_url.failure").await;
}

#[tokio::test]
async fn client_log_lines_reach_the_server_log() {
    ferromost::logs::capture();
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let marker = format!("client says {}", ferromost::ids::new_id());
    let line = json!({"level": "ERROR", "message": marker});
    let anonymous = call(&server, None, "POST", "/logs", Some(line.clone())).await;
    assert_app_error(anonymous, 403, FORBIDDEN).await;
    let echoed = ok_json(call(&server, Some(&admin), "POST", "/logs", Some(line)).await).await;
    assert_eq!(echoed["message"], marker.as_str());
    let refused = call(&server, Some(&user), "GET", "/logs", None).await;
    assert_app_error(refused, 403, FORBIDDEN).await;
    let lines = ok_json(
        call(
            &server,
            Some(&admin),
            "GET",
            "/logs?logs_per_page=1000",
            None,
        )
        .await,
    )
    .await;
    let found = lines
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l.as_str().unwrap()).ok())
        .find(|l| l["msg"] == marker.as_str())
        .expect("the line is in the log");
    assert_eq!(found["level"], "error");
    assert!(found["timestamp"].is_string());
}

#[tokio::test]
async fn site_statistics_count_what_is_there() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let refused = call(&server, Some(&user), "GET", "/analytics/old", None).await;
    assert_app_error(refused, 403, FORBIDDEN).await;
    let rows = ok_json(call(&server, Some(&admin), "GET", "/analytics/old", None).await).await;
    let value = |rows: &Value, name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["value"].as_i64().unwrap())
    };
    assert_eq!(value(&rows, "unique_user_count"), Some(2));
    assert_eq!(value(&rows, "team_count"), Some(0));
    assert_eq!(value(&rows, "post_count"), Some(0));
    assert_eq!(value(&rows, "inactive_user_count"), Some(0));
    let days = ok_json(
        call(
            &server,
            Some(&admin),
            "GET",
            "/analytics/old?name=post_counts_day",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(days, json!([]));
}

#[tokio::test]
async fn a_busy_server_refuses_searches_until_cleared() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let refused = call(&server, Some(&user), "POST", "/server_busy", None).await;
    assert_app_error(refused, 403, FORBIDDEN).await;
    let bad = call(
        &server,
        Some(&admin),
        "POST",
        "/server_busy?seconds=0",
        None,
    )
    .await;
    assert_eq!(bad.status(), 400);
    let set = call(
        &server,
        Some(&admin),
        "POST",
        "/server_busy?seconds=60",
        None,
    )
    .await;
    assert_eq!(ok_json(set).await, json!({"status": "OK"}));
    let state = ok_json(call(&server, Some(&admin), "GET", "/server_busy", None).await).await;
    assert_eq!(state["busy"], true);
    assert!(state["expires"].as_i64().unwrap() > ferromost::ids::now_millis() / 1000);
    let team = ferromost::ids::new_id();
    let search = call(
        &server,
        Some(&user),
        "POST",
        &format!("/teams/{team}/posts/search"),
        Some(json!({"terms": "x", "is_or_search": false})),
    )
    .await;
    assert_app_error(search, 503, "api.context.server_busy.app_error").await;
    ok_json(call(&server, Some(&admin), "DELETE", "/server_busy", None).await).await;
    let state = ok_json(call(&server, Some(&admin), "GET", "/server_busy", None).await).await;
    assert_eq!(state, json!({"busy": false, "expires": 0}));
}

/// A one-route server on loopback that redirects every request to `to`.
async fn redirector(to: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buffer = [0_u8; 2048];
                let _ = socket.read(&mut buffer).await;
                let answer = format!(
                    "HTTP/1.1 301 Moved Permanently\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{address}/short")
}

#[tokio::test]
async fn redirects_are_looked_up_but_not_inside_the_network() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let link = redirector("https://example.com/long").await;
    let path = format!("/redirect_location?url={}", percent(&link));
    // Loopback is off limits unless the administrator trusts it.
    let answer = ok_json(call(&server, Some(&admin), "GET", &path, None).await).await;
    assert_eq!(answer, json!({"location": ""}));
    server.configure(|c| {
        c.service_settings.extra.insert(
            "AllowedUntrustedInternalConnections".into(),
            json!("127.0.0.1"),
        );
    });
    let answer = ok_json(call(&server, Some(&admin), "GET", &path, None).await).await;
    assert_eq!(answer, json!({"location": "https://example.com/long"}));
    let anonymous = call(&server, None, "GET", &path, None).await;
    assert_eq!(anonymous.status(), 401);
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn images_redirect_to_their_source() {
    let server =
        TestServer::start_with(|c| c.service_settings.site_url = "https://chat.example.com".into())
            .await;
    let admin = server.admin().await;
    let image = call(
        &server,
        Some(&admin),
        "GET",
        "/image?url=https%3A%2F%2Fcdn.example.com%2Fa.png",
        None,
    )
    .await;
    assert_eq!(image.status(), 302);
    assert_eq!(image.headers()["location"], "https://cdn.example.com/a.png");
    let relative = call(
        &server,
        Some(&admin),
        "GET",
        "/image?url=%2Fstatic%2Fb.png",
        None,
    )
    .await;
    assert_eq!(
        relative.headers()["location"],
        "https://chat.example.com/static/b.png"
    );
}

#[tokio::test]
async fn push_receipts_are_taken() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ack = json!({"id": "n1", "platform": "android", "type": "clear", "received_at": 1});
    let answer = ok_json(
        call(
            &server,
            Some(&admin),
            "POST",
            "/notifications/ack",
            Some(ack.clone()),
        )
        .await,
    )
    .await;
    assert_eq!(answer, json!({"status": "OK"}));
    server.configure(|c| {
        c.email_settings
            .extra
            .insert("SendPushNotifications".into(), json!(false));
    });
    let off = call(
        &server,
        Some(&admin),
        "POST",
        "/notifications/ack",
        Some(ack),
    )
    .await;
    assert_app_error(off, 501, "api.push_notification.disabled.app_error").await;
}

#[tokio::test]
async fn an_unlicensed_server_takes_no_licence() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let refused = call(&server, Some(&user), "DELETE", "/license", None).await;
    assert_app_error(refused, 403, FORBIDDEN).await;
    assert_eq!(
        ok_json(call(&server, Some(&admin), "DELETE", "/license", None).await).await,
        json!({"status": "OK"})
    );
    let form = reqwest::multipart::Form::new().part(
        "license",
        reqwest::multipart::Part::bytes(b"not a licence".to_vec())
            .file_name("mattermost.mattermost-license"),
    );
    let upload = reqwest::Client::new()
        .post(server.api("/license"))
        .bearer_auth(&admin.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_app_error(upload, 400, "api.license.add_license.invalid.app_error").await;
    let prev = call(&server, Some(&admin), "GET", "/trial-license/prev", None).await;
    assert_app_error(prev, 403, "api.license.upgrade_needed.app_error").await;
}
