//! `cargo bench --bench auth`: authentication speed on SQLite and PostgreSQL.
//!
//! Prints, per database: requests per second and p50/p99 latency of `GET /api/v4/users/me`
//! with a session token (the session cache's common case), and logins per second with the
//! production password hashing (PBKDF2-SHA256, 600,000 rounds). Client and server share the
//! machine (and this process), so the figures are a floor, not a ceiling; PostgreSQL is
//! skipped when none answers on FERROMOST_TEST_PG_URL or 127.0.0.1:5432.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../api/common/mod.rs"]
#[expect(
    dead_code,
    reason = "the benchmark uses a few of the test harness's helpers"
)]
mod common;

use common::{PASSWORD, TestServer};
use std::time::{Duration, Instant};

const CLIENTS: usize = 16;
const REQUESTS_PER_CLIENT: usize = 1_000;
const LOGINS: usize = 12;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn measure(name: &str) {
    let server = TestServer::start_with(|c| {
        c.password_settings.pbkdf2_iterations = 600_000;
        c.sql_settings.max_open_conns = 10;
    })
    .await;
    let admin = server.admin().await;
    let url = server.api("/users/me");
    let http = reqwest::Client::new();
    // Warm the session cache and the connections.
    for _ in 0..50 {
        http.get(&url)
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap();
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, url, token) = (http.clone(), url.clone(), admin.token.clone());
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(REQUESTS_PER_CLIENT);
                for _ in 0..REQUESTS_PER_CLIENT {
                    let t = Instant::now();
                    let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
                    assert_eq!(r.status(), 200);
                    r.bytes().await.unwrap();
                    times.push(t.elapsed());
                }
                times
            })
        })
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    times.sort();
    let rps = times.len() as f64 / elapsed.as_secs_f64();
    println!(
        "{name:>10}  GET /users/me   {rps:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} requests, {CLIENTS} clients)",
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times.len(),
    );
    let started = Instant::now();
    let logins: Vec<_> = (0..LOGINS)
        .map(|_| {
            let (http, url) = (http.clone(), server.api("/users/login"));
            tokio::spawn(async move {
                let body = serde_json::json!({"login_id": "sysadmin", "password": PASSWORD});
                assert_eq!(
                    http.post(url).json(&body).send().await.unwrap().status(),
                    201
                );
            })
        })
        .collect();
    for login in logins {
        login.await.unwrap();
    }
    let per_second = LOGINS as f64 / started.elapsed().as_secs_f64();
    println!(
        "{name:>10}  POST /users/login {per_second:>6.1} logins/s ({LOGINS} logins, 600,000 PBKDF2 rounds)"
    );
}

async fn postgres_reachable() -> bool {
    let base = std::env::var("FERROMOST_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    sea_orm::Database::connect(format!("{base}/postgres"))
        .await
        .is_ok()
}

#[tokio::main]
async fn main() {
    println!(
        "ferromost authentication benchmark ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    measure("sqlite").await;
    if postgres_reachable().await {
        common::use_postgres();
        measure("postgres").await;
    } else {
        println!("  postgres  not measured: no server on 127.0.0.1:5432");
    }
}
