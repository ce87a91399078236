//! HEIC/HEIF photos (the iPhone camera's default) become JPEG in the
//! browser before the normal upload path, in a Web Worker (`heic/worker.js`
//! beside the pages): Safari decodes them itself, other browsers with
//! libheif, which the worker fetches only then. Nothing of it loads with
//! the page.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, MessageEvent, Worker};

const WORKER: &str = "heic/worker.js";

/// The photo as a JPEG file called `name`, or why it could not be made.
pub async fn to_jpeg(file: &File, name: &str) -> Result<File, String> {
    let worker = Worker::new(WORKER).map_err(|_| not_loaded())?;
    // The worker answers once, with the JPEG file or a sentence: its
    // message resolves the promise, a failure to load it rejects it.
    let answer = js_sys::Promise::new(&mut |resolve, reject| {
        worker.set_onmessage(Some(&resolve));
        worker.set_onerror(Some(&reject));
    });
    let sent = worker.post_message(&js_sys::Array::of2(file, &name.into()));
    let answer = match sent {
        Ok(()) => JsFuture::from(answer).await.map_err(|_| not_loaded()),
        Err(_) => Err(not_loaded()),
    };
    worker.terminate();
    let answer = answer?.unchecked_into::<MessageEvent>().data();
    match answer.as_string() {
        Some(why) => Err(why),
        None => Ok(answer.unchecked_into()),
    }
}

fn not_loaded() -> String {
    format!("the decoder ({WORKER}) could not be loaded")
}
