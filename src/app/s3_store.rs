//! The file store's `amazons3` driver: files as objects of one bucket (under
//! `AmazonS3PathPrefix`), streamed in as multipart uploads of 8 MiB parts and out as
//! ranged reads, so memory stays flat. A resumable upload's data arrives as objects of
//! its own beside the file (`<path>.parts/<offset>`, each but the last at least 5 MiB)
//! and becomes the file, server-side, when the last byte is in ([`seal`]); any node
//! sharing the bucket can take the next part.

use super::filestore::WriteError;
use super::s3::{Client, S3Error};
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};

/// A multipart upload's part size.
const PART: usize = 8 * 1024 * 1024;
/// S3's smallest part (but the last).
const MIN_PART: usize = 5 * 1024 * 1024;

pub(super) fn store_error(e: S3Error) -> WriteError {
    WriteError::Store(super::filestore::write_error(e))
}

/// Writes `chunks` to `key`, at most `limit` bytes; nothing is left on failure.
pub async fn write<S, E>(
    client: &Client,
    key: &str,
    mut chunks: S,
    limit: u64,
) -> Result<u64, WriteError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut buffer = BytesMut::new();
    let mut written = 0u64;
    let mut upload: Option<(String, Vec<String>)> = None;
    let outcome: Result<(), WriteError> = async {
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| WriteError::Body(e.to_string()))?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(WriteError::TooLarge);
            }
            buffer.extend_from_slice(&chunk);
            while buffer.len() >= PART {
                let part = buffer.split_to(PART).freeze();
                if upload.is_none() {
                    let id = client.start_multipart(key).await.map_err(store_error)?;
                    upload = Some((id, Vec::new()));
                }
                if let Some((id, etags)) = upload.as_mut() {
                    let etag = client
                        .upload_part(key, id, etags.len() + 1, part)
                        .await
                        .map_err(store_error)?;
                    etags.push(etag);
                }
            }
        }
        match upload.as_mut() {
            None => client
                .put(key, buffer.split().freeze())
                .await
                .map_err(store_error),
            Some((id, etags)) => {
                if !buffer.is_empty() {
                    let etag = client
                        .upload_part(key, id, etags.len() + 1, buffer.split().freeze())
                        .await
                        .map_err(store_error)?;
                    etags.push(etag);
                }
                client
                    .complete_multipart(key, id, etags)
                    .await
                    .map_err(store_error)
            }
        }
    }
    .await;
    match outcome {
        Ok(()) => Ok(written),
        Err(e) => {
            if let Some((id, _)) = &upload {
                client.abort_multipart(key, id).await;
            }
            Err(e)
        }
    }
}

fn parts_of(key: &str) -> String {
    format!("{key}.parts/")
}

/// The stored pieces of an upload in progress: (start offset, key, length), in order.
async fn pieces(client: &Client, key: &str) -> Result<Vec<(u64, String, u64)>, S3Error> {
    let under = parts_of(key);
    Ok(client
        .list(&under)
        .await?
        .into_iter()
        .filter_map(|(k, size)| {
            let start = k.strip_prefix(&under)?.parse().ok()?;
            Some((start, k, size))
        })
        .collect())
}

/// Writes `chunks` into the upload at `key` from byte `from` (pieces after it go first), at
/// most `limit` bytes; what arrived before a failure stays. A short piece before `from`
/// is read back and sent again with the new bytes, so every piece but the last keeps
/// S3's smallest part size.
pub async fn append<S, E>(
    client: &Client,
    key: &str,
    mut chunks: S,
    limit: u64,
    from: u64,
) -> (u64, Result<(), WriteError>)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut buffer = BytesMut::new();
    let mut start = from;
    let setup: Result<(), WriteError> = async {
        for (piece_start, piece, size) in pieces(client, key).await.map_err(store_error)? {
            let end = piece_start + size;
            if piece_start >= from {
                client.delete(&piece).await.map_err(store_error)?;
            } else if end > from || size < MIN_PART as u64 {
                // Kept up to `from`, and sent again with what follows.
                let bytes = client.get_all(&piece).await.map_err(store_error)?;
                let keep = usize::try_from(from - piece_start).unwrap_or(usize::MAX);
                buffer.extend_from_slice(&bytes[..keep.min(bytes.len())]);
                start = piece_start;
                client.delete(&piece).await.map_err(store_error)?;
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = setup {
        return (0, Err(e));
    }
    let mut written = 0u64;
    let flush = |start: u64, bytes: Bytes| async move {
        let piece = format!("{}{start:020}", parts_of(key));
        client.put(&piece, bytes).await.map_err(store_error)
    };
    let mut outcome: Result<(), WriteError> = Ok(());
    while written < limit {
        let chunk = match chunks.next().await {
            None => break,
            Some(Err(e)) => {
                outcome = Err(WriteError::Body(e.to_string()));
                break;
            }
            Some(Ok(chunk)) => chunk,
        };
        let room = usize::try_from(limit - written).unwrap_or(usize::MAX);
        let kept = &chunk[..chunk.len().min(room)];
        buffer.extend_from_slice(kept);
        written += kept.len() as u64;
        if buffer.len() >= PART {
            let bytes = buffer.split().freeze();
            let len = bytes.len() as u64;
            if let Err(e) = flush(start, bytes).await {
                // What this request sent and was kept: up to the start of the lost piece.
                return (start.saturating_sub(from), Err(e));
            }
            start += len;
        }
    }
    if !buffer.is_empty()
        && let Err(e) = flush(start, buffer.split().freeze()).await
    {
        // What this request sent and was kept: up to the start of the lost piece.
        let kept = start.saturating_sub(from);
        return (kept, Err(e));
    }
    (written, outcome)
}

/// Makes the upload's pieces the file at `key` (a server-side copy of each as a part).
pub async fn seal(client: &Client, key: &str) -> Result<(), WriteError> {
    let pieces = pieces(client, key).await.map_err(store_error)?;
    match pieces.as_slice() {
        [] => client.put(key, Bytes::new()).await.map_err(store_error)?,
        [(_, only, _)] => client.copy(only, key).await.map_err(store_error)?,
        _ => {
            let id = client.start_multipart(key).await.map_err(store_error)?;
            let mut etags = Vec::new();
            for (i, (_, piece, _)) in pieces.iter().enumerate() {
                match client.copy_part(key, &id, i + 1, piece).await {
                    Ok(etag) => etags.push(etag),
                    Err(e) => {
                        client.abort_multipart(key, &id).await;
                        return Err(store_error(e));
                    }
                }
            }
            if let Err(e) = client.complete_multipart(key, &id, &etags).await {
                client.abort_multipart(key, &id).await;
                return Err(store_error(e));
            }
        }
    }
    for (_, piece, _) in pieces {
        let _ = client.delete(&piece).await;
    }
    Ok(())
}

/// Removes the object and any pieces of an upload to it.
pub async fn remove(client: &Client, key: &str) {
    let _ = client.delete(key).await;
    if let Ok(pieces) = pieces(client, key).await {
        for (_, piece, _) in pieces {
            let _ = client.delete(&piece).await;
        }
    }
}
