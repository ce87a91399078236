//! Short confirmations ("Copied Markdown") and errors that need no answer,
//! shown for a few seconds in one polite live region.

use leptos::prelude::*;
use std::time::Duration;

const SHOW_FOR: Duration = Duration::from_millis(2500);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    text: String,
    is_error: bool,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    current: RwSignal<Option<Toast>>,
}

impl Toasts {
    pub fn new() -> Self {
        Self {
            current: RwSignal::new(None),
        }
    }

    pub fn show(self, text: impl Into<String>) {
        self.push(text.into(), false);
    }

    pub fn error(self, text: impl Into<String>) {
        self.push(text.into(), true);
    }

    fn push(self, text: String, is_error: bool) {
        let id = self
            .current
            .with_untracked(|toast| toast.as_ref().map_or(0, |toast| toast.id + 1));
        self.current.set(Some(Toast { id, text, is_error }));
        // Errors stay twice as long: they take longer to read.
        let duration = if is_error { SHOW_FOR * 2 } else { SHOW_FOR };
        let current = self.current;
        set_timeout(
            move || {
                if current.with_untracked(|toast| toast.as_ref().map(|t| t.id)) == Some(id) {
                    current.set(None);
                }
            },
            duration,
        );
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    let text = move || {
        toasts
            .current
            .with(|toast| toast.as_ref().map(|t| t.text.clone()))
    };
    view! {
        <div class="toast-host" role="status" aria-live="polite">
            <Show when=move || toasts.current.with(Option::is_some)>
                <div
                    class="toast"
                    class:error=move || toasts.current.with(|t| t.as_ref().is_some_and(|t| t.is_error))
                    data-testid="toast"
                >
                    {text}
                </div>
            </Show>
        </div>
    }
}
