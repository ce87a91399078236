//! The three things a blogger pastes, made by the same shared code the
//! server uses for its `markdown` and `html` answers.

use crate::clipboard::use_copier;
use crate::i18n::{t, Texts};
use imghost_shared::api::ImageRecord;
use imghost_shared::snippet;
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippets {
    pub url: String,
    pub markdown: String,
    pub html: String,
}

impl Snippets {
    pub fn of(image: &ImageRecord) -> Self {
        Self {
            url: image.image_url.clone(),
            markdown: snippet::markdown(&image.original_name, &image.image_url),
            html: snippet::html(&image.original_name, &image.image_url, image.dimensions()),
        }
    }

    /// Each snippet with what the UI calls it, in display order.
    pub fn labelled(self) -> [Labelled; 3] {
        [
            Labelled {
                label: "URL",
                short: "URL",
                id: "url",
                copy_title: |t| t.copy_url,
                text: self.url,
            },
            Labelled {
                label: "Markdown",
                short: "MD",
                id: "markdown",
                copy_title: |t| t.copy_markdown,
                text: self.markdown,
            },
            Labelled {
                label: "HTML",
                short: "HTML",
                id: "html",
                copy_title: |t| t.copy_html,
                text: self.html,
            },
        ]
    }
}

/// One snippet and its names.
pub struct Labelled {
    /// Its name, in the copy notice and beside a finished upload.
    pub label: &'static str,
    /// Its name on a gallery card's button.
    pub short: &'static str,
    /// What its `data-testid`s end with.
    pub id: &'static str,
    /// The tooltip of its copy button on a card.
    pub copy_title: fn(&'static Texts) -> &'static str,
    pub text: String,
}

/// Read-only fields with a copy button each, for a finished upload.
#[component]
pub fn SnippetFields(image: ImageRecord) -> impl IntoView {
    let copier = use_copier();
    Snippets::of(&image)
        .labelled()
        .into_iter()
        .map(
            |Labelled {
                 label, id, text, ..
             }| {
                let copy_text = text.clone();
                view! {
                    <div class="snippet">
                        <span class="snippet-label">{label}</span>
                        <input
                            type="text"
                            readonly
                            spellcheck="false"
                            aria-label=label
                            data-testid=format!("snippet-{id}")
                            value=text
                            on:focus:target=move |ev| ev.target().select()
                        />
                        <button
                            type="button"
                            class="secondary small"
                            data-testid=format!("copy-{id}")
                            on:click=move |_| copier.copy(copy_text.clone(), label)
                        >
                            {t(|t| t.copy)}
                        </button>
                    </div>
                }
            },
        )
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;
    use imghost_shared::api::ImageId;

    fn record(width: Option<u32>, height: Option<u32>) -> ImageRecord {
        ImageRecord {
            id: ImageId(1),
            object_key: "2026-11-28/a.png".into(),
            original_name: "cat [1].png".into(),
            image_url: "https://img.example/i/2026-11-28/a.png".into(),
            content_type: Some("image/png".into()),
            size: 10,
            created_at: 0,
            width,
            height,
            sha256: None,
            original_size: None,
            compressed_by: None,
            animated: None,
            thumbnail_key: None,
            thumbnail_url: None,
        }
    }

    #[test]
    fn snippets_carry_the_name_url_and_size() {
        let snippets = Snippets::of(&record(Some(640), Some(480)));
        assert_eq!(snippets.url, "https://img.example/i/2026-11-28/a.png");
        assert_eq!(
            snippets.markdown,
            "![cat \\[1\\].png](https://img.example/i/2026-11-28/a.png)"
        );
        assert_eq!(
            snippets.html,
            "<img src=\"https://img.example/i/2026-11-28/a.png\" alt=\"cat [1].png\" width=\"640\" height=\"480\">"
        );
        let without_size = Snippets::of(&record(None, None));
        assert!(!without_size.html.contains("width"));
    }
}
