//! The ferromost binary: configuration → logging → database → serve until SIGTERM or Ctrl-C.

use ferromost::config::Config;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("ferromost: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let path = std::env::var_os("MM_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("config/config.json"));
    let config = Config::load(Some(&path), std::env::vars())?;
    let filter = EnvFilter::try_from_env("FERROMOST_LOG")
        .unwrap_or_else(|_| EnvFilter::new(config.log_settings.console_level.to_lowercase()));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    // Every line also kept in memory for the System Console (GetLogs).
    if config.log_settings.console_json {
        logs.json().finish().with(ferromost::logs::Ring).init();
    } else {
        logs.finish().with(ferromost::logs::Ring).init();
    }
    let address = config.service_settings.listen_address.clone();
    let address = if address.starts_with(':') {
        format!("0.0.0.0{address}")
    } else {
        address
    };
    let state = ferromost::start(config).await?;
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|e| format!("listening on {address}: {e}"))?;
    tracing::info!(address, "ferromost is serving the Mattermost API v4");
    // One signal stops every listener.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let local = state.config().service_settings.clone();
    #[cfg(unix)]
    if local.enable_local_mode {
        let path = PathBuf::from(&local.local_mode_socket_location);
        let (state, rx) = (state.clone(), stopped.clone());
        tracing::info!(socket = %path.display(), "local mode is on");
        tokio::spawn(async move {
            if let Err(e) = ferromost::serve_local(&path, state, until_stopped(rx)).await {
                tracing::error!(error = %e, socket = %path.display(), "local mode");
            }
        });
    }
    ferromost::serve(listener, state.clone(), until_stopped(stopped))
        .await
        .map_err(|e| format!("serving: {e}"))?;
    tracing::info!("in-flight requests finished; closing the database");
    state
        .db()
        .clone()
        .close()
        .await
        .map_err(|e| format!("closing the database: {e}"))?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
