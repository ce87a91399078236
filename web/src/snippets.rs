//! The three things a blogger pastes, made by the same shared code the
//! server uses for its `markdown` and `html` answers.

use crate::clipboard::use_copier;
use crate::i18n::t;
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

    /// `(label, test id, text)` for each snippet, in display order.
    pub fn labelled(self) -> [(&'static str, &'static str, String); 3] {
        [
            ("URL", "url", self.url),
            ("Markdown", "markdown", self.markdown),
            ("HTML", "html", self.html),
        ]
    }
}

/// Read-only fields with a copy button each, for a finished upload.
#[component]
pub fn SnippetFields(image: ImageRecord) -> impl IntoView {
    let copier = use_copier();
    Snippets::of(&image)
        .labelled()
        .into_iter()
        .map(|(label, id, text)| {
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
        })
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
