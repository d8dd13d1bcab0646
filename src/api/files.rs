//! The `files` tag: uploads, downloads (the file, its thumbnail and preview, by a session
//! or a public link), file infos and public links.

use super::Api;
use crate::app::files::{self, to_api};
use crate::contract::{
    self, GetFileInfoPath, GetFileLinkPath, GetFilePath, GetFilePreviewPath, GetFilePublicPath,
    GetFilePublicQuery, GetFileThumbnailPath, UploadFileQuery, types,
};
use crate::error::ApiError;
use crate::rt::{Binary, Ctx, Payload, Upload};
use crate::store::entity::file_info;
use axum::http::{HeaderValue, StatusCode, header};

/// Content types a browser would run: served as text instead.
const UNSAFE_TYPES: [&str; 6] = [
    "application/javascript",
    "application/ecmascript",
    "text/javascript",
    "text/ecmascript",
    "application/x-javascript",
    "text/html",
];

/// Content types shown inline unless a download is asked for.
const MEDIA_TYPES: [&str; 10] = [
    "image/jpeg",
    "image/png",
    "image/bmp",
    "image/gif",
    "image/tiff",
    "video/avi",
    "video/mpeg",
    "video/mp4",
    "audio/mpeg",
    "audio/wav",
];

/// Which stored bytes of a file a download sends.
enum Part {
    Whole,
    Thumbnail,
    Preview,
}

impl contract::FilesApi for Api {
    /// `POST /api/v4/files`: 201 with the infos of the files stored, in order, and the
    /// client ids sent for them.
    async fn upload_file(
        ctx: &Ctx,
        _query: UploadFileQuery,
        body: Upload,
    ) -> Result<types::UploadFileResponse, ApiError> {
        ctx.session()?;
        let stored = files::upload(ctx, &ctx.query(), body).await?;
        Ok(types::UploadFileResponse {
            file_infos: stored.infos.iter().map(to_api).collect(),
            client_ids: stored.client_ids,
        })
    }

    /// `GET /api/v4/files/{file_id}`: the file, to its uploader or anyone who may read its
    /// channel; `?download=1` asks for an attachment.
    async fn get_file(ctx: &Ctx, path: GetFilePath) -> Result<Binary, ApiError> {
        let info = files::readable(ctx, &path.file_id).await?;
        download(ctx, &info, Part::Whole, force_download(ctx)).await
    }

    /// `GET /api/v4/files/{file_id}/info`: the info, kept by clients for 30 days.
    async fn get_file_info(ctx: &Ctx, path: GetFileInfoPath) -> Result<types::FileInfo, ApiError> {
        let info = files::readable(ctx, &path.file_id).await?;
        ctx.set_header(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=2592000, private"),
        );
        Ok(to_api(&info))
    }

    /// `GET /api/v4/files/{file_id}/link`: with `FileSettings.EnablePublicLink`, the public
    /// link of a file in a post that the caller may read.
    async fn get_file_link(
        ctx: &Ctx,
        path: GetFileLinkPath,
    ) -> Result<types::GetFileLinkResponse, ApiError> {
        ctx.session()?;
        let link = files::public_link(ctx, &path.file_id, &site_url(ctx)).await?;
        Ok(types::GetFileLinkResponse { link: Some(link) })
    }

    /// `GET /api/v4/files/{file_id}/preview`: an image's preview (400 when it has none).
    async fn get_file_preview(ctx: &Ctx, path: GetFilePreviewPath) -> Result<Binary, ApiError> {
        let info = files::readable(ctx, &path.file_id).await?;
        download(ctx, &info, Part::Preview, force_download(ctx)).await
    }

    /// `GET /api/v4/files/{file_id}/thumbnail`: an image's thumbnail (400 when it has
    /// none).
    async fn get_file_thumbnail(ctx: &Ctx, path: GetFileThumbnailPath) -> Result<Binary, ApiError> {
        let info = files::readable(ctx, &path.file_id).await?;
        download(ctx, &info, Part::Thumbnail, force_download(ctx)).await
    }

    /// `GET /files/{file_id}/public?h=`: without a session, the file behind a public link.
    async fn get_file_public(
        ctx: &Ctx,
        path: GetFilePublicPath,
        query: GetFilePublicQuery,
    ) -> Result<Binary, ApiError> {
        let hash = query.h.unwrap_or_default();
        let info = files::public(ctx, &path.file_id, &hash).await?;
        download(ctx, &info, Part::Whole, false).await
    }
}

/// SearchFiles: view_team; the files in posts of the caller's channels of the team (and
/// their direct and group channels) whose names match `terms`, newest first, never cached.
pub(super) async fn search(
    ctx: &Ctx,
    team_id: &str,
    body: types::SearchFilesBody,
) -> Result<types::FileInfoList, ApiError> {
    let me = ctx.session()?.user_id.clone();
    if !crate::ids::is_valid_id(team_id) {
        return Err(ApiError::invalid_url_param("team_id"));
    }
    crate::auth::permissions::require_team(ctx, team_id, crate::auth::permissions::ids::VIEW_TEAM)
        .await?;
    if body.terms.trim().is_empty() {
        return Err(ApiError::invalid_param("terms"));
    }
    if body.page < 0 || !(1..=200).contains(&body.per_page) {
        return Err(ApiError::invalid_param("per_page"));
    }
    let scope = crate::app::search::Scope {
        user_id: me,
        team_id: team_id.to_owned(),
        include_deleted_channels: body.include_deleted_channels == Some(true),
        is_or: body.is_or_search == Some(true),
        time_zone_offset: body.time_zone_offset,
        offset: u64::try_from(body.page.saturating_mul(body.per_page)).unwrap_or(0),
        limit: u64::try_from(body.per_page).unwrap_or(60),
    };
    let search = crate::app::search::Search::parse(&body.terms);
    let found = crate::app::search::files(ctx.state.db(), &search, &scope).await?;
    ctx.set_header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    Ok(types::FileInfoList {
        order: found.iter().map(|f| f.id.clone()).collect(),
        file_infos: found.iter().map(|f| (f.id.clone(), to_api(f))).collect(),
        next_file_id: None,
        prev_file_id: None,
        next_file_info_id: Some(String::new()),
        prev_file_info_id: Some(String::new()),
        first_inaccessible_file_time: Some(0),
    })
}

fn force_download(ctx: &Ctx) -> bool {
    ctx.query().bool("download").ok().flatten().unwrap_or(false)
}

/// The site's URL as the request reached it (scheme from `X-Forwarded-Proto`), as
/// Mattermost builds public links.
pub(super) fn site_url(ctx: &Ctx) -> String {
    let scheme = match ctx.header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    match ctx.header("host") {
        Some(host) => format!("{scheme}://{host}"),
        None => ctx.state.config().service_settings.site_url.clone(),
    }
}

/// A stored file as Mattermost sends one: its type (scripts and HTML as text), inline for
/// media unless a download is asked, never framed, cacheable by the browser for a day;
/// `Range` (one range, 206) and `If-Modified-Since` (304) as Go's ServeContent answers.
async fn download(
    ctx: &Ctx,
    info: &file_info::Model,
    part: Part,
    force: bool,
) -> Result<Binary, ApiError> {
    let (path, mut content_type) = match part {
        Part::Whole => (info.path.as_str(), info.mime_type.clone()),
        Part::Thumbnail if info.thumbnail_path.is_empty() => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                files::ids::NO_THUMBNAIL,
                "The file has no thumbnail.",
            ));
        }
        Part::Thumbnail => (info.thumbnail_path.as_str(), "image/jpeg".to_owned()),
        Part::Preview if info.preview_path.is_empty() => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                files::ids::NO_PREVIEW,
                "The file has no preview.",
            ));
        }
        Part::Preview => (info.preview_path.as_str(), "image/jpeg".to_owned()),
    };
    if content_type.is_empty() {
        content_type = "application/octet-stream".to_owned();
    } else if UNSAFE_TYPES.iter().any(|t| content_type.starts_with(t)) {
        content_type = "text/plain".to_owned();
    }
    let inline = !force && MEDIA_TYPES.iter().any(|t| content_type.starts_with(t));
    let escaped = percent_encoding::utf8_percent_encode(&info.name, PATH_SEGMENT).to_string();
    let disposition = format!(
        "{};filename=\"{escaped}\"; filename*=UTF-8''{escaped}",
        if inline { "inline" } else { "attachment" }
    );
    let modified_secs = info.update_at.div_euclid(1000);
    let set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            ctx.set_header(name, v);
        }
    };
    set(header::CACHE_CONTROL, "private, max-age=86400");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::CONTENT_DISPOSITION, &disposition);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::CONTENT_SECURITY_POLICY, "Frame-ancestors 'none'");
    set(header::ACCEPT_RANGES, "bytes");
    let last_modified = http_date(modified_secs);
    set(header::LAST_MODIFIED, &last_modified);
    if let Some(since) = ctx.header("if-modified-since")
        && ctx.header("if-none-match").is_none()
        && parse_http_date(since).is_some_and(|s| modified_secs <= s)
    {
        return Err(ApiError::not_modified());
    }
    let opened = files::open(ctx, path).await?;
    let total = opened.len;
    let range = match ctx.header("range") {
        Some(r) if ctx.header("if-range").is_none_or(|d| d == last_modified) => {
            match parse_range(r, total) {
                RangeAsk::One(start, len) => Some((start, len)),
                RangeAsk::Unsatisfiable => {
                    set(header::CONTENT_RANGE, &format!("bytes */{total}"));
                    return Err(ApiError::new(
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        files::ids::READ_REQUEST,
                        "The requested range is not satisfiable.",
                    ));
                }
                RangeAsk::Ignored => None,
            }
        }
        _ => None,
    };
    let (start, len) = range.unwrap_or((0, total));
    let chunks = opened.range(start, len).await?;
    if range.is_some() {
        ctx.set_status(StatusCode::PARTIAL_CONTENT);
        set(
            header::CONTENT_RANGE,
            &format!("bytes {start}-{}/{total}", start + len - 1),
        );
        set(header::CONTENT_LENGTH, &len.to_string());
    } else {
        set(header::CONTENT_LENGTH, &total.to_string());
    }
    let _ = (start, len);
    Ok(Binary {
        content_type,
        body: Payload::Stream(axum::body::Body::from_stream(chunks)),
    })
}

/// What Go's `url.PathEscape` leaves as it is: letters, digits and `-._~!$&'()*+,;=:@`.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

enum RangeAsk {
    One(u64, u64),
    Unsatisfiable,
    /// Several ranges or a malformed header: the whole file is sent.
    Ignored,
}

/// A `Range: bytes=a-b` header over `total` bytes (`a-`, `-n` too).
fn parse_range(header: &str, total: u64) -> RangeAsk {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeAsk::Ignored;
    };
    if spec.contains(',') {
        return RangeAsk::Ignored;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeAsk::Ignored;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let Ok(n) = b.parse::<u64>() else {
            return RangeAsk::Ignored;
        };
        if n == 0 || total == 0 {
            return RangeAsk::Unsatisfiable;
        }
        let n = n.min(total);
        return RangeAsk::One(total - n, n);
    }
    let Ok(start) = a.parse::<u64>() else {
        return RangeAsk::Ignored;
    };
    if start >= total {
        return RangeAsk::Unsatisfiable;
    }
    let end = if b.is_empty() {
        total - 1
    } else {
        match b.parse::<u64>() {
            Ok(end) if end >= start => end.min(total - 1),
            _ => return RangeAsk::Ignored,
        }
    };
    RangeAsk::One(start, end - start + 1)
}

/// Seconds since the epoch as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(secs: i64) -> String {
    let at =
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0));
    httpdate::fmt_http_date(at)
}

/// An HTTP date as seconds since the epoch.
fn parse_http_date(text: &str) -> Option<i64> {
    let at = httpdate::parse_http_date(text).ok()?;
    let secs = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_round_trip() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn ranges_as_go_reads_them() {
        assert!(matches!(
            parse_range("bytes=0-9", 100),
            RangeAsk::One(0, 10)
        ));
        assert!(matches!(
            parse_range("bytes=90-", 100),
            RangeAsk::One(90, 10)
        ));
        assert!(matches!(parse_range("bytes=-5", 100), RangeAsk::One(95, 5)));
        assert!(matches!(
            parse_range("bytes=95-200", 100),
            RangeAsk::One(95, 5)
        ));
        assert!(matches!(
            parse_range("bytes=100-", 100),
            RangeAsk::Unsatisfiable
        ));
        assert!(matches!(
            parse_range("bytes=0-1,5-6", 100),
            RangeAsk::Ignored
        ));
        assert!(matches!(parse_range("items=0-1", 100), RangeAsk::Ignored));
    }
}
