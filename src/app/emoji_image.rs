//! A custom emoji's image as Mattermost keeps it: checked to be an image of at most
//! 1028×1028, kept as sent when it fits in 128×128, otherwise scaled to fit (a GIF frame by
//! frame, anything else as a PNG).

use crate::error::ApiError;
use axum::http::StatusCode;
use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::imageops::FilterType;
use image::{AnimationDecoder, Frame, ImageFormat, ImageReader};
use std::io::Cursor;

/// The largest image accepted.
const MAX_ORIGINAL_SIDE: u32 = 1028;
/// What an emoji is scaled to fit.
const SIDE: u32 = 128;

fn bad(id: &'static str, message: &str, detail: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message).detail(detail.to_string())
}

/// The bytes to store for an uploaded emoji image.
pub fn prepare(bytes: &[u8]) -> Result<Vec<u8>, ApiError> {
    let not_image = |e: image::ImageError| {
        bad(
            "api.emoji.upload.image.app_error",
            "Unable to create the emoji: the file must be a PNG, JPEG, GIF or WebP image.",
            e,
        )
    };
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| not_image(e.into()))?;
    let format = reader.format();
    let (width, height) = reader.into_dimensions().map_err(not_image)?;
    if width > MAX_ORIGINAL_SIDE || height > MAX_ORIGINAL_SIDE {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "api.emoji.upload.large_image.too_large.app_error",
            format!(
                "Unable to create the emoji: the image must be at most {MAX_ORIGINAL_SIDE} by {MAX_ORIGINAL_SIDE} pixels."
            ),
        ));
    }
    if width <= SIDE && height <= SIDE {
        return Ok(bytes.to_vec());
    }
    if format == Some(ImageFormat::Gif) {
        return scale_gif(bytes);
    }
    let decoded = image::load_from_memory(bytes).map_err(|e| {
        bad(
            "api.emoji.upload.large_image.decode_error",
            "Unable to create the emoji: the image could not be decoded.",
            e,
        )
    })?;
    let scaled = decoded.resize(SIDE, SIDE, FilterType::Lanczos3);
    let mut out = Cursor::new(Vec::new());
    scaled.write_to(&mut out, ImageFormat::Png).map_err(|e| {
        bad(
            "api.emoji.upload.large_image.encode_error",
            "Unable to create the emoji: the image could not be encoded.",
            e,
        )
    })?;
    Ok(out.into_inner())
}

/// Every frame of an animated GIF scaled to fit, with its timing kept.
fn scale_gif(bytes: &[u8]) -> Result<Vec<u8>, ApiError> {
    let decode = |e: image::ImageError| {
        bad(
            "api.emoji.upload.large_image.gif_decode_error",
            "Unable to create the emoji: the GIF could not be decoded.",
            e,
        )
    };
    let frames = GifDecoder::new(Cursor::new(bytes))
        .map_err(decode)?
        .into_frames()
        .collect_frames()
        .map_err(decode)?;
    let scaled = frames.into_iter().map(|frame| {
        let delay = frame.delay();
        let buffer = frame.into_buffer();
        let resized = image::DynamicImage::ImageRgba8(buffer)
            .resize(SIDE, SIDE, FilterType::Lanczos3)
            .to_rgba8();
        Frame::from_parts(resized, 0, 0, delay)
    });
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
        let encode = |e: image::ImageError| {
            bad(
                "api.emoji.upload.large_image.gif_encode_error",
                "Unable to create the emoji: the GIF could not be encoded.",
                e,
            )
        };
        encoder.set_repeat(Repeat::Infinite).map_err(encode)?;
        encoder.encode_frames(scaled).map_err(encode)?;
    }
    Ok(out)
}

/// The `image/…` type of a stored emoji image, as Mattermost names it from its content.
pub fn content_type(bytes: &[u8]) -> Option<&'static str> {
    Some(match image::guess_format(bytes).ok()? {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Gif => "image/gif",
        ImageFormat::WebP => "image/webp",
        ImageFormat::Bmp => "image/bmp",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        RgbaImage::from_pixel(width, height, Rgba([200, 10, 10, 255]))
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn small_images_are_kept_as_sent() {
        let bytes = png(64, 32);
        assert_eq!(prepare(&bytes).unwrap(), bytes);
    }

    #[test]
    fn large_images_are_scaled_to_fit() {
        let out = prepare(&png(512, 256)).unwrap();
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (128, 64));
        assert_eq!(content_type(&out), Some("image/png"));
    }

    #[test]
    fn animated_gifs_keep_their_frames() {
        let mut gif = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut gif);
            let frames = (0..3u8).map(|i| {
                Frame::from_parts(
                    RgbaImage::from_pixel(300, 300, Rgba([i * 80, 0, 0, 255])),
                    0,
                    0,
                    image::Delay::from_numer_denom_ms(100, 1),
                )
            });
            encoder.encode_frames(frames).unwrap();
        }
        let out = prepare(&gif).unwrap();
        let frames = GifDecoder::new(Cursor::new(&out))
            .unwrap()
            .into_frames()
            .collect_frames()
            .unwrap();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].buffer().dimensions(), (128, 128));
        assert_eq!(content_type(&out), Some("image/gif"));
    }

    #[test]
    fn too_large_and_not_images_are_refused() {
        assert_eq!(
            prepare(&png(1029, 10)).unwrap_err().id,
            "api.emoji.upload.large_image.too_large.app_error"
        );
        assert_eq!(
            prepare(b"not an image").unwrap_err().id,
            "api.emoji.upload.image.app_error"
        );
    }
}
