//! mmctl's local mode: requests over the Unix socket are fully authorised without a token,
//! the socket is private to the server's user, and PermanentDeleteAllUsers works only there.

use crate::common::{TestServer, assert_logged_out};
use std::os::unix::fs::PermissionsExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends one HTTP/1.1 request over the socket; the status and the body.
async fn local_request(socket: &std::path::Path, method: &str, path: &str) -> (u16, String) {
    let mut stream = tokio::net::UnixStream::connect(socket).await.unwrap();
    let request =
        format!("{method} /api/v4{path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    let status = reply.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = reply
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

#[tokio::test]
async fn local_mode_is_fully_authorised_and_private() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    server.user(&admin, "basic").await;
    let socket = std::env::temp_dir().join(format!(
        "ferromost-local-{}.socket",
        ferromost::ids::new_id()
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (state, path) = (server.state.clone(), socket.clone());
    tokio::spawn(async move {
        ferromost::serve_local(&path, state, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // No token, yet an administrator's view.
    let (status, body) = local_request(&socket, "GET", "/users?per_page=10").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("basic@example.com"));
    let (status, _) = local_request(&socket, "GET", "/roles").await;
    assert_eq!(status, 200);
    // Deleting everyone: refused over HTTP, done over the socket.
    let response = server
        .http()
        .delete(server.api("/users"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let (status, body) = local_request(&socket, "DELETE", "/users").await;
    assert_eq!(status, 200, "{body}");
    assert_logged_out(&admin.client).await;
    let (_, body) = local_request(&socket, "GET", "/users").await;
    assert_eq!(body.trim(), "[]");
    let _ = stop.send(());
    std::fs::remove_file(&socket).ok();
}
