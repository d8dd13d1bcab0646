//! ferromost: a server for the Mattermost API v4, generated from the contract in `openapi/`.
//!
//! `contract` holds what build.rs generates (types, route traits, the operation table); `api`
//! implements the route traits; `router` turns the table into the axum application.

pub mod api;
pub mod app;
pub mod auth;
pub mod cluster;
pub mod config;
pub mod contract;
pub mod error;
pub mod fanout;
pub mod forms;
pub mod ids;
pub mod logs;
pub mod realtime;
pub mod router;
pub mod rt;
pub mod state;
pub mod store;

pub use router::app;
pub use state::AppState;

/// Chooses ring as the process's TLS cryptography (outgoing HTTP clients need one); a
/// second call is harmless.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Opens the database the configuration names and builds the state.
pub async fn start(config: config::Config) -> Result<AppState, String> {
    install_tls();
    let db = store::open(&config).await?;
    let facts = app::server::ensure_facts(&db, store::schema_version()).await?;
    let state = AppState::new(db, config, facts);
    // The test suites run with every account-cache hit checked against the database.
    if std::env::var("FERROMOST_CACHE_AUDIT").is_ok_and(|v| v == "1") {
        state.accounts().set_audit(true);
    }
    app::settings::adopt_newer_saved(&state)
        .await
        .map_err(|e| format!("the configuration saved in the database: {}", e.message))?;
    cluster::listen(&state);
    fanout::start(&state);
    app::presence::start(&state);
    app::reminders::start(&state);
    Ok(state)
}

/// Serves the application on `listener` until `shutdown` completes; in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves the application on the local-mode Unix socket at `path` (mmctl's local mode):
/// every request there is fully authorised, so the socket is created readable and writable
/// by this user only.
#[cfg(unix)]
pub async fn serve_local(
    path: &std::path::Path,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let listener = tokio::net::UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    let app = app(state).layer(axum::Extension(router::LocalMode));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
