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
pub mod ids;
pub mod router;
pub mod rt;
pub mod state;
pub mod store;

pub use router::app;
pub use state::AppState;

/// Opens the database the configuration names and builds the state.
pub async fn start(config: config::Config) -> Result<AppState, String> {
    let db = store::open(&config).await?;
    let state = AppState::new(db, config);
    cluster::listen(&state);
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
