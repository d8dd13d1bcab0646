//! The `ferromost` binary as an administrator runs it: no configuration, an empty folder,
//! and SIGTERM to stop it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn starts_with_nothing_configured_and_stops_gracefully_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("ferromost-bin-{}", ferromost::ids::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferromost"))
        .current_dir(&dir)
        .env_clear()
        .env(
            "MM_SERVICESETTINGS_LISTENADDRESS",
            format!("127.0.0.1:{port}"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/api/v4");
    ferromost::install_tls();
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/system/ping")).send().await {
            assert_eq!(r.status(), 200);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        dir.join("data/ferromost.db").exists(),
        "SQLite created under ./data"
    );

    let credentials = serde_json::json!({
        "username": "admin", "email": "admin@example.com", "password": "Passw0rd!"
    });
    let created = http
        .post(format!("{base}/users"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    // A login hashes with 600,000 PBKDF2 rounds: long enough to be in flight at SIGTERM.
    let login = tokio::spawn({
        let (http, base) = (http.clone(), base.clone());
        async move {
            let body = serde_json::json!({"login_id": "admin", "password": "Passw0rd!"});
            http.post(format!("{base}/users/login"))
                .json(&body)
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(30)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let response = login
        .await
        .unwrap()
        .expect("the in-flight login was answered");
    assert_eq!(response.status(), 200);
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn local_mode_switched_on_through_the_environment_answers_on_its_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir =
        std::env::temp_dir().join(format!("ferromost-local-bin-{}", ferromost::ids::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("local.socket");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferromost"))
        .current_dir(&dir)
        .env_clear()
        .env(
            "MM_SERVICESETTINGS_LISTENADDRESS",
            format!("127.0.0.1:{}", free_port()),
        )
        .env("MM_SERVICESETTINGS_ENABLELOCALMODE", "true")
        .env("MM_SERVICESETTINGS_LOCALMODESOCKETLOCATION", &socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut stream = loop {
        if let Ok(s) = tokio::net::UnixStream::connect(&socket).await {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no local-mode socket"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    stream
        .write_all(b"GET /api/v4/roles HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status}");
    std::fs::remove_dir_all(&dir).ok();
}
