//! Short confirmations ("Copied Markdown") and errors that need no answer,
//! shown for a few seconds in one polite live region; a toast may carry one
//! action, such as Undo.

use crate::i18n::{t, Texts};
use leptos::prelude::*;
use std::sync::Arc;
use std::time::Duration;

const SHOW_FOR: Duration = Duration::from_millis(2500);
/// A toast with an action stays long enough to reach for it.
const ACTION_SHOWN_FOR: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Action {
    label: fn(&'static Texts) -> &'static str,
    run: Arc<dyn Fn() + Send + Sync>,
}

#[derive(Clone)]
struct Toast {
    id: u64,
    text: String,
    is_error: bool,
    action: Option<Action>,
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
        self.push(text.into(), false, None);
    }

    pub fn error(self, text: impl Into<String>) {
        self.push(text.into(), true, None);
    }

    /// `text` with a button labelled `label` that runs `run` (once) and
    /// closes the toast.
    pub fn with_action(
        self,
        text: String,
        label: fn(&'static Texts) -> &'static str,
        run: impl Fn() + Send + Sync + 'static,
    ) {
        let run = Arc::new(run);
        self.push(text, false, Some(Action { label, run }));
    }

    fn push(self, text: String, is_error: bool, action: Option<Action>) {
        let id = self
            .current
            .with_untracked(|toast| toast.as_ref().map_or(0, |toast| toast.id + 1));
        // Errors stay twice as long: they take longer to read.
        let duration = match (&action, is_error) {
            (Some(_), _) => ACTION_SHOWN_FOR,
            (None, true) => SHOW_FOR * 2,
            (None, false) => SHOW_FOR,
        };
        self.current.set(Some(Toast {
            id,
            text,
            is_error,
            action,
        }));
        set_timeout(move || self.close(id), duration);
    }

    fn close(self, id: u64) {
        if self
            .current
            .with_untracked(|toast| toast.as_ref().map(|t| t.id))
            == Some(id)
        {
            self.current.set(None);
        }
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    let toast = move || {
        toasts.current.get().map(|toast| {
            let id = toast.id;
            let action = toast.action.map(|Action { label, run }| {
                let act = move |_| {
                    toasts.close(id);
                    run();
                };
                view! {
                    <button type="button" class="small" data-testid="toast-action" on:click=act>
                        {t(label)}
                    </button>
                }
            });
            view! {
                <div class="toast" class:error=toast.is_error data-testid="toast">
                    <span data-testid="toast-text">{toast.text}</span>
                    {action}
                </div>
            }
        })
    };
    view! { <div class="toast-host" role="status" aria-live="polite">{toast}</div> }
}
