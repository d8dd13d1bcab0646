//! A small client for the S3 API (AWS or any S3-compatible service), for the file store:
//! objects put, read (whole or a range, streamed), copied, deleted and listed, and
//! multipart uploads (parts sent as they fill, or copied server-side from other objects).
//! Requests are signed with AWS Signature Version 4.

use bytes::Bytes;
use futures::Stream;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use ring::{digest, hmac};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What S3 leaves unescaped in a path or query value: letters, digits, `-._~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Where and as whom the client talks to S3 (Mattermost's `FileSettings.AmazonS3*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    pub ssl: bool,
    /// Prepended to every key.
    pub prefix: String,
    pub timeout: Duration,
}

/// An S3 error: the HTTP status (0 when the request did not complete) and S3's code.
#[derive(Debug)]
pub struct S3Error {
    pub status: u16,
    pub code: String,
    pub detail: String,
}

impl std::fmt::Display for S3Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3 {} {}: {}", self.status, self.code, self.detail)
    }
}

impl S3Error {
    fn transport(e: impl std::fmt::Display) -> Self {
        Self {
            status: 0,
            code: "RequestFailed".into(),
            detail: e.to_string(),
        }
    }

    /// True when the object (or bucket) is not there.
    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }
}

pub struct Client {
    settings: Settings,
    http: reqwest::Client,
}

/// One request before it is signed.
struct Call<'a> {
    method: reqwest::Method,
    key: &'a str,
    query: Vec<(&'a str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

impl<'a> Call<'a> {
    fn new(method: reqwest::Method, key: &'a str) -> Self {
        Self {
            method,
            key,
            query: Vec::new(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hmac_sha256(key: &[u8], data: &str) -> hmac::Tag {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
}

/// The SigV4 signature of a canonical request made at `now` (`YYYYMMDDTHHMMSSZ`).
fn signature(secret: &str, region: &str, now: &str, canonical: &str) -> String {
    let day = &now[..8];
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{now}\n{day}/{region}/s3/aws4_request\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = hmac_sha256(format!("AWS4{secret}").as_bytes(), day);
    let key = hmac_sha256(key.as_ref(), region);
    let key = hmac_sha256(key.as_ref(), "s3");
    let key = hmac_sha256(key.as_ref(), "aws4_request");
    hex(hmac_sha256(key.as_ref(), &to_sign).as_ref())
}

/// `YYYYMMDDTHHMMSSZ` for `at`.
fn amz_date(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or_default();
    let (year, month, day) = crate::logs::civil_from_days(days);
    let rest = secs % 86_400;
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The text of the first `<tag>` in `xml`, entities decoded.
pub fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(
        xml[start..end]
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

impl Client {
    pub fn new(settings: Settings) -> Result<Self, S3Error> {
        // TLS by rustls with ring (already installed when the server runs; not yet in
        // tools and tests that make a client first).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(S3Error::transport)?;
        Ok(Self { settings, http })
    }

    /// Virtual-hosted addressing on AWS, path style elsewhere (as S3-compatible services
    /// expect): the host and the path of `key`.
    fn host_and_path(&self, key: &str) -> (String, String) {
        let s = &self.settings;
        let full_key = format!("{}{key}", s.prefix);
        let encoded: Vec<String> = full_key
            .split('/')
            .map(|seg| utf8_percent_encode(seg, UNRESERVED).to_string())
            .collect();
        let encoded = encoded.join("/");
        if s.endpoint.ends_with("amazonaws.com") {
            (
                format!("{}.{}", s.bucket, s.endpoint),
                format!("/{encoded}"),
            )
        } else if full_key.is_empty() {
            (s.endpoint.clone(), format!("/{}", s.bucket))
        } else {
            (s.endpoint.clone(), format!("/{}/{encoded}", s.bucket))
        }
    }

    async fn send(&self, call: Call<'_>) -> Result<reqwest::Response, S3Error> {
        let s = &self.settings;
        let (host, path) = self.host_and_path(call.key);
        let mut query: Vec<(String, String)> = call
            .query
            .iter()
            .map(|(k, v)| {
                (
                    utf8_percent_encode(k, UNRESERVED).to_string(),
                    utf8_percent_encode(v, UNRESERVED).to_string(),
                )
            })
            .collect();
        query.sort();
        let query_string = query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let now = amz_date(SystemTime::now());
        let payload_hash = if call.body.is_empty() {
            EMPTY_SHA256.to_owned()
        } else {
            sha256_hex(&call.body)
        };
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host.clone()),
            ("x-amz-content-sha256".into(), payload_hash.clone()),
            ("x-amz-date".into(), now.clone()),
        ];
        headers.extend(
            call.headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.trim().to_owned())),
        );
        headers.sort();
        let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let signed_headers = headers
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let canonical = format!(
            "{}\n{path}\n{query_string}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
            call.method
        );
        let scope = format!("{}/{}/s3/aws4_request", &now[..8], s.region);
        let signature = signature(&s.secret_key, &s.region, &now, &canonical);
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            s.access_key
        );
        let scheme = if s.ssl { "https" } else { "http" };
        let url = if query_string.is_empty() {
            format!("{scheme}://{host}{path}")
        } else {
            format!("{scheme}://{host}{path}?{query_string}")
        };
        let mut request = self
            .http
            .request(call.method, url)
            .header("authorization", authorization);
        for (name, value) in headers.iter().filter(|(k, _)| k != "host") {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request
            .body(call.body)
            .send()
            .await
            .map_err(S3Error::transport)?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Err(S3Error {
            status,
            code: xml_value(&text, "Code").unwrap_or_else(|| status.to_string()),
            detail: xml_value(&text, "Message").unwrap_or_default(),
        })
    }

    /// Sends `call` and reads the answer's body as text.
    async fn send_text(&self, call: Call<'_>) -> Result<String, S3Error> {
        self.send(call)
            .await?
            .text()
            .await
            .map_err(S3Error::transport)
    }

    /// A call on part `number` (from 1) of the multipart upload `upload_id` to `key`.
    fn part_call<'a>(key: &'a str, upload_id: &str, number: usize) -> Call<'a> {
        let mut call = Call::new(reqwest::Method::PUT, key);
        call.query.push(("partNumber", number.to_string()));
        call.query.push(("uploadId", upload_id.to_owned()));
        call
    }

    /// Creates the bucket (for tests and first runs; an existing one is not an error).
    pub async fn create_bucket(&self) -> Result<(), S3Error> {
        let mut call = Call::new(reqwest::Method::PUT, "");
        if self.settings.region != "us-east-1" {
            call.body = Bytes::from(format!(
                "<CreateBucketConfiguration><LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
                self.settings.region
            ));
        }
        match self.bucket_call(call).await {
            Ok(_) => Ok(()),
            Err(e) if e.code == "BucketAlreadyOwnedByYou" || e.code == "BucketAlreadyExists" => {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// A call on the bucket itself (no key, no prefix).
    async fn bucket_call(&self, call: Call<'_>) -> Result<reqwest::Response, S3Error> {
        let prefixless = Self {
            settings: Settings {
                prefix: String::new(),
                ..self.settings.clone()
            },
            http: self.http.clone(),
        };
        prefixless.send(call).await
    }

    pub async fn put(&self, key: &str, body: Bytes) -> Result<(), S3Error> {
        let mut call = Call::new(reqwest::Method::PUT, key);
        call.body = body;
        self.send(call).await.map(|_| ())
    }

    /// The object's length.
    pub async fn head(&self, key: &str) -> Result<u64, S3Error> {
        let response = self.send(Call::new(reqwest::Method::HEAD, key)).await?;
        // The header itself: a HEAD response's body is empty, whatever its length says.
        Ok(response
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// `len` bytes of the object from `start` (all of it when `len` is None), streamed.
    pub async fn get(
        &self,
        key: &str,
        start: u64,
        len: Option<u64>,
    ) -> Result<impl Stream<Item = Result<Bytes, reqwest::Error>> + Send + 'static, S3Error> {
        let mut call = Call::new(reqwest::Method::GET, key);
        match len {
            Some(0) => return Ok(futures::future::Either::Left(futures::stream::empty())),
            Some(n) => call
                .headers
                .push(("range", format!("bytes={start}-{}", start + n - 1))),
            None if start > 0 => call.headers.push(("range", format!("bytes={start}-"))),
            None => {}
        }
        let response = self.send(call).await?;
        Ok(futures::future::Either::Right(response.bytes_stream()))
    }

    pub async fn get_all(&self, key: &str) -> Result<Bytes, S3Error> {
        let response = self.send(Call::new(reqwest::Method::GET, key)).await?;
        response.bytes().await.map_err(S3Error::transport)
    }

    /// Deletes the object (one that is not there is not an error, as S3 answers).
    pub async fn delete(&self, key: &str) -> Result<(), S3Error> {
        self.send(Call::new(reqwest::Method::DELETE, key))
            .await
            .map(|_| ())
    }

    fn copy_source(&self, key: &str) -> String {
        let full = format!("{}/{}{key}", self.settings.bucket, self.settings.prefix);
        full.split('/')
            .map(|seg| utf8_percent_encode(seg, UNRESERVED).to_string())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Copies `from` to `to` within the bucket (server-side).
    pub async fn copy(&self, from: &str, to: &str) -> Result<(), S3Error> {
        let mut call = Call::new(reqwest::Method::PUT, to);
        call.headers
            .push(("x-amz-copy-source", self.copy_source(from)));
        self.send(call).await.map(|_| ())
    }

    /// The keys (without the prefix) under `under`, sorted.
    pub async fn list(&self, under: &str) -> Result<Vec<(String, u64)>, S3Error> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let full = format!("{}{under}", self.settings.prefix);
        loop {
            let mut call = Call::new(reqwest::Method::GET, "");
            call.query.push(("list-type", "2".to_owned()));
            call.query.push(("prefix", full.clone()));
            if let Some(t) = &token {
                call.query.push(("continuation-token", t.clone()));
            }
            let text = self
                .bucket_call(call)
                .await?
                .text()
                .await
                .map_err(S3Error::transport)?;
            for item in text.split("<Contents>").skip(1) {
                if let Some(key) = xml_value(item, "Key") {
                    let size = xml_value(item, "Size")
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    let key = key
                        .strip_prefix(&self.settings.prefix)
                        .unwrap_or(&key)
                        .to_owned();
                    out.push((key, size));
                }
            }
            token = xml_value(&text, "NextContinuationToken");
            if token.is_none() || xml_value(&text, "IsTruncated").as_deref() != Some("true") {
                break;
            }
        }
        out.sort();
        Ok(out)
    }

    /// Whether the bucket is there and these credentials reach it. With a path prefix only
    /// the keys under it are asked for (one at most), since an account may be allowed no
    /// more than that; without one, the bucket itself (HEAD). Errors other than a missing
    /// bucket come back as they are.
    pub async fn bucket_exists(&self) -> Result<bool, S3Error> {
        let answer = if self.settings.prefix.is_empty() {
            self.bucket_call(Call::new(reqwest::Method::HEAD, ""))
                .await
                .map(|_| ())
        } else {
            let mut call = Call::new(reqwest::Method::GET, "");
            call.query.push(("list-type", "2".to_owned()));
            call.query.push(("max-keys", "1".to_owned()));
            call.query.push(("prefix", self.settings.prefix.clone()));
            self.bucket_call(call).await.map(|_| ())
        };
        match answer {
            Ok(()) => Ok(true),
            Err(e) if e.status == 404 && (e.code == "NoSuchBucket" || e.code == "404") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Starts a multipart upload to `key`; answers its id.
    pub async fn start_multipart(&self, key: &str) -> Result<String, S3Error> {
        let mut call = Call::new(reqwest::Method::POST, key);
        call.query.push(("uploads", String::new()));
        let text = self.send_text(call).await?;
        xml_value(&text, "UploadId").ok_or_else(|| S3Error::transport("no UploadId"))
    }

    /// Sends part `number` (from 1); answers its ETag.
    pub async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: usize,
        body: Bytes,
    ) -> Result<String, S3Error> {
        let mut call = Self::part_call(key, upload_id, number);
        call.body = body;
        let response = self.send(call).await?;
        Ok(response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned())
    }

    /// Makes part `number` a server-side copy of the object `from`; answers its ETag.
    pub async fn copy_part(
        &self,
        key: &str,
        upload_id: &str,
        number: usize,
        from: &str,
    ) -> Result<String, S3Error> {
        let mut call = Self::part_call(key, upload_id, number);
        call.headers
            .push(("x-amz-copy-source", self.copy_source(from)));
        let text = self.send_text(call).await?;
        xml_value(&text, "ETag").ok_or_else(|| S3Error::transport("no ETag"))
    }

    pub async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        etags: &[String],
    ) -> Result<(), S3Error> {
        let mut body = String::from("<CompleteMultipartUpload>");
        for (i, etag) in etags.iter().enumerate() {
            let _ = write!(
                body,
                "<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>",
                i + 1,
                etag.replace('&', "&amp;").replace('"', "&quot;")
            );
        }
        body.push_str("</CompleteMultipartUpload>");
        let mut call = Call::new(reqwest::Method::POST, key);
        call.query.push(("uploadId", upload_id.to_owned()));
        call.body = Bytes::from(body);
        let text = self.send_text(call).await?;
        // S3 may answer 200 with an error inside.
        match xml_value(&text, "Code") {
            Some(code) if text.contains("<Error>") => Err(S3Error {
                status: 500,
                code,
                detail: xml_value(&text, "Message").unwrap_or_default(),
            }),
            _ => Ok(()),
        }
    }

    pub async fn abort_multipart(&self, key: &str, upload_id: &str) {
        let mut call = Call::new(reqwest::Method::DELETE, key);
        call.query.push(("uploadId", upload_id.to_owned()));
        let _ = self.send(call).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_xml() {
        let at = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        assert_eq!(amz_date(at), "20150830T123600Z");
        assert_eq!(
            xml_value("<R><ETag>&quot;abc&quot;</ETag></R>", "ETag").as_deref(),
            Some("\"abc\"")
        );
        assert_eq!(xml_value("<R></R>", "ETag"), None);
    }

    /// The signing key derivation and signature of AWS's documented GET Object example
    /// (examplebucket, a range request, 2013-05-24).
    #[test]
    fn signature_matches_the_sigv4_example() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let canonical = "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            signature(secret, "us-east-1", "20130524T000000Z", canonical),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }
}
