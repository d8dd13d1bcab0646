//! What an uploaded image gets, as Mattermost makes it: its dimensions (upright, after the
//! EXIF orientation), a thumbnail (scaled to 120 wide or 100 high), a preview (at most 1920
//! wide) and a 16×16 mini preview (the blurred JPEG clients show while loading). Decoding
//! runs off the async threads.

use super::filestore::FileStore;
use crate::error::ApiError;
use crate::store::entity::file_info;
use axum::http::StatusCode;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::borrow::Cow;
use std::io::Cursor;

const THUMBNAIL_WIDTH: u32 = 120;
const THUMBNAIL_HEIGHT: u32 = 100;
const PREVIEW_WIDTH: u32 = 1920;
const MINI_PREVIEW_SIDE: u32 = 16;
const JPEG_QUALITY: u8 = 90;

/// What was made from an image.
struct Made {
    width: u32,
    height: u32,
    animated_gif: bool,
    png: bool,
    thumbnail: Vec<u8>,
    preview: Vec<u8>,
    mini: Vec<u8>,
}

enum Outcome {
    /// Not decodable: kept as a plain file.
    Plain,
    TooLarge,
    Made(Box<Made>),
}

/// Fills `row`'s image fields and stores its thumbnail and preview beside it (under
/// `prefix`). An image with more than `max_pixels` is refused (400 `too_large_id`); one that cannot be decoded
/// stays a plain file; an SVG gets neither preview nor thumbnail.
pub async fn describe(
    store: &FileStore,
    row: &mut file_info::Model,
    prefix: &str,
    max_pixels: i64,
    too_large_id: &'static str,
) -> Result<(), ApiError> {
    if row.mime_type == "image/svg+xml" {
        return Ok(());
    }
    let bytes = store.read_all(&row.path).await?;
    let outcome = tokio::task::spawn_blocking(move || make(&bytes, max_pixels))
        .await
        .map_err(ApiError::internal)?;
    let made = match outcome {
        Outcome::Plain => return Ok(()),
        Outcome::TooLarge => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                too_large_id,
                format!(
                    "Unable to upload the image: its resolution is over the {max_pixels} \
                     pixels allowed."
                ),
            ));
        }
        Outcome::Made(made) => made,
    };
    let stem = row
        .name
        .rsplit_once('.')
        .map_or(row.name.as_str(), |(stem, _)| stem);
    let ext = if made.png { "png" } else { "jpg" };
    row.thumbnail_path = format!("{prefix}{stem}_thumb.{ext}");
    row.preview_path = format!("{prefix}{stem}_preview.{ext}");
    row.width = i32::try_from(made.width).unwrap_or(i32::MAX);
    row.height = i32::try_from(made.height).unwrap_or(i32::MAX);
    row.has_preview_image = !made.animated_gif;
    row.mini_preview = Some(made.mini);
    store
        .write_bytes(&row.thumbnail_path, made.thumbnail)
        .await?;
    store.write_bytes(&row.preview_path, made.preview).await?;
    Ok(())
}

fn make(bytes: &[u8], max_pixels: i64) -> Outcome {
    let Ok(reader) = ImageReader::new(Cursor::new(bytes)).with_guessed_format() else {
        return Outcome::Plain;
    };
    let format = reader.format();
    let Ok(mut decoder) = reader.into_decoder() else {
        return Outcome::Plain;
    };
    let (w, h) = decoder.dimensions();
    if i64::from(w) * i64::from(h) > max_pixels {
        return Outcome::TooLarge;
    }
    let orientation = decoder.orientation().ok();
    let Ok(mut img) = DynamicImage::from_decoder(decoder) else {
        return Outcome::Plain;
    };
    if let Some(orientation) = orientation {
        img.apply_orientation(orientation);
    }
    let png = format == Some(ImageFormat::Png);
    let animated_gif = format == Some(ImageFormat::Gif) && is_animated(bytes);
    let encode = |img: &DynamicImage| -> Option<Vec<u8>> {
        if png {
            let mut out = Cursor::new(Vec::new());
            img.write_to(&mut out, ImageFormat::Png).ok()?;
            Some(out.into_inner())
        } else {
            jpeg(img)
        }
    };
    // The image itself where no scaling is needed (not a copy of it).
    let (width, height) = (img.width(), img.height());
    let thumbnail = if width < THUMBNAIL_WIDTH || height < THUMBNAIL_HEIGHT {
        Cow::Borrowed(&img)
    } else if u64::from(height) * u64::from(THUMBNAIL_WIDTH)
        < u64::from(width) * u64::from(THUMBNAIL_HEIGHT)
    {
        // Wider than 120×100: scaled to 100 high.
        Cow::Owned(img.resize(u32::MAX, THUMBNAIL_HEIGHT, FilterType::Lanczos3))
    } else {
        Cow::Owned(img.resize(THUMBNAIL_WIDTH, u32::MAX, FilterType::Lanczos3))
    };
    let preview = if width > PREVIEW_WIDTH {
        Cow::Owned(img.resize(PREVIEW_WIDTH, u32::MAX, FilterType::Lanczos3))
    } else {
        Cow::Borrowed(&img)
    };
    let mini = jpeg(&img.resize_exact(MINI_PREVIEW_SIDE, MINI_PREVIEW_SIDE, FilterType::Lanczos3));
    match (encode(&thumbnail), encode(&preview), mini) {
        (Some(thumbnail), Some(preview), Some(mini)) => Outcome::Made(Box::new(Made {
            width,
            height,
            animated_gif,
            png,
            thumbnail,
            preview,
            mini,
        })),
        _ => Outcome::Plain,
    }
}

/// `img` as a JPEG (without its alpha channel).
fn jpeg(img: &DynamicImage) -> Option<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    DynamicImage::ImageRgb8(img.to_rgb8())
        .write_with_encoder(encoder)
        .ok()?;
    Some(out.into_inner())
}

/// Whether a GIF has more than one frame.
fn is_animated(bytes: &[u8]) -> bool {
    use image::AnimationDecoder;
    image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
        .map(|d| d.into_frames().take(2).count() > 1)
        .unwrap_or(false)
}
