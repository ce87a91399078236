//! What the commands print.

use clap::ValueEnum;
use imghost_shared::api::access::join_scopes;
use imghost_shared::api::{
    ImageRecord, ReconcileReport, StatsResponse, TokenInfo, UploadResponse, Usage,
};
use imghost_shared::snippet;
use imghost_shared::units::format_bytes;

/// The line `imghost upload` prints per image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// The image URL.
    #[default]
    Url,
    /// `![name](url)`
    Markdown,
    /// `<img src alt width height>`
    Html,
    /// `[![name](thumbnail url)](url)`: the thumbnail, linking to the image
    /// (plain Markdown for an image without a thumbnail)
    LinkedThumbnail,
    /// `<img src srcset sizes width height alt loading="lazy"
    /// decoding="async">`: readers' browsers pick the smallest sharp width
    Responsive,
    /// The same as a Hugo shortcode, `{{< img src srcset sizes ... >}}`
    Hugo,
}

/// How a line is written: the format, and the `sizes` a responsive one
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineStyle {
    pub format: Format,
    pub sizes: String,
}

impl From<Format> for LineStyle {
    fn from(format: Format) -> Self {
        Self {
            format,
            sizes: snippet::DEFAULT_SIZES.into(),
        }
    }
}

/// One line, without the newline.
/// A progress bar on standard error drawn with `template`, or a hidden one
/// when standard error is not a terminal (an editor, a pipe, a log).
pub fn progress_bar(template: &'static str) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template(template).expect("a valid progress template"));
    bar
}

pub fn upload_line(style: &LineStyle, upload: &UploadResponse) -> String {
    let image = &upload.image;
    let url = &upload.url;
    let responsive = || snippet::Responsive {
        url,
        dimensions: image.dimensions(),
        widths: &image.widths,
        sizes: &style.sizes,
    };
    match style.format {
        Format::Url => url.clone(),
        Format::Markdown => snippet::markdown(&image.original_name, url),
        Format::Html => snippet::html(&image.original_name, url, image.dimensions()),
        Format::LinkedThumbnail => match &image.thumbnail_url {
            Some(thumbnail) => snippet::linked_thumbnail(&image.original_name, thumbnail, url),
            None => snippet::markdown(&image.original_name, url),
        },
        Format::Responsive => snippet::responsive_html(&image.original_name, &responsive()),
        Format::Hugo => snippet::hugo_shortcode(&image.original_name, &responsive()),
    }
}

/// The `imghost list` table: a header, then one row per image, newest first.
pub fn list_table(images: &[ImageRecord]) -> String {
    let rows: Vec<Vec<String>> = images
        .iter()
        .map(|image| {
            vec![
                image.id.to_string(),
                utc_minute(image.created_at),
                format_bytes(image.size),
                image
                    .dimensions()
                    .map(|d| format!("{}x{}", d.width, d.height))
                    .unwrap_or_else(|| "-".into()),
                image.image_url.clone(),
                image.original_name.clone(),
            ]
        })
        .collect();
    table(
        &["ID", "UPLOADED (UTC)", "SIZE", "PIXELS", "URL", "NAME"],
        &rows,
        Align::IdFirst,
    )
}

/// The `imghost trash list` table, most recently deleted first; the URL is
/// the one a restore brings back.
pub fn trash_table(images: &[ImageRecord]) -> String {
    let rows: Vec<Vec<String>> = images
        .iter()
        .map(|image| {
            vec![
                image.id.to_string(),
                image.deleted_at.map_or_else(|| "-".into(), utc_minute),
                format_bytes(image.size),
                image.image_url.clone(),
                image.original_name.clone(),
            ]
        })
        .collect();
    table(
        &["ID", "DELETED (UTC)", "SIZE", "URL", "NAME"],
        &rows,
        Align::IdFirst,
    )
}

/// The `imghost token list` table, newest first; an expired token says so
/// (it is listed until revoked, and answers 401).
pub fn token_table(tokens: &[TokenInfo], now_ms: i64) -> String {
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|token| {
            let expires = match token.expires_at {
                None => "never".into(),
                Some(at) if token.expired(now_ms) => format!("{} expired", utc_minute(at)),
                Some(at) => utc_minute(at),
            };
            vec![
                token.name.as_str().to_string(),
                join_scopes(&token.scopes),
                utc_minute(token.created_at),
                expires,
                token
                    .last_used_at
                    .map_or_else(|| "never".into(), utc_minute),
            ]
        })
        .collect();
    table(
        &[
            "NAME",
            "SCOPES",
            "CREATED (UTC)",
            "EXPIRES (UTC)",
            "LAST USED (UTC)",
        ],
        &rows,
        Align::Left,
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    /// Every column on the left.
    Left,
    /// The first column (ids) on the right, the others on the left.
    IdFirst,
}

/// Columns two spaces apart, each as wide as its widest cell; the last
/// column is not padded, so a line never ends in spaces.
fn table(header: &[&str], rows: &[Vec<String>], align: Align) -> String {
    let header: Vec<String> = header.iter().map(|cell| cell.to_string()).collect();
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            let pad = width - cell.chars().count();
            let last = i == row.len() - 1;
            if i == 0 && align == Align::IdFirst {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if !last {
                    line.push_str(&" ".repeat(pad));
                }
            }
            if !last {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn stats_text(stats: &StatsResponse) -> String {
    let compressions = match stats.compression_count {
        Some(count) => format!("{count} this month"),
        None => "none yet".into(),
    };
    let warnings: String = stats
        .warnings
        .iter()
        .map(|warning| format!("warning       {warning}\n"))
        .collect();
    let mut quotas = format!(
        "trash         {}, {}\n",
        count(stats.trash_count as usize, "image", "images"),
        format_bytes(stats.trash_bytes)
    );
    if let Some(storage) = stats.storage {
        quotas.push_str(&format!(
            "storage       {}\n",
            usage_text(storage, format_bytes)
        ));
    }
    if let Some(uploads) = stats.uploads_today {
        quotas.push_str(&format!(
            "uploads today {}\n",
            usage_text(uploads, |n| n.to_string())
        ));
    }
    format!(
        "images        {}\nstored        {}\nsaved         {}\ncompressions  {compressions}\n{quotas}{warnings}",
        stats.image_count,
        format_bytes(stats.bytes_stored),
        format_bytes(stats.bytes_saved),
    )
}

/// `1.5 GB of 9 GB (16 %)`, or `12 (no limit)`.
fn usage_text(usage: Usage, amount: impl Fn(u64) -> String) -> String {
    match (usage.limit, usage.percent()) {
        (Some(limit), Some(percent)) => {
            format!("{} of {} ({percent} %)", amount(usage.used), amount(limit))
        }
        _ => format!("{} (no limit)", amount(usage.used)),
    }
}

/// Whether a repair would delete anything.
pub fn needs_repair(report: &ReconcileReport) -> bool {
    !report.orphan_objects.is_empty() || !report.missing_objects.is_empty()
}

/// What `reconcile --repair` is about to delete, shown before it does.
pub fn repair_preview(report: &ReconcileReport) -> String {
    format!(
        "about to delete {} and {}:\n{}{}",
        count(report.orphan_objects.len(), "object", "objects"),
        count(report.missing_objects.len(), "row", "rows"),
        report
            .orphan_objects
            .iter()
            .map(|key| format!("  object {key}\n"))
            .collect::<String>(),
        report
            .missing_objects
            .iter()
            .map(|image| format!("  row {} {}\n", image.id, image.object_key))
            .collect::<String>(),
    )
}

pub fn reconcile_text(report: &ReconcileReport) -> String {
    let mut out = format!(
        "checked {} objects and {} rows\n",
        report.objects_checked, report.rows_checked
    );
    if !report.foreign_objects.is_empty() {
        out.push_str(&format!(
            "left alone {} that imghost did not write (other files in the bucket)\n",
            count(report.foreign_objects.len(), "object", "objects")
        ));
        for key in &report.foreign_objects {
            out.push_str(&format!("  {key}\n"));
        }
    }
    if !report.adopted.is_empty() || !report.not_adopted.is_empty() {
        out.push_str(&format!(
            "adopted {} as images\n",
            count(report.adopted.len(), "object", "objects")
        ));
        for image in &report.adopted {
            out.push_str(&format!("  {} {}\n", image.id, image.object_key));
        }
        for why in &report.not_adopted {
            out.push_str(&format!("  not adopted: {why}\n"));
        }
    }
    if !needs_repair(report) {
        out.push_str("everything matches\n");
        return out;
    }
    let verb = if report.repaired { "deleted" } else { "found" };
    out.push_str(&format!(
        "{verb} {} without a row (objects in the bucket that no image refers to)\n",
        count(report.orphan_objects.len(), "object", "objects")
    ));
    for key in &report.orphan_objects {
        out.push_str(&format!("  {key}\n"));
    }
    out.push_str(&format!(
        "{verb} {} without an object (images whose file is gone)\n",
        count(report.missing_objects.len(), "row", "rows")
    ));
    for image in &report.missing_objects {
        out.push_str(&format!(
            "  {} {} {}\n",
            image.id, image.object_key, image.original_name
        ));
    }
    if !report.repaired {
        out.push_str("run `imghost reconcile --repair` to delete them\n");
    }
    out
}

/// Adds the next window's answer to the report so far.
pub fn add_reconcile_window(total: &mut ReconcileReport, window: ReconcileReport) {
    total.success &= window.success;
    total.objects_checked += window.objects_checked;
    total.rows_checked += window.rows_checked;
    total.orphan_objects.extend(window.orphan_objects);
    total.foreign_objects.extend(window.foreign_objects);
    total.adopted.extend(window.adopted);
    total.not_adopted.extend(window.not_adopted);
    total.missing_objects.extend(window.missing_objects);
    total.repaired &= window.repaired;
    total.next_cursor = window.next_cursor;
}

pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Milliseconds since the epoch as `2026-11-28 17:58` (UTC).
pub fn utc_minute(millis: i64) -> String {
    let time = imghost_shared::time::UtcMinute::from_millis(millis);
    format!("{} {:02}:{:02}", time.date(), time.hour, time.minute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{record, uploaded, URL};
    use imghost_shared::api::{Scope, TokenName};

    fn upload(name: &str, dims: Option<(u32, u32)>) -> UploadResponse {
        uploaded(record(1, name, 10, dims))
    }

    #[test]
    fn one_line_per_format() {
        let shot = upload("shot [1].png", Some((640, 427)));
        assert_eq!(upload_line(&Format::Url.into(), &shot), URL);
        assert_eq!(
            upload_line(&Format::Markdown.into(), &shot),
            format!("![shot \\[1\\].png]({URL})")
        );
        assert_eq!(
            upload_line(&Format::Html.into(), &shot),
            format!("<img src=\"{URL}\" alt=\"shot [1].png\" width=\"640\" height=\"427\">")
        );
        assert_eq!(
            upload_line(&Format::LinkedThumbnail.into(), &shot),
            format!("![shot \\[1\\].png]({URL})"),
            "no thumbnail: plain Markdown"
        );
        let mut with_thumbnail = shot.clone();
        with_thumbnail.image.thumbnail_url = Some(format!("{URL}.thumb.jpg"));
        assert_eq!(
            upload_line(&Format::LinkedThumbnail.into(), &with_thumbnail),
            format!("[![shot \\[1\\].png]({URL}.thumb.jpg)]({URL})")
        );
        let no_size = upload("a\"b.svg", None);
        assert_eq!(
            upload_line(&Format::Html.into(), &no_size),
            format!("<img src=\"{URL}\" alt=\"a&quot;b.svg\">")
        );
        let mut photo = upload("beach.jpg", Some((4032, 3024)));
        photo.image.widths = vec![640, 960];
        let style = LineStyle {
            format: Format::Responsive,
            sizes: "50vw".into(),
        };
        assert_eq!(
            upload_line(&style, &photo),
            format!(
                "<img src=\"{URL}\" srcset=\"{URL}@640w.webp 640w, {URL}@960w.webp 960w, \
                 {URL} 4032w\" sizes=\"50vw\" width=\"4032\" height=\"3024\" alt=\"beach.jpg\" \
                 loading=\"lazy\" decoding=\"async\">"
            )
        );
        assert!(
            upload_line(&Format::Hugo.into(), &photo).starts_with(&format!(
                "{{{{< img src=\"{URL}\" srcset=\"{URL}@640w.webp 640w"
            ))
        );
    }

    #[test]
    fn format_names_on_the_command_line() {
        assert_eq!(Format::from_str("url", false), Ok(Format::Url));
        assert_eq!(Format::from_str("markdown", false), Ok(Format::Markdown));
        assert_eq!(Format::from_str("html", false), Ok(Format::Html));
        assert_eq!(
            Format::from_str("linked-thumbnail", false),
            Ok(Format::LinkedThumbnail)
        );
        assert!(Format::from_str("bbcode", false).is_err());
    }

    #[test]
    fn list_table_aligns_columns() {
        let images = [
            record(12, "rocket launch.jpg", 112_525, Some((640, 427))),
            record(3, "logo.svg", 900, None),
        ];
        assert_eq!(
            list_table(&images),
            format!(
                "ID  UPLOADED (UTC)    SIZE    PIXELS   URL{pad}  NAME\n\
                 12  2026-11-28 23:59  110 KB  640x427  {URL}  rocket launch.jpg\n\
                 \x203  2026-11-28 23:59  900 B   -        {URL}  logo.svg\n",
                pad = " ".repeat(URL.len() - 3)
            )
        );
    }

    #[test]
    fn stats_in_words() {
        let stats = StatsResponse {
            success: true,
            image_count: 12,
            bytes_stored: 1536,
            bytes_saved: 0,
            compression_count: Some(7),
            warnings: vec![],
            wasm_memory_bytes: None,
            trash_count: 0,
            trash_bytes: 0,
            storage: None,
            uploads_today: None,
        };
        assert_eq!(
            stats_text(&stats),
            "images        12\nstored        1.5 KB\nsaved         0 B\ncompressions  7 this month\n\
             trash         0 images, 0 B\n"
        );
        let fresh = StatsResponse {
            compression_count: None,
            ..stats
        };
        assert!(stats_text(&fresh).contains("compressions  none yet\n"));
        let warned = StatsResponse {
            warnings: vec!["ADMIN_TOKEN is short".into()],
            ..fresh
        };
        assert!(stats_text(&warned).ends_with("0 B\nwarning       ADMIN_TOKEN is short\n"));
    }

    #[test]
    fn stats_show_the_trash_and_each_quota() {
        let stats = StatsResponse {
            success: true,
            image_count: 3,
            bytes_stored: 8_000_000_000,
            bytes_saved: 0,
            compression_count: None,
            warnings: vec!["Storage is 88 % used".into()],
            wasm_memory_bytes: None,
            trash_count: 1,
            trash_bytes: 2048,
            storage: Some(Usage {
                used: 8_000_000_000,
                limit: Some(9_000_000_000),
            }),
            uploads_today: Some(Usage {
                used: 4,
                limit: None,
            }),
        };
        let text = stats_text(&stats);
        assert!(
            text.ends_with(
                "trash         1 image, 2 KB\n\
                 storage       7.5 GB of 8.4 GB (88 %)\n\
                 uploads today 4 (no limit)\n\
                 warning       Storage is 88 % used\n"
            ),
            "{text}"
        );
        let limited = StatsResponse {
            uploads_today: Some(Usage {
                used: 80,
                limit: Some(100),
            }),
            ..stats
        };
        assert!(stats_text(&limited).contains("uploads today 80 of 100 (80 %)\n"));
    }

    fn token(
        name: &str,
        scopes: &[Scope],
        expires_at: Option<i64>,
        used: Option<i64>,
    ) -> TokenInfo {
        TokenInfo {
            name: TokenName::parse(name).unwrap(),
            scopes: scopes.to_vec(),
            created_at: 1_795_910_399_999,
            expires_at,
            last_used_at: used,
        }
    }

    #[test]
    fn token_table_marks_expired_tokens() {
        let now = 1_795_910_400_000; // 2026-11-29 00:00
        let tokens = [
            token("typora", &[Scope::Upload], None, Some(now - 3_600_000)),
            token(
                "ci",
                &[Scope::Upload, Scope::Read],
                Some(now - 60_000),
                None,
            ),
            token("laptop", &[Scope::Admin], Some(now + 86_400_000), None),
        ];
        assert_eq!(
            token_table(&tokens, now),
            "NAME    SCOPES       CREATED (UTC)     EXPIRES (UTC)             LAST USED (UTC)\n\
             typora  upload       2026-11-28 23:59  never                     2026-11-28 23:00\n\
             ci      upload,read  2026-11-28 23:59  2026-11-28 23:59 expired  never\n\
             laptop  admin        2026-11-28 23:59  2026-11-30 00:00          never\n"
        );
        // Expired at the very millisecond it says.
        assert!(token_table(&tokens[2..], now + 86_400_000).contains("2026-11-30 00:00 expired"));
        assert!(!token_table(&tokens[2..], now + 86_399_999).contains("expired"));
    }

    #[test]
    fn trash_table_shows_when_each_was_deleted() {
        let mut gone = record(4, "old photo.jpg", 2048, Some((8, 8)));
        gone.deleted_at = Some(1_795_910_400_000);
        let mut odd = record(12, "x.png", 10, None);
        odd.deleted_at = None;
        assert_eq!(
            trash_table(&[odd, gone]),
            format!(
                "ID  DELETED (UTC)     SIZE  URL{pad}  NAME\n\
                 12  -                 10 B  {URL}  x.png\n\
                 \x204  2026-11-29 00:00  2 KB  {URL}  old photo.jpg\n",
                pad = " ".repeat(URL.len() - 3)
            )
        );
    }

    #[test]
    fn reconcile_report_in_words() {
        let clean = ReconcileReport {
            success: true,
            objects_checked: 3,
            rows_checked: 3,
            orphan_objects: vec![],
            foreign_objects: vec![],
            missing_objects: vec![],
            repaired: false,
            adopted: vec![],
            not_adopted: vec![],
            next_cursor: None,
        };
        assert_eq!(
            reconcile_text(&clean),
            "checked 3 objects and 3 rows\neverything matches\n"
        );
        let broken = ReconcileReport {
            objects_checked: 4,
            orphan_objects: vec!["2026-11-28/x.png".into()],
            missing_objects: vec![record(7, "gone.png", 1, None)],
            ..clean.clone()
        };
        assert_eq!(
            reconcile_text(&broken),
            "checked 4 objects and 3 rows\n\
             found 1 object without a row (objects in the bucket that no image refers to)\n\
             \x20 2026-11-28/x.png\n\
             found 1 row without an object (images whose file is gone)\n\
             \x20 7 2026-11-28/a.png gone.png\n\
             run `imghost reconcile --repair` to delete them\n"
        );
        let repaired = ReconcileReport {
            repaired: true,
            ..broken.clone()
        };
        assert!(reconcile_text(&repaired).contains("deleted 1 object without a row"));
        assert!(!reconcile_text(&repaired).contains("--repair"));
        assert_eq!(
            repair_preview(&broken),
            "about to delete 1 object and 1 row:\n\
             \x20 object 2026-11-28/x.png\n\
             \x20 row 7 2026-11-28/a.png\n"
        );
        let shared_bucket = ReconcileReport {
            foreign_objects: vec!["backups/db.sqlite".into()],
            ..clean
        };
        assert!(!needs_repair(&shared_bucket));
        let adopting = ReconcileReport {
            adopted: vec![record(9, "beach.png", 1, None)],
            not_adopted: vec!["backups/db.sqlite: not an image".into()],
            ..shared_bucket.clone()
        };
        assert!(reconcile_text(&adopting).contains(
            "adopted 1 object as images\n  9 2026-11-28/a.png\n  not adopted: backups/db.sqlite: not an image\n"
        ));
        assert_eq!(
            reconcile_text(&shared_bucket),
            "checked 3 objects and 3 rows\n\
             left alone 1 object that imghost did not write (other files in the bucket)\n\
             \x20 backups/db.sqlite\n\
             everything matches\n"
        );
    }

    #[test]
    fn reconcile_windows_add_up() {
        let mut total = ReconcileReport {
            success: true,
            objects_checked: 1000,
            rows_checked: 999,
            orphan_objects: vec!["2026-11-27/a.png".into()],
            foreign_objects: vec!["a.txt".into()],
            missing_objects: vec![],
            repaired: true,
            adopted: vec![],
            not_adopted: vec![],
            next_cursor: Some("2026-11-27/z.png".into()),
        };
        let last = ReconcileReport {
            success: true,
            objects_checked: 10,
            rows_checked: 11,
            orphan_objects: vec!["2026-11-28/b.png".into()],
            foreign_objects: vec!["b.txt".into()],
            missing_objects: vec![record(7, "gone.png", 1, None)],
            repaired: true,
            adopted: vec![],
            not_adopted: vec!["b.txt: not an image".into()],
            next_cursor: None,
        };
        add_reconcile_window(&mut total, last);
        assert_eq!(total.objects_checked, 1010);
        assert_eq!(total.rows_checked, 1010);
        assert_eq!(
            total.orphan_objects,
            ["2026-11-27/a.png", "2026-11-28/b.png"]
        );
        assert_eq!(total.foreign_objects, ["a.txt", "b.txt"]);
        assert_eq!(total.not_adopted, ["b.txt: not an image"]);
        assert_eq!(total.missing_objects.len(), 1);
        assert!(total.repaired);
        assert_eq!(total.next_cursor, None);
    }

    #[test]
    fn utc_times_to_the_minute() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00");
        assert_eq!(utc_minute(1_795_910_399_999), "2026-11-28 23:59");
        assert_eq!(utc_minute(1_795_910_400_000), "2026-11-29 00:00");
        assert_eq!(utc_minute(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(utc_minute(-1), "1969-12-31 23:59");
    }
}
