//! The websocket fan-out load (bench/fanout.sh drives it).
//!
//! `fanout setup <url> <users> <file>`: on a fresh ferromost, makes the first account (an
//! administrator), a team and `users` accounts in it (so in its town-square), logs each
//! in, and writes the channel id, then one token a line (the first is the poster's).
//!
//! `fanout run <url> <file> <rate> <seconds> <pid>`: one websocket per token, then posts
//! `rate` a second for `seconds` as the first token into the channel, and prints, per post,
//! the time from sending the POST to the last client receiving it (p50, p99, max over the
//! posts), deliveries lost and duplicated, and the server's CPU per delivered event (from
//! /proc/<pid>/stat). A file with the single line `baseline` and then `bt...` tokens
//! drives the baseline server the same way. A sixth argument, another node's URL, sends
//! the posts there instead (cross-node delivery; bench/crossnode.sh).
//!
//! `fanout idle <url> <file> <connections> <pid>`: opens that many authenticated
//! connections (cycling through the tokens), waits for every `hello`, idles, and prints
//! the server's RSS.

use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Fail = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Fail> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let number = |i: usize| arg(i).parse::<u64>().map_err(|_| format!("argument {i}"));
    match arg(0).as_str() {
        "setup" => setup(&arg(1), number(2)?, &arg(3)).await,
        "run" => {
            let post_url = Some(arg(6)).filter(|u| !u.is_empty()).unwrap_or(arg(1));
            run(&arg(1), &arg(2), number(3)?, number(4)?, &arg(5), &post_url).await
        }
        "idle" => idle(&arg(1), &arg(2), number(3)?, &arg(4)).await,
        _ => Err("usage: fanout setup|run|idle ... (see the source's first lines)".into()),
    }
}

const PASSWORD: &str = "Fanout-Password-1";

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Value,
) -> Result<reqwest::Response, Fail> {
    let mut request = http.request(method, url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    if !response.status().is_success() {
        let status = response.status();
        return Err(format!("{status}: {}", response.text().await.unwrap_or_default()).into());
    }
    Ok(response)
}

async fn login(http: &reqwest::Client, url: &str, name: &str) -> Result<String, Fail> {
    let body = json!({"login_id": name, "password": PASSWORD});
    let response = call(
        http,
        reqwest::Method::POST,
        format!("{url}/api/v4/users/login"),
        None,
        body,
    )
    .await?;
    Ok(response
        .headers()
        .get("token")
        .and_then(|t| t.to_str().ok())
        .ok_or("no token")?
        .to_owned())
}

async fn setup(url: &str, users: u64, file: &str) -> Result<(), Fail> {
    let http = reqwest::Client::new();
    let post = reqwest::Method::POST;
    let admin =
        json!({"username": "fanadmin", "email": "fanadmin@example.com", "password": PASSWORD});
    call(
        &http,
        post.clone(),
        format!("{url}/api/v4/users"),
        None,
        admin,
    )
    .await?;
    let admin = login(&http, url, "fanadmin").await?;
    let team = json!({"name": "fanout", "display_name": "Fan-out", "type": "O"});
    let team: Value = call(
        &http,
        post.clone(),
        format!("{url}/api/v4/teams"),
        Some(&admin),
        team,
    )
    .await?
    .json()
    .await?;
    let team_id = team["id"].as_str().ok_or("no team id")?.to_owned();
    let channel = format!("{url}/api/v4/teams/{team_id}/channels/name/town-square");
    let channel: Value = call(
        &http,
        reqwest::Method::GET,
        channel,
        Some(&admin),
        Value::Null,
    )
    .await?
    .json()
    .await?;
    let channel_id = channel["id"].as_str().ok_or("no channel id")?.to_owned();
    // The accounts, eight at a time.
    let made = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (http, url, admin, team_id) =
            (http.clone(), url.to_owned(), admin.clone(), team_id.clone());
        let (made, next) = (made.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= users {
                    return Ok::<(), Fail>(());
                }
                let name = format!("fan{i}");
                let body = json!({"username": name, "email": format!("{name}@example.com"), "password": PASSWORD});
                let user: Value = call(&http, reqwest::Method::POST, format!("{url}/api/v4/users"), Some(&admin), body)
                    .await?
                    .json()
                    .await?;
                let member = json!({"team_id": team_id, "user_id": user["id"]});
                let path = format!("{url}/api/v4/teams/{team_id}/members");
                call(&http, reqwest::Method::POST, path, Some(&admin), member).await?;
                let token = login(&http, &url, &name).await?;
                made.lock().await.push((i, token));
            }
        }));
    }
    for worker in workers {
        worker.await??;
    }
    let mut made = made.lock().await.clone();
    made.sort();
    let mut out = format!("{channel_id}\n");
    for (_, token) in made {
        out.push_str(&token);
        out.push('\n');
    }
    std::fs::write(file, out)?;
    Ok(())
}

/// The channel and the tokens of a setup file.
fn read_setup(file: &str) -> Result<(String, Vec<String>), Fail> {
    let text = std::fs::read_to_string(file)?;
    let mut lines = text.lines().map(str::to_owned);
    let channel = lines.next().ok_or("empty setup file")?;
    let tokens: Vec<String> = lines.filter(|l| !l.is_empty()).collect();
    if tokens.is_empty() {
        return Err("no tokens".into());
    }
    Ok((channel, tokens))
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(url: &str, token: &str) -> Result<Socket, Fail> {
    let ws = format!("{}/api/v4/websocket", url.replacen("http", "ws", 1));
    let mut request = ws.into_client_request()?;
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    // Wait for hello.
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if text.contains("\"hello\"") => return Ok(socket),
            Some(Ok(_)) => {}
            _ => return Err("closed before hello".into()),
        }
    }
}

/// Opens `count` sockets, `parallel` at a time, cycling through the tokens.
async fn open_all(url: &str, tokens: &[String], count: usize) -> Result<Vec<Socket>, Fail> {
    let mut sockets = Vec::with_capacity(count);
    let mut pending =
        futures_util::stream::iter((0..count).map(|i| open(url, &tokens[i % tokens.len()])))
            .buffer_unordered(64);
    while let Some(socket) = pending.next().await {
        sockets.push(socket?);
    }
    Ok(sockets)
}

fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15; after the name, 12 and 13 (0-based 11, 12).
    get(11) + get(12)
}

fn rss_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The post number in a `posted` frame whose message is `fanout <n>`.
fn post_number(text: &str) -> Option<usize> {
    if !text.contains("\"event\":\"posted\"") {
        return None;
    }
    let at = text.find("fanout ")? + "fanout ".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn run(
    url: &str,
    file: &str,
    rate: u64,
    seconds: u64,
    pid: &str,
    post_url: &str,
) -> Result<(), Fail> {
    let (channel, tokens) = read_setup(file)?;
    let posts = usize::try_from(rate * seconds)?;
    let clients = tokens.len();
    let connect_started = Instant::now();
    let sockets = open_all(url, &tokens, clients).await?;
    let connect_s = connect_started.elapsed().as_secs_f64();
    let start = Instant::now();
    let nanos = move || u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..posts).map(|_| AtomicU64::new(0)).collect());
    let last: Arc<Vec<AtomicU64>> = Arc::new((0..posts).map(|_| AtomicU64::new(0)).collect());
    let received: Arc<Vec<AtomicU32>> = Arc::new((0..posts).map(|_| AtomicU32::new(0)).collect());
    let duplicates = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(tokio::sync::Notify::new());
    let mut readers = Vec::new();
    for mut socket in sockets {
        let (last, received, duplicates, stop) = (
            last.clone(),
            received.clone(),
            duplicates.clone(),
            stop.clone(),
        );
        readers.push(tokio::spawn(async move {
            let mut seen = vec![false; posts];
            loop {
                tokio::select! {
                    () = stop.notified() => return,
                    frame = socket.next() => {
                        let Some(Ok(frame)) = frame else { return };
                        let Message::Text(text) = frame else { continue };
                        let Some(k) = post_number(&text) else { continue };
                        if k >= posts { continue }
                        if seen[k] {
                            duplicates.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        seen[k] = true;
                        last[k].fetch_max(nanos(), Ordering::Relaxed);
                        received[k].fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let http = reqwest::Client::new();
    let cpu_before = cpu_ticks(pid);
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate.max(1)));
    let failures = Arc::new(AtomicU64::new(0));
    let mut posting = Vec::new();
    for k in 0..posts {
        tick.tick().await;
        let (http, url, token, channel, sent, failures) = (
            http.clone(),
            post_url.to_owned(),
            tokens[0].clone(),
            channel.clone(),
            sent.clone(),
            failures.clone(),
        );
        posting.push(tokio::spawn(async move {
            sent[k].store(nanos(), Ordering::Relaxed);
            let body = json!({"channel_id": channel, "message": format!("fanout {k}")});
            let path = format!("{url}/api/v4/posts");
            if call(&http, reqwest::Method::POST, path, Some(&token), body)
                .await
                .is_err()
            {
                failures.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for p in posting {
        p.await?;
    }
    // Whatever is still on its way gets two seconds.
    let expected = u64::try_from(posts * clients)?;
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        let got: u64 = received
            .iter()
            .map(|r| u64::from(r.load(Ordering::Relaxed)))
            .sum();
        if got >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu_ticks_used = cpu_ticks(pid) - cpu_before;
    stop.notify_waiters();
    for r in readers {
        r.abort();
    }
    let delivered: u64 = received
        .iter()
        .map(|r| u64::from(r.load(Ordering::Relaxed)))
        .sum();
    let mut latencies: Vec<f64> = (0..posts)
        .filter(|&k| received[k].load(Ordering::Relaxed) > 0)
        .map(|k| {
            let ns = last[k]
                .load(Ordering::Relaxed)
                .saturating_sub(sent[k].load(Ordering::Relaxed));
            ns as f64 / 1e6
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let tick_us = 1e6 / 100.0;
    let cpu_us = cpu_ticks_used as f64 * tick_us / delivered.max(1) as f64;
    println!(
        "clients {clients} connected in {connect_s:.1} s; posts {posts} at {rate}/s ({} failed); \
         post -> last client ms p50 {:.1} p99 {:.1} max {:.1}; delivered {delivered} of {expected}, \
         lost {}, duplicated {}; server CPU {cpu_us:.1} us per delivered event",
        failures.load(Ordering::Relaxed),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(f64::NAN),
        expected - delivered.min(expected),
        duplicates.load(Ordering::Relaxed),
    );
    Ok(())
}

async fn idle(url: &str, file: &str, count: u64, pid: &str) -> Result<(), Fail> {
    let (_, tokens) = read_setup(file)?;
    let before = rss_kb(pid);
    let started = Instant::now();
    let sockets = open_all(url, &tokens, usize::try_from(count)?).await?;
    let took = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = rss_kb(pid);
    println!(
        "idle connections {} (from {} users) open in {took:.1} s; server RSS {:.1} MB before, {:.1} MB with them open ({:.1} KB each)",
        sockets.len(),
        tokens.len().min(sockets.len()),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / sockets.len().max(1) as f64,
    );
    drop(sockets);
    Ok(())
}
