//! `imghost thumbnails` and `imghost widths`: a thumbnail (or the
//! responsive widths) for every stored image that needs one and has none
//! (images uploaded before them, or by clients that make none). Each is
//! downloaded, what it lacks made here and sent with `PUT /thumbnail` (or
//! `PUT /widths`).
//!
//! Safe to stop and run again, or to run twice at once: images that have
//! them are passed over, and one that got them meanwhile is answered with
//! a conflict, counted as already having them.

use crate::client::Client;
use crate::error::Error;
use crate::output;
use crate::thumbnail;
use crate::upload;
use futures_util::StreamExt;
use imghost_shared::api::{ImageRecord, MAX_PAGE_SIZE};
use imghost_shared::image::ImageFormat;
use std::time::Duration;

/// Downloads at once (each also decoded on its own thread).
const CONCURRENCY: usize = upload::CONCURRENCY;
/// One image of the largest size over a slow line.
const FETCH_TIMEOUT: Duration = Duration::from_secs(600);

/// What a run backfills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Thumbnails,
    Widths,
}

/// What to do for a listed image, from its row alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// It has a thumbnail.
    Has,
    /// An SVG, or small enough to be its own thumbnail.
    NeedsNone,
    /// Needs one, but this tool cannot read its pixels (AVIF).
    CannotDecode(ImageFormat),
    Make,
}

pub fn plan(kind: Kind, image: &ImageRecord) -> Plan {
    let content_type = image.content_type.as_deref();
    if kind == Kind::Widths {
        return if !image.widths.is_empty() {
            Plan::Has
        } else {
            match image.stored_info() {
                Some(info) if imghost_shared::widths::widths_for(&info).is_empty() => {
                    Plan::NeedsNone
                }
                Some(info) if !thumbnail::can_decode(info.format) => {
                    Plan::CannotDecode(info.format)
                }
                _ => Plan::Make,
            }
        };
    }
    if image.thumbnail_url.is_some() || image.thumbnail_key.is_some() {
        Plan::Has
    } else if !thumbnail::is_needed_by(
        content_type,
        image.dimensions(),
        image.animated.unwrap_or(false),
    ) {
        Plan::NeedsNone
    } else {
        match thumbnail::format_of(content_type) {
            Some(format) if !thumbnail::can_decode(format) => Plan::CannotDecode(format),
            _ => Plan::Make,
        }
    }
}

#[derive(Debug)]
enum Outcome {
    Made,
    AlreadyHad,
    NeedsNone,
    /// Needs one that this tool cannot make (AVIF, too many pixels); said,
    /// but no failure (running again would not change it).
    Skipped(Error),
    Failed(Error),
}

/// The counts the summary line gives.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub made: u64,
    pub already_had: u64,
    pub needs_none: u64,
    pub skipped: u64,
    pub failed: u64,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        *match outcome {
            Outcome::Made => &mut self.made,
            Outcome::AlreadyHad => &mut self.already_had,
            Outcome::NeedsNone => &mut self.needs_none,
            Outcome::Skipped(_) => &mut self.skipped,
            Outcome::Failed(_) => &mut self.failed,
        } += 1;
    }

    /// The last line on stderr.
    pub fn summary(&self, kind: Kind) -> String {
        let Tally {
            made,
            already_had,
            needs_none,
            skipped,
            failed,
        } = *self;
        let total = made + already_had + needs_none + skipped + failed;
        let mut text = match kind {
            Kind::Thumbnails => format!(
                "{total} image(s): {made} thumbnail(s) made, {already_had} already had one, \
                 {} skipped ({needs_none} need none), {failed} failed",
                needs_none + skipped
            ),
            Kind::Widths => format!(
                "{total} image(s): widths made for {made}, {already_had} already had them, \
                 {} skipped ({needs_none} need none), {failed} failed",
                needs_none + skipped
            ),
        };
        if made == 0 && skipped == 0 && failed == 0 {
            text.push_str(match kind {
                Kind::Thumbnails => "; every image that needs a thumbnail has one",
                Kind::Widths => "; every image that takes widths has them",
            });
        } else if failed > 0 {
            text.push_str("; run again to retry the failed ones");
        }
        text
    }
}

pub async fn run(client: &Client, kind: Kind) -> Result<u8, Error> {
    let bar = output::progress_bar(match kind {
        Kind::Thumbnails => "thumbnails {bar:30} {pos}/{len}",
        Kind::Widths => "widths {bar:30} {pos}/{len}",
    });
    let mut tally = Tally::default();
    let mut cursor: Option<String> = None;
    loop {
        let page = client.list(MAX_PAGE_SIZE, cursor.as_deref(), None).await?;
        if bar.length().is_none() {
            bar.set_length(page.total);
        }
        let empty = page.results.is_empty();
        let mut results = futures_util::stream::iter(page.results.into_iter().map(|image| {
            let label = format!("{} {}", image.id, image.object_key);
            async move { (label, backfill_one(client, kind, image).await) }
        }))
        .buffer_unordered(CONCURRENCY);
        while let Some((label, outcome)) = results.next().await {
            bar.inc(1);
            tally.add(&outcome);
            match &outcome {
                Outcome::Made => {
                    bar.suspend(|| upload::print_stdout(&format!("made {label}\n")));
                }
                Outcome::Skipped(why) => bar.suspend(|| eprintln!("note: {label}: skipped, {why}")),
                Outcome::Failed(why) => bar.suspend(|| eprintln!("error: {label}: {why}")),
                Outcome::AlreadyHad | Outcome::NeedsNone => {}
            }
        }
        match page.next_cursor {
            Some(next) if !empty => cursor = Some(next),
            _ => break,
        }
    }
    bar.finish_and_clear();
    eprintln!("{}", tally.summary(kind));
    Ok(u8::from(tally.failed > 0))
}

async fn backfill_one(client: &Client, kind: Kind, image: ImageRecord) -> Outcome {
    match plan(kind, &image) {
        Plan::Has => Outcome::AlreadyHad,
        Plan::NeedsNone => Outcome::NeedsNone,
        Plan::CannotDecode(format) => Outcome::Skipped(Error::ThumbnailFormat(format)),
        Plan::Make => match make(client, kind, &image).await {
            Ok(outcome) => outcome,
            // Running again would not change these.
            Err(error @ (Error::ThumbnailFormat(_) | Error::ThumbnailTooLarge { .. })) => {
                Outcome::Skipped(error)
            }
            Err(error) => Outcome::Failed(error),
        },
    }
}

/// Downloads the image, makes its thumbnail (or widths) and sends it.
async fn make(client: &Client, kind: Kind, image: &ImageRecord) -> Result<Outcome, Error> {
    let url = &image.image_url;
    let data = tokio::time::timeout(FETCH_TIMEOUT, upload::download(client, url))
        .await
        .unwrap_or_else(|_| {
            Err(Error::DownloadTimedOut {
                url: url.clone(),
                seconds: FETCH_TIMEOUT.as_secs(),
            })
        })?;
    // The row may not have said enough (an old row without a size): the
    // bytes decide.
    let sent = match kind {
        Kind::Thumbnails => {
            let Some(thumbnail) = upload::blocking(move || thumbnail::make(&data)).await? else {
                return Ok(Outcome::NeedsNone);
            };
            client.put_thumbnail(image.id, &thumbnail).await
        }
        Kind::Widths => {
            let wanted = thumbnail::Wanted::Widths;
            let extras = upload::blocking(move || thumbnail::make_extras(&data, wanted)).await?;
            if extras.widths.is_empty() {
                // Narrow after all, or turned a quarter by its orientation.
                return Ok(Outcome::NeedsNone);
            }
            client.put_widths(image.id, &extras.widths).await
        }
    };
    match sent {
        Ok(_) => Ok(Outcome::Made),
        // Made meanwhile, by another run or an upload of the same bytes.
        Err(error) if error.is_conflict() => Ok(Outcome::AlreadyHad),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::record;

    fn listed(content_type: &str, dims: Option<(u32, u32)>) -> ImageRecord {
        ImageRecord {
            content_type: Some(content_type.into()),
            ..record(1, "a", 10, dims)
        }
    }

    #[test]
    fn plans_from_the_row() {
        assert_eq!(
            plan(Kind::Thumbnails, &listed("image/jpeg", Some((4032, 3024)))),
            Plan::Make
        );
        assert_eq!(
            plan(Kind::Thumbnails, &listed("image/png", Some((480, 100)))),
            Plan::NeedsNone
        );
        assert_eq!(
            plan(Kind::Thumbnails, &listed("image/svg+xml", None)),
            Plan::NeedsNone
        );
        // Always, however small: a thumbnail is never animated.
        assert_eq!(
            plan(Kind::Thumbnails, &listed("image/gif", Some((14, 25)))),
            Plan::Make
        );
        assert_eq!(
            plan(Kind::Thumbnails, &listed("image/avif", Some((4000, 3000)))),
            Plan::CannotDecode(ImageFormat::Avif)
        );
        // An old row without a size: its bytes decide.
        assert_eq!(
            plan(Kind::Thumbnails, &listed("image/png", None)),
            Plan::Make
        );
        let mut has = listed("image/jpeg", Some((4032, 3024)));
        has.thumbnail_key = Some("2026-11-28/a.png.thumb.jpg".into());
        has.thumbnail_url = Some("https://img.example/i/2026-11-28/a.png.thumb.jpg".into());
        assert_eq!(plan(Kind::Thumbnails, &has), Plan::Has);
    }

    #[test]
    fn the_summary_counts_and_says_when_everything_is_done() {
        let mut tally = Tally::default();
        for outcome in [
            Outcome::Made,
            Outcome::Made,
            Outcome::AlreadyHad,
            Outcome::NeedsNone,
            Outcome::Skipped(Error::ThumbnailFormat(ImageFormat::Avif)),
            Outcome::Failed(Error::NoSuchFile),
        ] {
            tally.add(&outcome);
        }
        assert_eq!(
            tally.summary(Kind::Thumbnails),
            "6 image(s): 2 thumbnail(s) made, 1 already had one, 2 skipped (1 need none), \
             1 failed; run again to retry the failed ones"
        );
        let done = Tally {
            already_had: 3,
            needs_none: 2,
            ..Tally::default()
        };
        assert_eq!(
            done.summary(Kind::Thumbnails),
            "5 image(s): 0 thumbnail(s) made, 3 already had one, 2 skipped (2 need none), \
             0 failed; every image that needs a thumbnail has one"
        );
    }
}
