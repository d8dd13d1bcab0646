//! The test harness: a real ferromost on 127.0.0.1:0 with a fresh database per test (SQLite
//! by default; PostgreSQL when FERROMOST_TEST_DATABASE=postgres), and SDK clients for it.

pub mod smtp;

use ferromost::config::Config;
use ferromost_client::Client;
use ferromost_client::types;
use sea_orm::ConnectionTrait;

/// The password every test account uses.
pub const PASSWORD: &str = "Passw0rd!";

pub struct TestServer {
    pub url: String,
    pub state: ferromost::AppState,
    config: Config,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A logged-in account and an SDK client that sends its token.
pub struct Account {
    pub client: Client,
    pub user: types::User,
    pub token: String,
}

impl Account {
    pub fn id(&self) -> &str {
        self.user.id.as_deref().unwrap_or_default()
    }

    /// The id of this account's session, while it lives.
    pub async fn session_id(&self, server: &TestServer) -> Option<String> {
        let session = server
            .state
            .sessions()
            .get(&server.state, &self.token)
            .await
            .unwrap();
        session.map(|s| s.id)
    }
}

/// Set by a program (the benchmark) that runs both databases in one process.
static FORCE_POSTGRES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes the servers started from now on use PostgreSQL.
#[allow(
    dead_code,
    reason = "used by the benchmark, which shares this harness; not by the tests"
)]
pub fn use_postgres() {
    FORCE_POSTGRES.store(true, std::sync::atomic::Ordering::SeqCst);
}

fn uses_postgres() -> bool {
    FORCE_POSTGRES.load(std::sync::atomic::Ordering::SeqCst)
        || std::env::var("FERROMOST_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A fresh, empty database for one test: a SQLite file in a new folder, or a new PostgreSQL
/// database on the local server.
async fn fresh_database(config: &mut Config, postgres: bool) {
    let name = format!("ferromost_test_{}", ferromost::ids::new_id());
    if postgres {
        let base = std::env::var("FERROMOST_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
        let admin = sea_orm::Database::connect(format!("{base}/postgres"))
            .await
            .unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.unwrap();
        config.sql_settings.driver_name = "postgres".to_owned();
        config.sql_settings.data_source = format!("{base}/{name}");
        config.sql_settings.max_open_conns = 5;
    } else {
        let dir = std::env::temp_dir().join(name);
        config.sql_settings.driver_name = "sqlite3".to_owned();
        config.sql_settings.data_source = dir.join("ferromost.db").display().to_string();
    }
}

/// The S3-compatible server the file store tests use instead of a folder, when
/// `FERROMOST_TEST_S3` names one (`host:port`; tests/s3/run.sh starts one and sets it).
pub fn s3_endpoint() -> Option<String> {
    std::env::var("FERROMOST_TEST_S3")
        .ok()
        .filter(|v| !v.is_empty())
}

/// A client of the test server's bucket (keys under `prefix`).
pub fn bucket_of(server: &TestServer, prefix: &str) -> ferromost::app::s3::Client {
    bucket_client(&server.state.config(), prefix)
}

/// A client of the bucket `config` names (keys under `prefix`).
fn bucket_client(config: &Config, prefix: &str) -> ferromost::app::s3::Client {
    let f = &config.file_settings;
    ferromost::app::s3::Client::new(ferromost::app::s3::Settings {
        endpoint: f.amazon_s3_endpoint.clone(),
        bucket: f.amazon_s3_bucket.clone(),
        region: "us-east-1".to_owned(),
        access_key: f.amazon_s3_access_key_id.clone(),
        secret_key: f.amazon_s3_secret_access_key.clone(),
        ssl: f.amazon_s3_ssl,
        prefix: prefix.to_owned(),
        timeout: std::time::Duration::from_secs(30),
    })
    .unwrap()
}

/// Points `config` at a fresh bucket of the S3 server at `endpoint`.
pub async fn use_s3(config: &mut Config, endpoint: &str) {
    let f = &mut config.file_settings;
    f.driver_name = "amazons3".to_owned();
    f.amazon_s3_endpoint = endpoint.to_owned();
    f.amazon_s3_bucket = format!("ferromost-{}", ferromost::ids::new_id());
    f.amazon_s3_access_key_id = "testing".to_owned();
    f.amazon_s3_secret_access_key = "testing".to_owned();
    f.amazon_s3_ssl = false;
    let client = bucket_client(config, "");
    client.create_bucket().await.unwrap();
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server whose configuration `adjust` may change first. Password hashing uses
    /// few rounds here so that tests stay fast; production keeps 600,000.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(uses_postgres(), adjust).await
    }

    /// A server on PostgreSQL whichever suite runs: for what only PostgreSQL does (several
    /// nodes on one database).
    pub async fn start_postgres() -> Self {
        Self::start_on(true, |_| {}).await
    }

    async fn start_on(postgres: bool, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::default();
        config.password_settings.pbkdf2_iterations = 1_000;
        // Pictures and icons in a folder of this test's own.
        let files =
            std::env::temp_dir().join(format!("ferromost_files_{}", ferromost::ids::new_id()));
        config.file_settings.directory = files.display().to_string();
        fresh_database(&mut config, postgres).await;
        if let Some(endpoint) = s3_endpoint() {
            use_s3(&mut config, &endpoint).await;
        }
        adjust(&mut config);
        // A config file of its own, which the config API rewrites.
        std::fs::create_dir_all(&files).unwrap();
        let file = files.join("config.json");
        std::fs::write(&file, serde_json::to_string_pretty(&config).unwrap()).unwrap();
        config.file = Some(file);
        Self::serve(config).await
    }

    /// Another node on the same database, as behind a load balancer.
    /// It reads the config file as a node starting now would.
    pub async fn second_node(&self) -> Self {
        let file = self.config.file.as_deref();
        let mut config = Config::load(file, std::iter::empty()).unwrap();
        config.environment.clone_from(&self.config.environment);
        Self::serve(config).await
    }

    /// True when the servers use PostgreSQL (where several nodes may share a database).
    pub fn is_postgres(&self) -> bool {
        self.config.is_postgres()
    }

    async fn serve(config: Config) -> Self {
        let state = ferromost::start(config.clone()).await.unwrap();
        // Every account-cache hit is compared with the database: a change that does not
        // forget the account it changed fails the test that reads it next.
        state.accounts().set_audit(true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            let _ = ferromost::serve(listener, serving, async {
                let _ = stopped.await;
            })
            .await;
        });
        Self {
            url,
            state,
            config,
            _stop: stop,
        }
    }

    /// Changes the running server's configuration.
    pub fn configure(&self, adjust: impl FnOnce(&mut Config)) {
        let mut config = (*self.state.config()).clone();
        adjust(&mut config);
        self.state.set_config(config);
    }

    /// A client that sends no token.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.url)
    }

    /// A client that sends `Authorization: Bearer <token>`.
    pub fn client_with_token(&self, token: &str) -> Client {
        Client::new_with_client(
            &self.url,
            http_sending("authorization", &format!("Bearer {token}")),
        )
    }

    /// Logs `login_id` in through the SDK.
    pub async fn login(&self, login_id: &str, password: &str) -> Account {
        let reply = self
            .anonymous()
            .login(&login_body(login_id, password))
            .await
            .unwrap();
        let token = reply.headers()["token"].to_str().unwrap().to_owned();
        let user = reply.into_inner();
        Account {
            client: self.client_with_token(&token),
            user,
            token,
        }
    }

    /// Creates the first account (which becomes system admin) and logs it in.
    pub async fn admin(&self) -> Account {
        self.anonymous()
            .create_user(None, None, &new_user("sysadmin"))
            .await
            .unwrap();
        self.login("sysadmin", PASSWORD).await
    }

    /// Has `admin` create a basic account `username`, and logs it in.
    pub async fn user(&self, admin: &Account, username: &str) -> Account {
        admin
            .client
            .create_user(None, None, &new_user(username))
            .await
            .unwrap();
        self.login(username, PASSWORD).await
    }

    /// Like [`Self::user`], the account also holding the system role `role` (given by
    /// `admin` before it signs in).
    pub async fn user_with_role(&self, admin: &Account, username: &str, role: &str) -> Account {
        let account = self.user(admin, username).await;
        let roles = types::UpdateUserRolesBody {
            roles: format!("system_user {role}"),
        };
        admin
            .client
            .update_user_roles(account.id(), &roles)
            .await
            .unwrap();
        self.login(username, PASSWORD).await
    }

    /// The two System Console roles besides admins, signed in: `manager` (system_manager)
    /// and `reader` (system_read_only_admin).
    pub async fn manager_and_reader(&self, admin: &Account) -> (Account, Account) {
        let manager = self
            .user_with_role(admin, "manager", "system_manager")
            .await;
        let reader = self
            .user_with_role(admin, "reader", "system_read_only_admin")
            .await;
        (manager, reader)
    }

    /// A raw HTTP client, for what the SDK cannot send (malformed bodies, odd methods).
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// The URL of an API path: `api("/users/me")`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v4{path}", self.url)
    }

    /// POSTs each body to `path` at once, unauthenticated; the statuses, in body order.
    pub async fn race(&self, path: &str, bodies: Vec<serde_json::Value>) -> Vec<u16> {
        let requests = bodies.into_iter().map(Some).collect();
        self.race_as("POST", path, None, requests).await
    }

    /// Sends one request per body (`None`: no body) to `path` at once, with `token` as the
    /// bearer when given; the statuses, in body order.
    pub async fn race_as(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        bodies: Vec<Option<serde_json::Value>>,
    ) -> Vec<u16> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let attempts: Vec<_> = bodies
            .into_iter()
            .map(|body| {
                let mut request = self.http().request(method.clone(), self.api(path));
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                if let Some(body) = body {
                    request = request.json(&body);
                }
                tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
            })
            .collect();
        let mut statuses = Vec::new();
        for attempt in attempts {
            statuses.push(attempt.await.unwrap());
        }
        statuses
    }

    /// A raw, unauthenticated GET of an API path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http().get(self.api(path)).send().await.unwrap()
    }
}

/// An HTTP client that sends header `name` with `value` on every request (`value` empty:
/// none), for the generated clients of every API.
pub fn http_sending(name: &'static str, value: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if !value.is_empty() {
        headers.insert(name, value.parse().unwrap());
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Waits up to two seconds for `check` to hold (a notification crossing between nodes).
pub async fn eventually<F: std::future::Future<Output = bool>>(
    mut check: impl FnMut() -> F,
) -> bool {
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

/// The login body for `login_id` and `password`.
pub fn login_body(login_id: &str, password: &str) -> types::LoginBody {
    types::LoginBody {
        login_id: Some(login_id.to_owned()),
        password: Some(password.to_owned()),
        ..Default::default()
    }
}

/// The sign-up body for `username` with the test password.
pub fn new_user(username: &str) -> types::CreateUserBody {
    types::CreateUserBody {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: Some(PASSWORD.to_owned()),
        first_name: Some("First".to_owned()),
        last_name: Some("Last".to_owned()),
        auth_data: None,
        auth_service: None,
        locale: None,
        nickname: None,
        notify_props: None,
        position: None,
        props: serde_json::Map::new(),
        timezone: None,
    }
}

/// The status and AppError id an SDK call failed with; panics on success or a transport
/// error. A status the contract does not declare reaches the SDK as an unexpected response;
/// its body must be AppError JSON all the same.
pub async fn app_error<T, E: serde::Serialize + std::fmt::Debug>(
    result: Result<ferromost_client::ResponseValue<T>, ferromost_client::Error<E>>,
) -> (u16, String) {
    let (status, body) = match result {
        Err(ferromost_client::Error::ErrorResponse(e)) => (
            e.status().as_u16(),
            serde_json::to_value(e.into_inner()).unwrap(),
        ),
        Err(ferromost_client::Error::UnexpectedResponse(r)) => (
            r.status().as_u16(),
            r.json::<serde_json::Value>().await.unwrap(),
        ),
        Ok(reply) => panic!("expected an AppError, got a {} success", reply.status()),
        Err(other) => panic!("expected an AppError, got {other}"),
    };
    assert_eq!(
        body["status_code"], status,
        "status_code matches HTTP: {body}"
    );
    assert!(
        body["request_id"].as_str().is_some_and(|r| r.len() == 26),
        "request_id: {body}"
    );
    (status, body["id"].as_str().unwrap_or_default().to_owned())
}

/// Asserts an SDK call failed with `status` and the AppError id `id`.
pub async fn assert_fails<T, E: serde::Serialize + std::fmt::Debug>(
    result: Result<ferromost_client::ResponseValue<T>, ferromost_client::Error<E>>,
    status: u16,
    id: &str,
) {
    let (got_status, got_id) = app_error(result).await;
    assert_eq!((got_status, got_id.as_str()), (status, id));
}

/// Asserts that `client`'s session no longer authenticates.
pub async fn assert_logged_out(client: &Client) {
    assert_fails(
        client.get_user("me").await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
}

/// Asserts a raw response is AppError JSON with `status` and `id`.
pub async fn assert_app_error(response: reqwest::Response, status: u16, id: &str) {
    assert_eq!(
        response.status().as_u16(),
        status,
        "{} (expected {id})",
        response.url()
    );
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["id"], id, "{body}");
    assert_eq!(body["status_code"], status);
    for field in ["message", "detailed_error", "request_id"] {
        assert!(body[field].is_string(), "{field} in {body}");
    }
}

/// A team `by` creates (type `O` or `I`); its id.
pub async fn make_team(by: &Account, name: &str, kind: &str) -> String {
    by.client
        .create_team(&types::CreateTeamBody {
            name: name.into(),
            display_name: name.into(),
            type_: kind.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap()
}

/// A channel `by` creates in `team_id` (type `O` or `P`); its id.
pub async fn make_channel(by: &Account, team_id: &str, name: &str, kind: &str) -> String {
    by.client
        .create_channel(&types::CreateChannelBody {
            team_id: team_id.into(),
            name: name.into(),
            display_name: name.into(),
            type_: kind.into(),
            purpose: None,
            header: None,
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap()
}

/// A configuration that lets integrations on loopback be called (the tests run theirs
/// there).
pub fn trusting_loopback(c: &mut Config) {
    c.service_settings.extra.insert(
        "AllowedUntrustedInternalConnections".into(),
        "127.0.0.1".into(),
    );
}

/// The newest posts of a channel, newest first, as (message, props, type).
pub async fn latest(
    by: &Account,
    channel: &str,
    n: usize,
) -> Vec<(String, serde_json::Value, String)> {
    let list = by
        .client
        .get_posts_for_channel(channel, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    list.order
        .iter()
        .take(n)
        .map(|id| {
            let p = &list.posts[id];
            (
                p.message.clone().unwrap_or_default(),
                serde_json::to_value(&p.props).unwrap(),
                p.type_.clone().unwrap_or_default(),
            )
        })
        .collect()
}
