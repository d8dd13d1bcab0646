//! Where uploaded files' bytes live, behind one interface chosen by
//! `FileSettings.DriverName`: `local`, under `FileSettings.Directory`, or `amazons3`, a
//! bucket of any S3-compatible service (src/app/s3_store.rs). Files stream in and out in
//! chunks, so memory stays flat whatever their size.

use super::s3::{Client, Settings};
use super::s3_store;
use crate::config::Config;
use crate::error::ApiError;
use axum::http::StatusCode;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

pub mod ids {
    pub const NO_DRIVER: &str = "api.file.upload_file.storage.app_error";
    pub const MISSING_BUCKET: &str = "api.admin.test_s3.missing_s3_bucket";
    pub const NO_VALID_DRIVER: &str = "api.file.no_driver.app_error";
    pub const UNREACHABLE: &str = "api.file.test_connection.app_error";
    pub const S3_AUTH: &str = "api.file.test_connection_s3_auth.app_error";
    pub const S3_NO_BUCKET: &str = "api.file.test_connection_s3_bucket_does_not_exist.app_error";
    pub const READ: &str = "api.file.read_file.app_error";
    pub const WRITE: &str = "api.file.write_file.app_error";
}

/// The configured store.
pub enum FileStore {
    Local(PathBuf),
    S3(Arc<Client>),
}

/// The S3 client of the settings last used (one connection pool, rebuilt when they change).
static S3_CLIENT: Mutex<Option<(Settings, Arc<Client>)>> = Mutex::new(None);

/// The S3 settings of `config`'s `FileSettings`.
fn s3_settings(config: &Config) -> Settings {
    let f = &config.file_settings;
    Settings {
        endpoint: f.amazon_s3_endpoint.clone(),
        bucket: f.amazon_s3_bucket.clone(),
        region: if f.amazon_s3_region.is_empty() {
            "us-east-1".to_owned()
        } else {
            f.amazon_s3_region.clone()
        },
        access_key: f.amazon_s3_access_key_id.clone(),
        secret_key: f.amazon_s3_secret_access_key.clone(),
        ssl: f.amazon_s3_ssl,
        prefix: match f.amazon_s3_path_prefix.trim_matches('/') {
            "" => String::new(),
            p => format!("{p}/"),
        },
        timeout: std::time::Duration::from_millis(f.amazon_s3_request_timeout_milliseconds.max(1)),
    }
}

fn s3_client(config: &Config) -> Result<Arc<Client>, ApiError> {
    let settings = s3_settings(config);
    let mut slot = S3_CLIENT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((known, client)) = slot.as_ref()
        && *known == settings
    {
        return Ok(client.clone());
    }
    let client = Arc::new(Client::new(settings.clone()).map_err(write_error)?);
    *slot = Some((settings, client.clone()));
    Ok(client)
}

/// Why a write stopped.
pub enum WriteError {
    /// More than the limit arrived (nothing is kept).
    TooLarge,
    /// The request's body failed (nothing is kept).
    Body(String),
    Store(ApiError),
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        Self::Store(write_error(e))
    }
}

pub(super) fn write_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        ids::WRITE,
        "Encountered an error writing to the file store.",
    )
    .detail(e.to_string())
}

fn read_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::READ,
        "Encountered an error reading from the file store.",
    )
    .detail(e.to_string())
}

/// A stored file opened for reading: its length and a stream of its bytes from `start`.
pub struct Opened {
    pub len: u64,
    source: Source,
}

enum Source {
    File(tokio::fs::File),
    Object(Arc<Client>, String),
}

impl Opened {
    /// `len` bytes from `start`, in chunks as they are read.
    pub async fn range(
        self,
        start: u64,
        len: u64,
    ) -> Result<futures::stream::BoxStream<'static, std::io::Result<Bytes>>, ApiError> {
        match self.source {
            Source::File(mut file) => {
                file.seek(std::io::SeekFrom::Start(start))
                    .await
                    .map_err(read_error)?;
                let limited = file.take(len);
                Ok(tokio_util::io::ReaderStream::with_capacity(limited, 64 * 1024).boxed())
            }
            Source::Object(client, key) => {
                let stream = client
                    .get(&key, start, Some(len))
                    .await
                    .map_err(read_error)?;
                Ok(stream.map(|r| r.map_err(std::io::Error::other)).boxed())
            }
        }
    }
}

impl FileStore {
    /// The store `config` names: 501 `api.file.upload_file.storage.app_error` for a driver
    /// that is not there.
    pub fn from_config(config: &Config) -> Result<Self, ApiError> {
        match config.file_settings.driver_name.as_str() {
            "local" => Ok(Self::Local(PathBuf::from(&config.file_settings.directory))),
            "amazons3" => Ok(Self::S3(s3_client(config)?)),
            _ => Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                ids::NO_DRIVER,
                "Unable to upload file. Image storage is not configured.",
            )),
        }
    }

    /// Where `path` (relative, made by this server) lives on disk; None for a path that
    /// would leave the store.
    fn local(&self, path: &str) -> Option<PathBuf> {
        let Self::Local(root) = self else {
            return None;
        };
        let relative = Path::new(path);
        relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
            .then(|| root.join(relative))
    }

    /// Writes `chunks` to `path`, at most `limit` bytes; answers how many were written.
    /// On any failure nothing is left behind.
    pub async fn write<S, E>(
        &self,
        path: &str,
        mut chunks: S,
        limit: u64,
    ) -> Result<u64, WriteError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if let Self::S3(client) = self {
            return s3_store::write(client, path, chunks, limit).await;
        }
        let target = self
            .local(path)
            .ok_or_else(|| WriteError::Store(write_error("a path outside the store")))?;
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut file = tokio::fs::File::create(&target).await?;
        let mut written = 0u64;
        let outcome = async {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| WriteError::Body(e.to_string()))?;
                written += chunk.len() as u64;
                if written > limit {
                    return Err(WriteError::TooLarge);
                }
                file.write_all(&chunk).await?;
            }
            file.flush().await?;
            Ok(written)
        }
        .await;
        if outcome.is_err() {
            drop(file);
            self.remove(path).await;
        }
        outcome
    }

    /// Writes `chunks` into `path` from byte `from` (anything after it is cut first), at
    /// most `limit` bytes (what comes after is not read); answers how many bytes it kept
    /// and what stopped it early. Unlike [`Self::write`], what arrived before a failure
    /// stays.
    pub async fn append<S, E>(
        &self,
        path: &str,
        mut chunks: S,
        limit: u64,
        from: u64,
    ) -> (u64, Result<(), WriteError>)
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if let Self::S3(client) = self {
            return s3_store::append(client, path, chunks, limit, from).await;
        }
        let Some(target) = self.local(path) else {
            return (
                0,
                Err(WriteError::Store(write_error("a path outside the store"))),
            );
        };
        let mut written = 0u64;
        let outcome = async {
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&target)
                .await?;
            file.set_len(from).await?;
            file.seek(std::io::SeekFrom::Start(from)).await?;
            while written < limit {
                let Some(chunk) = chunks.next().await else {
                    break;
                };
                let chunk = chunk.map_err(|e| WriteError::Body(e.to_string()))?;
                let room = usize::try_from(limit - written).unwrap_or(usize::MAX);
                let kept = &chunk[..chunk.len().min(room)];
                file.write_all(kept).await?;
                written += kept.len() as u64;
            }
            file.flush().await?;
            Ok(())
        }
        .await;
        (written, outcome)
    }

    /// Writes `bytes` to `path` whole.
    pub async fn write_bytes(&self, path: &str, bytes: Vec<u8>) -> Result<(), ApiError> {
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(bytes))]);
        match self.write(path, chunks, u64::MAX).await {
            Ok(_) => Ok(()),
            Err(WriteError::Store(e)) => Err(e),
            Err(WriteError::TooLarge | WriteError::Body(_)) => Err(write_error("incomplete")),
        }
    }

    /// Makes what [`Self::append`] wrote to `path` the whole file (S3 keeps an upload's
    /// pieces apart until then; on disk it is one file already).
    pub async fn seal(&self, path: &str) -> Result<(), ApiError> {
        match self {
            Self::Local(_) => Ok(()),
            Self::S3(client) => s3_store::seal(client, path).await.map_err(|e| match e {
                WriteError::Store(e) => e,
                _ => write_error("the upload could not be completed"),
            }),
        }
    }

    /// Opens `path` for reading (404 `api.file.read_file.app_error` when it is not there).
    pub async fn open(&self, path: &str) -> Result<Opened, ApiError> {
        if let Self::S3(client) = self {
            let len = client.head(path).await.map_err(read_error)?;
            return Ok(Opened {
                len,
                source: Source::Object(client.clone(), path.to_owned()),
            });
        }
        let target = self
            .local(path)
            .ok_or_else(|| read_error("a path outside the store"))?;
        let file = tokio::fs::File::open(&target).await.map_err(read_error)?;
        let len = file.metadata().await.map_err(read_error)?.len();
        Ok(Opened {
            len,
            source: Source::File(file),
        })
    }

    /// The whole of `path` (for images being processed).
    pub async fn read_all(&self, path: &str) -> Result<Vec<u8>, ApiError> {
        if let Self::S3(client) = self {
            return client
                .get_all(path)
                .await
                .map(|b| b.to_vec())
                .map_err(read_error);
        }
        let target = self
            .local(path)
            .ok_or_else(|| read_error("a path outside the store"))?;
        tokio::fs::read(target).await.map_err(read_error)
    }

    /// Moves `from` to `to` (a new path), leaving no empty directory behind.
    pub async fn rename(&self, from: &str, to: &str) -> Result<(), ApiError> {
        if let Self::S3(client) = self {
            client.copy(from, to).await.map_err(write_error)?;
            let _ = client.delete(from).await;
            return Ok(());
        }
        let (Some(source), Some(target)) = (self.local(from), self.local(to)) else {
            return Err(write_error("a path outside the store"));
        };
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(write_error)?;
        }
        tokio::fs::rename(&source, &target)
            .await
            .map_err(write_error)?;
        self.prune(&source).await;
        Ok(())
    }

    /// Removes `path`, and the directories it leaves empty (up to the store's root).
    /// Removing what is not there is not an error.
    pub async fn remove(&self, path: &str) {
        if let Self::S3(client) = self {
            s3_store::remove(client, path).await;
            return;
        }
        let Some(target) = self.local(path) else {
            return;
        };
        let _ = tokio::fs::remove_file(&target).await;
        self.prune(&target).await;
    }

    /// Removes everything under the folder `dir` (a user's or team's pictures).
    pub async fn remove_all(&self, dir: &str) -> Result<(), ApiError> {
        match self {
            Self::S3(client) => {
                let under = format!("{}/", dir.trim_end_matches('/'));
                for (key, _) in client.list(&under).await.map_err(write_error)? {
                    client.delete(&key).await.map_err(write_error)?;
                }
                Ok(())
            }
            Self::Local(_) => {
                let Some(target) = self.local(dir) else {
                    return Ok(());
                };
                match tokio::fs::remove_dir_all(&target).await {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(write_error(e)),
                }
            }
        }
    }

    /// Removes the directories above `target` that are empty, up to the store's root.
    async fn prune(&self, target: &Path) {
        let Self::Local(root) = self else {
            return;
        };
        let mut dir = target.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d == *root || !d.starts_with(root) || tokio::fs::remove_dir(&d).await.is_err() {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
    }
}

/// Mattermost's TestConnection of the store `config` describes (settings under test, not
/// necessarily those in force). The bucket is required whatever the driver, as Mattermost
/// requires it. The local store must take a file in its directory; S3 must show the bucket
/// to these credentials. Failures are the caller's settings, so they answer 400 with
/// Mattermost's ids (Mattermost: 500).
pub async fn test_connection(config: &Config) -> Result<(), ApiError> {
    let failure = |id: &'static str, message: &'static str, detail: String| {
        ApiError::new(StatusCode::BAD_REQUEST, id, message).detail(detail)
    };
    let no_driver =
        |detail: String| failure(ids::NO_VALID_DRIVER, "No file driver selected.", detail);
    let f = &config.file_settings;
    if f.amazon_s3_bucket.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::MISSING_BUCKET,
            "S3 Bucket is required",
        ));
    }
    match f.driver_name.as_str() {
        "local" => {
            let probe = Path::new(&f.directory).join("testfile");
            let written = async {
                if let Some(dir) = probe.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                tokio::fs::write(&probe, b"testingwrite").await
            }
            .await;
            let _ = tokio::fs::remove_file(&probe).await;
            written.map_err(|e| {
                failure(
                    ids::UNREACHABLE,
                    "Unable to access the file storage.",
                    format!("unable to write to the local filesystem storage: {e}"),
                )
            })
        }
        "amazons3" => {
            let mut settings = s3_settings(config);
            if settings.endpoint.is_empty() {
                "s3.amazonaws.com".clone_into(&mut settings.endpoint);
            }
            let client = Client::new(settings).map_err(|e| no_driver(e.to_string()))?;
            match client.bucket_exists().await {
                Ok(true) => Ok(()),
                Ok(false) => Err(failure(
                    ids::S3_NO_BUCKET,
                    "Ensure your Amazon S3 bucket is available, and verify your bucket permissions.",
                    format!("no bucket {}", f.amazon_s3_bucket),
                )),
                Err(e) => Err(failure(
                    ids::S3_AUTH,
                    "Unable to connect to S3. Verify your Amazon S3 connection authorization parameters and authentication settings.",
                    e.to_string(),
                )),
            }
        }
        other => Err(no_driver(format!("no file store driver {other:?}"))),
    }
}
