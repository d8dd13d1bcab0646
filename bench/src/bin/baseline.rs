//! The baseline the benchmark measures ferromost against: the same stack (tokio, axum,
//! serde_json, sea-orm over sqlx's SQLite) doing the least a server can do for the two
//! requests measured. `GET /api/v4/users/me` answers a user's JSON from a map in memory;
//! `POST /api/v4/posts` stores each post with one insert into SQLite in WAL mode
//! (synchronous=NORMAL) and answers it, and sends it as a `posted` event to every open
//! `GET /api/v4/websocket` (a `hello`, then the events numbered per connection: the
//! least a fan-out server does). Any bearer token starting `bt` is a user of its own (the
//! fan-out load's clients). `POST /api/v4/files?filename=` streams the body to a file
//! beside the database and `GET /api/v4/files/{n}` streams it back: the least a file
//! server does. Usage: `baseline <port> <sqlite file>`.

use axum::Json;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The bearer token the benchmark sends to the baseline.
const TOKEN: &str = "baselinetoken00000000000000";

struct Shared {
    db: DatabaseConnection,
    /// Where uploads go.
    files: std::path::PathBuf,
    users: HashMap<String, Value>,
    next: AtomicU64,
    /// Each post's event, serialized once, to every connection.
    posted: tokio::sync::broadcast::Sender<Arc<str>>,
}

/// The user a token names: the one in the map, or a fan-out client's (`bt...`).
fn user_of(s: &Shared, token: &str) -> Option<Value> {
    if let Some(user) = s.users.get(token) {
        return Some(user.clone());
    }
    token
        .starts_with("bt")
        .then(|| json!({"id": format!("{token:0>26}"), "username": token}))
}

async fn websocket(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, StatusCode> {
    let token = token(&headers).ok_or(StatusCode::UNAUTHORIZED)?;
    let user = user_of(&s, token).ok_or(StatusCode::UNAUTHORIZED)?;
    let events = s.posted.subscribe();
    Ok(upgrade
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .on_upgrade(move |socket| serve(socket, user, events)))
}

/// `hello`, then every post's event with this connection's next number.
async fn serve(
    mut socket: WebSocket,
    user: Value,
    mut events: tokio::sync::broadcast::Receiver<Arc<str>>,
) {
    let hello = json!({"event": "hello", "data": {"server_version": "baseline"},
                       "broadcast": {"user_id": user["id"]}, "seq": 0});
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut seq = 1_u64;
    loop {
        tokio::select! {
            event = events.recv() => {
                let Ok(open) = event else { return };
                let frame = format!("{open},\"seq\":{seq}}}");
                seq += 1;
                if socket.send(Message::Text(frame.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => {}
                }
            }
        }
    }
}

fn millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(0))
        .unwrap_or(0)
}

fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

async fn me(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Result<Json<Value>, StatusCode> {
    let token = token(&headers).ok_or(StatusCode::UNAUTHORIZED)?;
    s.users
        .get(token)
        .cloned()
        .map(Json)
        .ok_or(StatusCode::UNAUTHORIZED)
}

async fn create_post(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), StatusCode> {
    let token = token(&headers).ok_or(StatusCode::UNAUTHORIZED)?;
    let user_id = user_of(&s, token).ok_or(StatusCode::UNAUTHORIZED)?["id"].clone();
    let channel_id = body["channel_id"].as_str().unwrap_or_default().to_owned();
    let message = body["message"].as_str().unwrap_or_default().to_owned();
    let id = format!("{:026x}", s.next.fetch_add(1, Ordering::Relaxed));
    let now = millis();
    let insert = Statement::from_sql_and_values(
        s.db.get_database_backend(),
        "INSERT INTO posts (id, create_at, user_id, channel_id, message) VALUES (?, ?, ?, ?, ?)",
        [
            id.clone().into(),
            now.into(),
            user_id.as_str().unwrap_or_default().into(),
            channel_id.clone().into(),
            message.clone().into(),
        ],
    );
    s.db.execute_raw(insert)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let answer = json!({"id": id, "create_at": now, "update_at": now, "user_id": user_id,
                        "channel_id": channel_id, "message": message});
    if s.posted.receiver_count() > 0 {
        let event = json!({"event": "posted", "data": {"post": answer.to_string()},
                           "broadcast": {"channel_id": channel_id}});
        let mut open = event.to_string();
        open.pop();
        let _ = s.posted.send(open.into());
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Streams the body into a new file; 201 with its number and size.
async fn upload(
    State(s): State<Arc<Shared>>,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Value>), StatusCode> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let n = s.next.fetch_add(1, Ordering::Relaxed);
    let mut file = tokio::fs::File::create(s.files.join(n.to_string()))
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let mut chunks = body.into_data_stream();
    let mut size = 0usize;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        size += chunk.len();
        file.write_all(&chunk)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    }
    file.flush()
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": n.to_string(), "size": size})),
    ))
}

/// Streams a stored file back.
async fn download(
    State(s): State<Arc<Shared>>,
    axum::extract::Path(n): axum::extract::Path<u64>,
) -> Result<axum::body::Body, StatusCode> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(s.files.join(n.to_string()))
        .await
        .map_err(|_| StatusCode::NOT_FOUND)?;
    let chunks = futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(len) => {
                buf.truncate(len);
                Some((Ok::<_, std::io::Error>(buf), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    Ok(axum::body::Body::from_stream(chunks))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port = args.next().unwrap_or_else(|| "18066".to_owned());
    let file = args.next().unwrap_or_else(|| "baseline.db".to_owned());
    let mut options = ConnectOptions::new(format!("sqlite://{file}?mode=rwc"));
    options
        .max_connections(16)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(10))
        });
    let db = Database::connect(options).await.expect("opening SQLite");
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS posts (id TEXT PRIMARY KEY, create_at INTEGER NOT NULL, \
         user_id TEXT NOT NULL, channel_id TEXT NOT NULL, message TEXT NOT NULL)",
    )
    .await
    .expect("creating the table");
    let user = json!({
        "id": "baselineuser00000000000000", "create_at": 1, "update_at": 1, "delete_at": 0,
        "username": "baseline", "auth_data": "", "auth_service": "", "email": "baseline@example.com",
        "email_verified": true, "nickname": "", "first_name": "", "last_name": "", "position": "",
        "roles": "system_admin system_user", "notify_props": {"channel": "true", "comments": "never",
        "desktop": "mention", "email": "true", "mention_keys": "", "push": "mention"},
        "last_password_update": 1, "locale": "en", "timezone": {"automaticTimezone": "",
        "manualTimezone": "", "useAutomaticTimezone": "true"}, "disable_welcome_email": false
    });
    let files = std::path::Path::new(&file)
        .parent()
        .map_or_else(
            || std::path::PathBuf::from("."),
            std::path::Path::to_path_buf,
        )
        .join("baseline-files");
    std::fs::create_dir_all(&files).expect("making the files folder");
    let shared = Arc::new(Shared {
        db,
        files,
        users: HashMap::from([(TOKEN.to_owned(), user)]),
        next: AtomicU64::new(u64::try_from(millis()).unwrap_or(0) << 16),
        posted: tokio::sync::broadcast::channel(1024).0,
    });
    let app = axum::Router::new()
        .route("/api/v4/users/me", get(me))
        .route("/api/v4/posts", post(create_post))
        .route("/api/v4/websocket", get(websocket))
        .route("/api/v4/files", post(upload))
        .route("/api/v4/files/{n}", get(download))
        .route(
            "/api/v4/system/ping",
            get(|| async { Json(json!({"status": "OK"})) }),
        )
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .expect("binding");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("serving");
}
