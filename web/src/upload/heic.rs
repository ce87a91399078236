//! HEIC/HEIF photos (the iPhone camera's default) become JPEG in the
//! browser before the normal upload path, in a Web Worker (`heic/worker.js`
//! beside the pages): Safari decodes them itself, other browsers with
//! libheif, which the worker fetches only then. Nothing of it loads with
//! the page.

use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, MessageEvent, Worker};

const WORKER: &str = "heic/worker.js";
const NOT_LOADED: &str = "the decoder (heic/worker.js) could not be loaded";

thread_local! {
    /// Settles when the last conversion asked for has ended. Each decodes
    /// a whole photo (48 MB of pixels at 12 MP) with its own libheif, so
    /// ten photos dropped at once convert one after another, not together.
    static LAST: RefCell<js_sys::Promise> = RefCell::new(js_sys::Promise::resolve(&JsValue::UNDEFINED));
}

/// The photo as a JPEG file called `name`, or why it could not be made.
pub async fn to_jpeg(file: &File, name: &str) -> Result<File, String> {
    let mut finish = None;
    let ended = js_sys::Promise::new(&mut |resolve, _| finish = Some(resolve));
    let previous = LAST.with(|last| last.replace(ended));
    let _ = JsFuture::from(previous).await;
    let result = convert(file, name).await;
    if let Some(finish) = finish {
        let _ = finish.call0(&JsValue::NULL);
    }
    result
}

async fn convert(file: &File, name: &str) -> Result<File, String> {
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
    NOT_LOADED.into()
}
