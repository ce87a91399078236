//! The search box: typing shows at once, the listing follows a moment
//! after the last keystroke.

use super::use_gallery;
use crate::i18n::t;
use leptos::prelude::*;
use std::time::Duration;

const SEARCH_DELAY: Duration = Duration::from_millis(250);

#[component]
pub fn SearchBox() -> impl IntoView {
    let gallery = use_gallery();
    let text = RwSignal::new(String::new());
    let keystrokes = StoredValue::new(0u64);

    let on_input = move |typed: String| {
        text.set(typed.clone());
        keystrokes.update_value(|count| *count += 1);
        let this_keystroke = keystrokes.get_value();
        set_timeout(
            move || {
                let is_last = keystrokes.try_get_value() == Some(this_keystroke);
                if is_last && gallery.search.get_untracked() != typed {
                    gallery.search.set(typed);
                }
            },
            SEARCH_DELAY,
        );
    };
    view! {
        <input
            type="search"
            class="search"
            data-testid="search"
            placeholder=t(|t| t.search)
            aria-label=t(|t| t.search)
            prop:value=text
            on:input:target=move |ev| on_input(ev.target().value())
        />
    }
}
