//! `imghost trash list|restore|empty`: deleted images keep their bytes in
//! the trash until restored under the same URL, purged by the server after
//! its TRASH_DAYS, or purged now by `empty`.

use crate::client::{ApiError, Client};
use crate::error::Error;
use crate::output;
use crate::upload::{self, print_stdout};
use imghost_shared::api::{ImageId, ImageRecord, PurgeResponse};
use std::future::Future;

/// `imghost trash list`: every image in the trash, most recently deleted
/// first, following `next_cursor` to the end.
pub async fn list(client: &Client, json: bool) -> Result<u8, Error> {
    let mut images: Vec<ImageRecord> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client.trash(cursor.as_deref()).await?;
        let empty = page.results.is_empty();
        images.extend(page.results);
        match page.next_cursor {
            Some(next) if !empty && cursor.as_deref() != Some(next.as_str()) => cursor = Some(next),
            _ => break,
        }
    }
    if json {
        crate::print_json(&images);
    } else if images.is_empty() {
        eprintln!("the trash is empty");
    } else {
        print_stdout(&output::trash_table(&images));
    }
    Ok(0)
}

/// `imghost trash restore ID...`: one line per id, in argument order: the
/// URL the image is back under, or an empty line and a reason on stderr.
/// Every id is tried; the exit code is 1 if any failed.
pub async fn restore(client: &Client, ids: &[ImageId]) -> u8 {
    let mut outcomes = Vec::new();
    for id in ids {
        let result = client.restore(*id).await;
        match &result {
            Ok(restored) => print_stdout(&format!("{}\n", restored.image.image_url)),
            Err(reason) => {
                print_stdout("\n");
                eprintln!("error: {id}: {reason}");
            }
        }
        outcomes.push(result);
    }
    upload::exit_code(&outcomes)
}

/// `imghost trash empty`: purges batch after batch until the server counts
/// none left; prints how many were purged.
pub async fn empty(client: &Client, yes: bool) -> Result<u8, Error> {
    if !yes {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return Err(Error::PurgeNeedsConsent);
        }
        let waiting = client.trash(None).await?.total;
        if waiting == 0 {
            print_stdout("purged 0 images\n");
            return Ok(0);
        }
        let question = format!(
            "purge {} for good? [y/N] ",
            output::count(waiting as usize, "image", "images")
        );
        crate::confirm(&question, Error::PurgeNeedsConsent, Error::PurgeDeclined)?;
    }
    let purged = purge_all(|| client.purge_trash()).await?;
    print_stdout(&format!(
        "purged {}\n",
        output::count(purged as usize, "image", "images")
    ));
    Ok(0)
}

/// Calls `purge` while the server says images remain; the total purged.
/// A call that purges nothing with images left stops the loop (no spinning
/// on a server that cannot purge), as does any error: a refusal is never
/// asked again.
async fn purge_all<F, Fut>(mut purge: F) -> Result<u64, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<PurgeResponse, ApiError>>,
{
    let mut purged = 0;
    loop {
        let batch = purge().await?;
        purged += batch.purged;
        if batch.remaining == 0 {
            return Ok(purged);
        }
        if batch.purged == 0 {
            return Err(Error::PurgeStalled {
                purged,
                remaining: batch.remaining,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imghost_shared::api::{ApiFailure, ErrorCode};
    use std::cell::RefCell;

    type Script = RefCell<Vec<Result<PurgeResponse, ApiError>>>;

    /// The answers of successive calls, in order.
    fn answers(list: Vec<Result<PurgeResponse, ApiError>>) -> Script {
        RefCell::new(list.into_iter().rev().collect())
    }

    fn batch(purged: u64, remaining: u64) -> Result<PurgeResponse, ApiError> {
        Ok(PurgeResponse {
            success: true,
            purged,
            remaining,
        })
    }

    fn run(script: &Script) -> Result<u64, Error> {
        let calls = || {
            let next = script.borrow_mut().pop().expect("no call past the script");
            async move { next }
        };
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(purge_all(calls))
    }

    #[test]
    fn purges_batches_until_none_remain() {
        let script = answers(vec![batch(100, 150), batch(100, 50), batch(50, 0)]);
        assert_eq!(run(&script).unwrap(), 250);
        assert!(script.borrow().is_empty());
        let already_empty = answers(vec![batch(0, 0)]);
        assert_eq!(run(&already_empty).unwrap(), 0);
    }

    #[test]
    fn a_refusal_is_not_asked_again() {
        let forbidden = ApiError::Failed(ApiFailure::Refused {
            status: 403,
            code: ErrorCode::Forbidden,
            message: "This token lacks the `admin` scope".into(),
        });
        let script = answers(vec![batch(100, 10), Err(forbidden), batch(10, 0)]);
        let error = run(&script).unwrap_err();
        assert_eq!(error.to_string(), "This token lacks the `admin` scope");
        assert_eq!(script.borrow().len(), 1, "stopped at the refusal");
    }

    #[test]
    fn a_server_that_purges_nothing_stops_the_loop() {
        let script = answers(vec![batch(100, 5), batch(0, 5), batch(5, 0)]);
        assert_eq!(
            run(&script).unwrap_err().to_string(),
            "the server purged nothing though it counts 5 images in the trash; 100 purged so far"
        );
    }
}
