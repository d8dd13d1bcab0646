//! Requests ferromost itself makes to other servers. Like Mattermost's HTTP service, a
//! request a user can aim (a link's redirect) may not reach this machine or the private
//! network unless `ServiceSettings.AllowedUntrustedInternalConnections` names the host;
//! what an administrator asks for (testing the site URL) may.

use crate::config::Config;
use crate::error::ApiError;
use std::net::IpAddr;
use std::time::Duration;

/// Mattermost's IsValidHTTPURL: an `http://` or `https://` URL that parses.
pub fn is_http_url(raw: &str) -> bool {
    (raw.starts_with("http://") || raw.starts_with("https://")) && reqwest::Url::parse(raw).is_ok()
}

/// How long an integration has to answer (`ServiceSettings.OutgoingIntegrationRequestsTimeout`,
/// 30 seconds by default).
pub fn integration_timeout(config: &Config) -> Duration {
    let seconds = config
        .setting("ServiceSettings", "OutgoingIntegrationRequestsTimeout")
        .and_then(|v| v.as_u64())
        .unwrap_or(30);
    Duration::from_secs(seconds)
}

/// The most of an integration's answer ferromost reads (Mattermost's
/// MaxIntegrationResponseSize, 1 MB).
pub const MAX_INTEGRATION_RESPONSE: usize = 1024 * 1024;

/// The first `limit` bytes of an answer's body; the rest is left unread (as Go's
/// `io.LimitReader`), so an oversized answer costs no more memory than `limit`.
pub async fn read_capped(
    response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body: Vec<u8> = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        let chunk = chunk?;
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(body)
}

/// A client that follows no redirects and gives up after `timeout`.
pub fn client(timeout: Duration) -> Result<reqwest::Client, ApiError> {
    crate::install_tls();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .map_err(ApiError::internal)
}

fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// True when `url` may be fetched on a user's behalf: http(s), and every address its host
/// resolves to is public, or the host is one the administrator trusts.
pub async fn may_fetch(config: &Config, url: &reqwest::Url) -> bool {
    allowed_addresses(config, url).await.is_some()
}

/// A client for `url` on a user's behalf that connects only to the addresses checked now
/// (none private unless the host is trusted), so the name cannot resolve elsewhere between
/// the check and the request; it follows no redirect and gives up after `timeout`. None
/// when `url` may not be fetched.
pub async fn guarded_client(
    config: &Config,
    url: &reqwest::Url,
    timeout: Duration,
) -> Result<Option<reqwest::Client>, ApiError> {
    let Some(addrs) = allowed_addresses(config, url).await else {
        return Ok(None);
    };
    crate::install_tls();
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout);
    if !addrs.is_empty() && host.parse::<IpAddr>().is_err() {
        builder = builder.resolve_to_addrs(&host, &addrs);
    }
    builder.build().map(Some).map_err(ApiError::internal)
}

/// The addresses `url` may be fetched at (empty: a trusted host, resolved as usual), or
/// None when it may not be.
async fn allowed_addresses(
    config: &Config,
    url: &reqwest::Url,
) -> Option<Vec<std::net::SocketAddr>> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?;
    let trusted = config
        .setting("ServiceSettings", "AllowedUntrustedInternalConnections")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    if trusted
        .split([' ', ','])
        .any(|t| !t.is_empty() && t.eq_ignore_ascii_case(host.trim_matches(['[', ']'])))
    {
        return Some(Vec::new());
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<_> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .ok()?
        .collect();
    (!addrs.is_empty() && addrs.iter().all(|a| !is_internal(a.ip()))).then_some(addrs)
}

#[cfg(test)]
mod tests {
    use super::is_internal;

    #[test]
    fn internal_addresses() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }
}
