//! One modal question ("Delete …?") for the whole page, on the native
//! `<dialog>`: it traps focus, and Escape cancels.

use crate::i18n::{t, use_lang, Texts};
use leptos::html::Dialog;
use leptos::prelude::*;
use std::sync::Arc;

#[derive(Clone)]
struct Question {
    text: String,
    /// The confirming button's label.
    yes: fn(&'static Texts) -> &'static str,
    on_yes: Arc<dyn Fn() + Send + Sync>,
}

#[derive(Clone, Copy)]
pub struct Confirm {
    question: RwSignal<Option<Question>>,
}

impl Confirm {
    pub fn new() -> Self {
        Self {
            question: RwSignal::new(None),
        }
    }

    /// Asks `text` before deleting; runs `on_yes` if the user confirms.
    pub fn ask(self, text: String, on_yes: impl Fn() + Send + Sync + 'static) {
        self.ask_to(text, |t| t.delete, on_yes);
    }

    /// Asks `text`, with `yes` as the confirming button's label.
    pub fn ask_to(
        self,
        text: String,
        yes: fn(&'static Texts) -> &'static str,
        on_yes: impl Fn() + Send + Sync + 'static,
    ) {
        self.question.set(Some(Question {
            text,
            yes,
            on_yes: Arc::new(on_yes),
        }));
    }
}

pub fn use_confirm() -> Confirm {
    expect_context::<Confirm>()
}

#[component]
pub fn ConfirmDialog() -> impl IntoView {
    let confirm = use_confirm();
    let lang = use_lang();
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        let asking = confirm.question.with(Option::is_some);
        if let Some(dialog) = dialog.get() {
            if asking && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !asking && dialog.open() {
                dialog.close();
            }
        }
    });
    let yes = move |_| {
        if let Some(question) = confirm.question.get_untracked() {
            confirm.question.set(None);
            (question.on_yes)();
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="confirm"
            data-testid="confirm"
            aria-labelledby="confirm-text"
            on:close=move |_| confirm.question.set(None)
        >
            <p id="confirm-text">
                {move || confirm.question.with(|q| q.as_ref().map(|q| q.text.clone()))}
            </p>
            <div class="actions">
                <button
                    type="button"
                    class="secondary"
                    autofocus
                    data-testid="confirm-cancel"
                    on:click=move |_| confirm.question.set(None)
                >
                    {t(|t| t.cancel)}
                </button>
                <button type="button" class="danger" data-testid="confirm-yes" on:click=yes>
                    {move || {
                        confirm.question.with(|q| q.as_ref().map(|q| (q.yes)(lang.get().texts())))
                    }}
                </button>
            </div>
        </dialog>
    }
}
