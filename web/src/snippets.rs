//! What a blogger pastes, made by the same shared code the server uses for
//! its `markdown` and `html` answers: the URL, Markdown and HTML, for an
//! image with a thumbnail, Markdown of the thumbnail linking to it, and for
//! one with widths, a responsive `<img srcset>` and its Hugo shortcode.

use crate::clipboard::use_copier;
use crate::i18n::{t, use_lang, Texts};
use crate::settings::use_settings;
use imghost_shared::api::ImageRecord;
use imghost_shared::snippet;
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippets {
    pub url: String,
    pub markdown: String,
    pub html: String,
    /// `[![alt](thumbnail)](url)`, when the image has a thumbnail.
    pub linked_thumbnail: Option<String>,
    /// `<img srcset sizes ...>` and `{{< img ... >}}`, when it has widths.
    pub responsive: Option<(String, String)>,
}

impl Snippets {
    /// The snippets of `image`; the responsive one says `sizes`.
    pub fn of(image: &ImageRecord, sizes: &str) -> Self {
        let name = &image.original_name;
        Self {
            url: image.image_url.clone(),
            markdown: snippet::markdown(name, &image.image_url),
            html: snippet::html(name, &image.image_url, image.dimensions()),
            linked_thumbnail: image
                .thumbnail_url
                .as_deref()
                .map(|thumbnail| snippet::linked_thumbnail(name, thumbnail, &image.image_url)),
            responsive: (!image.widths.is_empty()).then(|| {
                let responsive = snippet::Responsive {
                    url: &image.image_url,
                    dimensions: image.dimensions(),
                    widths: &image.widths,
                    sizes,
                };
                (
                    snippet::responsive_html(name, &responsive),
                    snippet::hugo_shortcode(name, &responsive),
                )
            }),
        }
    }

    /// Each snippet with what the UI calls it, in display order.
    pub fn labelled(self) -> Vec<Labelled> {
        let mut labelled = vec![
            Labelled {
                label: |_| "URL",
                short: "URL",
                id: "url",
                copy_title: |t| t.copy_url,
                text: self.url,
            },
            Labelled {
                label: |_| "Markdown",
                short: "MD",
                id: "markdown",
                copy_title: |t| t.copy_markdown,
                text: self.markdown,
            },
            Labelled {
                label: |_| "HTML",
                short: "HTML",
                id: "html",
                copy_title: |t| t.copy_html,
                text: self.html,
            },
        ];
        labelled.extend(self.linked_thumbnail.map(|text| Labelled {
            label: |t| t.linked_thumbnail,
            short: "MD+",
            id: "linked-thumbnail",
            copy_title: |t| t.copy_linked_thumbnail,
            text,
        }));
        if let Some((html, hugo)) = self.responsive {
            labelled.push(Labelled {
                label: |t| t.responsive,
                short: "SRCSET",
                id: "responsive",
                copy_title: |t| t.copy_responsive,
                text: html,
            });
            labelled.push(Labelled {
                label: |_| "Hugo",
                short: "HUGO",
                id: "hugo",
                copy_title: |t| t.copy_hugo,
                text: hugo,
            });
        }
        labelled
    }
}

/// One snippet and its names.
pub struct Labelled {
    /// Its name, in the copy notice and beside a finished upload (most are
    /// the same in every language).
    pub label: fn(&'static Texts) -> &'static str,
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
    let lang = use_lang();
    Snippets::of(&image, &use_settings().sizes.get_untracked())
        .labelled()
        .into_iter()
        .map(
            |Labelled {
                 label, id, text, ..
             }| {
                let copy_text = text.clone();
                let label_text = t(label);
                view! {
                    <div class="snippet">
                        <span class="snippet-label">{label_text}</span>
                        <input
                            type="text"
                            readonly
                            spellcheck="false"
                            aria-label=label_text
                            data-testid=format!("snippet-{id}")
                            value=text
                            on:focus:target=move |ev| ev.target().select()
                        />
                        <button
                            type="button"
                            class="secondary small"
                            data-testid=format!("copy-{id}")
                            on:click=move |_| {
                                copier.copy(copy_text.clone(), label(lang.get_untracked().texts()))
                            }
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
            stored_sha256: None,
            original_size: None,
            compressed_by: None,
            animated: None,
            thumbnail_key: None,
            thumbnail_url: None,
            widths: Vec::new(),
            deleted_at: None,
            albums: vec![],
            tags: vec![],
        }
    }

    #[test]
    fn snippets_carry_the_name_url_and_size() {
        let snippets = Snippets::of(&record(Some(640), Some(480)), snippet::DEFAULT_SIZES);
        assert_eq!(snippets.url, "https://img.example/i/2026-11-28/a.png");
        assert_eq!(
            snippets.markdown,
            "![cat \\[1\\].png](https://img.example/i/2026-11-28/a.png)"
        );
        assert_eq!(
            snippets.html,
            "<img src=\"https://img.example/i/2026-11-28/a.png\" alt=\"cat [1].png\" width=\"640\" height=\"480\">"
        );
        let without_size = Snippets::of(&record(None, None), snippet::DEFAULT_SIZES);
        assert!(!without_size.html.contains("width"));
    }

    #[test]
    fn a_linked_thumbnail_only_with_a_thumbnail() {
        let plain = Snippets::of(&record(Some(640), Some(480)), snippet::DEFAULT_SIZES);
        assert_eq!(plain.linked_thumbnail, None);
        let ids = |snippets: Snippets| {
            snippets
                .labelled()
                .iter()
                .map(|labelled| labelled.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(plain), ["url", "markdown", "html"]);

        let with_thumbnail = Snippets::of(
            &ImageRecord {
                thumbnail_url: Some("https://img.example/i/2026-11-28/a.png.thumb.webp".into()),
                ..record(Some(640), Some(480))
            },
            snippet::DEFAULT_SIZES,
        );
        assert_eq!(
            with_thumbnail.linked_thumbnail.as_deref(),
            Some(
                "[![cat \\[1\\].png](https://img.example/i/2026-11-28/a.png.thumb.webp)]\
                 (https://img.example/i/2026-11-28/a.png)"
            )
        );
        let labelled = with_thumbnail.labelled();
        assert_eq!(
            labelled.iter().map(|l| l.id).collect::<Vec<_>>(),
            ["url", "markdown", "html", "linked-thumbnail"]
        );
        assert_eq!(
            (labelled[3].label)(&crate::i18n::EN),
            "Markdown (linked thumbnail)"
        );
        assert_eq!((labelled[0].label)(&crate::i18n::ZH), "URL");
    }

    #[test]
    fn responsive_snippets_only_with_widths_and_with_the_sizes_given() {
        let with_widths = Snippets::of(
            &ImageRecord {
                widths: vec![640],
                ..record(Some(1000), Some(500))
            },
            "50vw",
        );
        let (html, hugo) = with_widths.responsive.clone().expect("it has widths");
        let url = "https://img.example/i/2026-11-28/a.png";
        assert_eq!(
            html,
            format!(
                "<img src=\"{url}\" srcset=\"{url}@640w.webp 640w, {url} 1000w\" sizes=\"50vw\" \
                 width=\"1000\" height=\"500\" alt=\"cat [1].png\" loading=\"lazy\" decoding=\"async\">"
            )
        );
        assert!(hugo.starts_with(&format!("{{{{< img src=\"{url}\" srcset=")));
        let ids: Vec<_> = with_widths.labelled().iter().map(|l| l.id).collect();
        assert_eq!(ids, ["url", "markdown", "html", "responsive", "hugo"]);
    }
}
