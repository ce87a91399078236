//! Albums and tags in the main page: the filters over the gallery, what
//! the selection bar does with them, and the choice for new uploads.
//! Organising is metadata only: no key or URL changes.
//!
//! The lists are read with the runtime's `JSON.parse` and the controls
//! written as HTML, with one listener per group: typed decoders and a
//! reactive view per option would cost the main page's wasm about 20 KB
//! gzipped, more than its budget has left.

use super::use_gallery;
use crate::i18n::{use_lang, Texts};
use crate::settings::use_settings;
use crate::toast::use_toasts;
use imghost_shared::api::albums::{
    json_ids, json_tags, AlbumId, TagName, MAX_ALBUM_DEPTH, MAX_BULK_IMAGES,
};
use imghost_shared::api::query_string::encode_pairs;
use imghost_shared::api::routes;
use imghost_shared::api::ImageId;
use imghost_shared::snippet::escape_html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// One album: id, parent, name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumEntry {
    pub id: i64,
    pub parent: Option<i64>,
    pub name: String,
}

/// Every album and tag (empty for a token that may not list them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelLists {
    pub albums: Vec<AlbumEntry>,
    /// Tag and how many images carry it.
    pub tags: Vec<(String, u64)>,
}

impl LabelLists {
    pub fn is_empty(&self) -> bool {
        self.albums.is_empty() && self.tags.is_empty()
    }

    /// Every album as (id, `Travel / Japan`), each followed by its
    /// sub-albums, in the server's order (by name) at each level.
    pub fn album_choices(&self) -> Vec<(i64, String)> {
        let mut choices = Vec::new();
        self.add_children(None, "", 0, &mut choices);
        choices
    }

    fn add_children(
        &self,
        parent: Option<i64>,
        path: &str,
        depth: usize,
        out: &mut Vec<(i64, String)>,
    ) {
        if depth >= MAX_ALBUM_DEPTH {
            return;
        }
        for album in self.albums.iter().filter(|album| album.parent == parent) {
            let path = if path.is_empty() {
                album.name.clone()
            } else {
                format!("{path} / {}", album.name)
            };
            out.push((album.id, path.clone()));
            self.add_children(Some(album.id), &path, depth + 1, out);
        }
    }
}

/// `GET /albums` and `GET /tags` bodies, read by `JSON.parse`.
pub fn parse_lists(albums: &str, tags: &str) -> LabelLists {
    let field = |value: &wasm_bindgen::JsValue, name: &str| {
        js_sys::Reflect::get(value, &name.into()).unwrap_or_default()
    };
    let items = |body: &str, name: &str| -> Vec<wasm_bindgen::JsValue> {
        js_sys::JSON::parse(body)
            .ok()
            .map(|parsed| field(&parsed, name))
            .filter(|list| list.is_array())
            .map(|list| js_sys::Array::from(&list).to_vec())
            .unwrap_or_default()
    };
    LabelLists {
        albums: items(albums, "albums")
            .iter()
            .filter_map(|album| {
                Some(AlbumEntry {
                    id: field(album, "id").as_f64()? as i64,
                    parent: field(album, "parent_id").as_f64().map(|id| id as i64),
                    name: field(album, "name").as_string()?,
                })
            })
            .collect(),
        tags: items(tags, "tags")
            .iter()
            .filter_map(|tag| {
                Some((
                    field(tag, "name").as_string()?,
                    field(tag, "image_count").as_f64().unwrap_or(0.0) as u64,
                ))
            })
            .collect(),
    }
}

/// `<option>`s: one for no album (`none`), then every album, `selected`
/// marked.
pub fn album_options(lists: &LabelLists, none: &str, selected: Option<i64>) -> String {
    let mut html = format!("<option value=\"\">{}</option>", escape_html(none));
    for (id, path) in lists.album_choices() {
        let mark = if Some(id) == selected {
            " selected"
        } else {
            ""
        };
        html.push_str(&format!(
            "<option value=\"{id}\"{mark}>{}</option>",
            escape_html(&path)
        ));
    }
    html
}

/// The filters: the album select and a chip per tag.
pub fn filters_html(
    lists: &LabelLists,
    texts: &Texts,
    album: Option<i64>,
    tags: &[TagName],
) -> String {
    let mut html = format!(
        "<select data-testid=\"album-filter\" aria-label=\"{}\">{}</select>\
         <div class=\"chips\" role=\"group\" aria-label=\"{}\">",
        texts.album,
        album_options(lists, texts.all_albums, album),
        texts.tags
    );
    for (name, count) in &lists.tags {
        let pressed = tags.iter().any(|tag| tag.as_str() == name);
        html.push_str(&format!(
            "<button type=\"button\" class=\"chip\" data-testid=\"tag-chip\" data-tag=\"{0}\" \
             aria-pressed=\"{pressed}\">{0}<span class=\"chip-count\">{count}</span></button>",
            escape_html(name)
        ));
    }
    html.push_str("</div>");
    html
}

/// The element an event happened on.
fn target_of(event: &web_sys::Event) -> Option<web_sys::Element> {
    event.target()?.dyn_into::<web_sys::Element>().ok()
}

/// The value of the form control `selector` inside `root`, or of `root`.
fn value_of(element: &web_sys::Element) -> String {
    js_sys::Reflect::get(element, &"value".into())
        .ok()
        .and_then(|value| value.as_string())
        .unwrap_or_default()
}

fn value_in(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector)
        .ok()
        .flatten()
        .map(|element| value_of(&element))
        .unwrap_or_default()
}

/// Fetches every album and tag into `lists`.
fn load(lists: RwSignal<LabelLists>, api: crate::api::Api) {
    spawn_local(async move {
        let albums = api.get_text(routes::ALBUMS).await.unwrap_or_default();
        let tags = api.get_text(routes::TAGS).await.unwrap_or_default();
        lists.set(parse_lists(&albums, &tags));
    });
}

thread_local! {
    /// The album and the tags (as typed, checked) chosen for new uploads.
    static UPLOAD_LABELS: std::cell::RefCell<(Option<AlbumId>, String)> = Default::default();
}

/// The query string that puts new uploads in the chosen album with the
/// chosen tags (`album=3&tags=sky%2Csea`).
pub fn upload_labels() -> String {
    UPLOAD_LABELS.with(|labels| {
        let (album, tags) = &*labels.borrow();
        let album = album.map(|album| ("album", album.to_string().into()));
        let tags = (!tags.is_empty()).then(|| ("tags", tags.as_str().into()));
        encode_pairs(album.into_iter().chain(tags))
    })
}

/// Everything the controls act on.
#[derive(Clone, Copy)]
struct Controls {
    gallery: super::GalleryState,
    settings: crate::settings::Settings,
    toasts: crate::toast::Toasts,
    lang: RwSignal<crate::i18n::Lang>,
    lists: RwSignal<LabelLists>,
}

/// A new `<div class>` placed after (or, `inside`, at the start of) the
/// first element matching `anchor`, with `listener` on its clicks and
/// changes.
fn place(
    anchor: &str,
    inside: bool,
    class: &str,
    listener: &js_sys::Function,
) -> Option<web_sys::Element> {
    let document = web_sys::window()?.document()?;
    let anchor = document.query_selector(anchor).ok()??;
    let div = document.create_element("div").ok()?;
    div.set_class_name(class);
    let place = if inside { "afterbegin" } else { "afterend" };
    anchor.insert_adjacent_element(place, &div).ok()?;
    for kind in ["click", "change"] {
        let _ = div.add_event_listener_with_callback(kind, listener);
    }
    Some(div)
}

/// What the effect keeps between runs: the three containers, once placed,
/// the connection they list for, and what the controls with text fields
/// were last written for (they are written again only when that changes,
/// so that typing in them survives a change of selection).
struct Placed {
    containers: [Option<web_sys::Element>; 3],
    connection: crate::settings::Connection,
    written: Option<(LabelLists, crate::i18n::Lang, bool)>,
}

/// Puts the filters under the gallery's head, the selection's album and
/// tag actions under them, and the choice for new uploads in the upload
/// options. They are written as HTML with one listener, outside the
/// page's reactive views and by one effect: adding to those views' types,
/// or an effect per control, would cost the main page's wasm more than
/// the controls themselves.
pub fn mount() {
    let controls = Controls {
        gallery: use_gallery(),
        settings: use_settings(),
        toasts: use_toasts(),
        lang: use_lang(),
        lists: RwSignal::new(LabelLists::default()),
    };
    let Controls {
        gallery,
        settings,
        lang,
        lists,
        ..
    } = controls;
    Effect::new(move |placed: Option<Placed>| {
        let connection = settings.connection.get();
        let (containers, written) = match placed {
            Some(placed) if placed.connection == connection => (placed.containers, placed.written),
            Some(placed) => {
                // Another server: its albums are others.
                UPLOAD_LABELS.with(|labels| *labels.borrow_mut() = Default::default());
                load(lists, crate::api::Api::new(&connection));
                (placed.containers, None)
            }
            None => {
                load(lists, crate::api::Api::new(&connection));
                let listener = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(
                    move |event: web_sys::Event| on_event(controls, &event),
                );
                let function: &js_sys::Function = listener.as_ref().unchecked_ref();
                let filters = place(".gallery-head", false, "filters", function);
                let actions = place(".filters", false, "label-actions", function);
                let upload = place(".options", true, "upload-labels", function);
                listener.forget();
                ([filters, actions, upload], None)
            }
        };
        let [filters, actions, upload] = &containers;
        let language = lang.get();
        let texts = language.texts();
        let shown = gallery.filters.get();
        let selected = gallery.selected.with(|selected| selected.len());
        let now = lists.with(|lists| (lists.clone(), language, shown.album.is_some()));
        let rewrite = written.as_ref() != Some(&now);
        let (lists, _, by_album) = &now;
        if let Some(filters) = filters {
            let html = filters_html(lists, texts, shown.album.map(|a| a.0), &shown.tags);
            filters.set_inner_html(&html);
            let _ = filters.toggle_attribute_with_force("hidden", lists.is_empty());
        }
        if let Some(actions) = actions {
            if rewrite {
                actions.set_inner_html(&actions_html(lists, texts, *by_album));
            }
            if let Ok(Some(cover)) = actions.query_selector("[data-action=set-cover]") {
                let _ = cover.toggle_attribute_with_force("disabled", selected != 1);
            }
            let _ = actions.toggle_attribute_with_force("hidden", selected == 0);
        }
        if let (Some(upload), true) = (upload, rewrite) {
            let (album, tags) = UPLOAD_LABELS.with(|labels| labels.borrow().clone());
            upload.set_inner_html(&upload_html(lists, texts, album.map(|a| a.0), &tags));
        }
        Placed {
            containers,
            connection,
            written: Some(now),
        }
    });
}

/// A click or change in one of the containers.
fn on_event(controls: Controls, event: &web_sys::Event) {
    let class = event
        .current_target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .map(|element| element.class_name())
        .unwrap_or_default();
    match class.as_str() {
        "filters" => on_filter(controls.gallery, event),
        "label-actions" if event.type_() == "click" => on_action(controls, event),
        "upload-labels" => on_upload_choice(event),
        _ => {}
    }
}

fn on_filter(gallery: super::GalleryState, event: &web_sys::Event) {
    let Some(target) = target_of(event) else {
        return;
    };
    if event.type_() == "change" {
        let album = AlbumId::parse(&value_of(&target));
        gallery.filters.update(|filters| filters.album = album);
        return;
    }
    let Some(tag) = target
        .closest("[data-tag]")
        .ok()
        .flatten()
        .and_then(|chip| chip.get_attribute("data-tag"))
        .and_then(|name| TagName::parse(&name).ok())
    else {
        return;
    };
    gallery.filters.update(
        |filters| match filters.tags.iter().position(|t| *t == tag) {
            Some(at) => {
                filters.tags.remove(at);
            }
            None => {
                // The server takes so many tags at once: the oldest gives way.
                if filters.tags.len() == imghost_shared::api::albums::MAX_FILTER_TAGS {
                    filters.tags.remove(0);
                }
                filters.tags.push(tag);
            }
        },
    );
}

fn on_upload_choice(event: &web_sys::Event) {
    let Some(target) = target_of(event).filter(|_| event.type_() == "change") else {
        return;
    };
    let value = value_of(&target);
    if target.tag_name() == "SELECT" {
        UPLOAD_LABELS.with(|labels| labels.borrow_mut().0 = AlbumId::parse(&value));
        return;
    }
    // Tags that cannot be are not kept: no upload goes out with the ones
    // typed before.
    let valid = TagName::parse_list(&value).is_ok();
    let _ = target.set_attribute("aria-invalid", &(!valid).to_string());
    UPLOAD_LABELS.with(|labels| labels.borrow_mut().1 = if valid { value } else { String::new() });
}

/// A button for `action`; `title`, when not empty, says what it needs.
fn button(action: &str, text: &str, title: &str) -> String {
    let title = match title {
        "" => String::new(),
        title => format!(" title=\"{title}\""),
    };
    format!(
        "<button type=\"button\" class=\"secondary small\" data-action=\"{action}\" \
         data-testid=\"{action}\"{title}>{text}</button>"
    )
}

/// The selection's actions: tags to add or remove, an album to put the
/// images in (or, when one album is shown, move them to or take them out).
pub fn actions_html(lists: &LabelLists, texts: &Texts, by_album: bool) -> String {
    let mut html = format!(
        "<input type=\"text\" class=\"small\" data-testid=\"bulk-tags\" aria-label=\"{0}\" \
         placeholder=\"{1}\">{2}{3}<select data-testid=\"bulk-album\" aria-label=\"{4}\">{5}</select>{6}",
        texts.tags,
        texts.tags_placeholder,
        button("add-tags", texts.add_tags, ""),
        button("remove-tags", texts.remove_tags, ""),
        texts.album,
        album_options(lists, texts.choose_album, None),
        button("add-to-album", texts.add_to_album, ""),
    );
    if by_album {
        html.push_str(&button("move-to-album", texts.move_to_album, ""));
        html.push_str(&button("remove-from-album", texts.remove_from_album, ""));
        html.push_str(&button(
            "set-cover",
            texts.use_as_cover,
            texts.select_one_for_cover,
        ));
    }
    html
}

/// The album (when there are albums) and tags (`tags`, as typed) of new
/// uploads.
pub fn upload_html(lists: &LabelLists, texts: &Texts, album: Option<i64>, tags: &str) -> String {
    let select = if lists.albums.is_empty() {
        String::new()
    } else {
        format!(
            "<select data-testid=\"upload-album\" aria-label=\"{}\">{}</select>",
            texts.upload_album,
            album_options(lists, texts.no_album, album)
        )
    };
    format!(
        "{select}<input type=\"text\" class=\"small\" data-testid=\"upload-tags\" \
         aria-label=\"{0}\" placeholder=\"{0}\" value=\"{1}\">",
        texts.upload_tags,
        escape_html(tags)
    )
}

/// A change the selection bar makes to every selected image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Add (`true`) or remove these tags.
    Tags(bool, Vec<TagName>),
    /// Into an album, moved out of another (`from`), or out of it.
    Into(AlbumId, Option<AlbumId>),
    OutOf(AlbumId),
    /// The one selected image becomes the album's cover.
    Cover(AlbumId),
}

impl Change {
    /// Method, route, query and JSON body for `ids`, written by hand:
    /// typed bodies would each bring their encoder into the main page.
    pub fn request(&self, ids: &[ImageId]) -> (&'static str, &'static str, String, String) {
        let cover = ids.first().map_or(0, |id| id.0);
        let ids = json_ids(ids.iter().map(|id| id.0));
        let (route, query, body) = match self {
            Self::Tags(add, tags) => {
                let names = json_tags(tags);
                let (add, remove) = if *add {
                    (names.as_str(), "[]")
                } else {
                    ("[]", names.as_str())
                };
                (
                    routes::TAG_IMAGES,
                    String::new(),
                    format!("{{\"image_ids\":{ids},\"add\":{add},\"remove\":{remove}}}"),
                )
            }
            Self::Into(album, from) => (
                routes::ALBUM_IMAGES,
                format!("id={album}"),
                format!(
                    "{{\"add\":{ids},\"from_album_id\":{}}}",
                    from.map_or("null".to_string(), |from| from.to_string())
                ),
            ),
            Self::OutOf(album) => (
                routes::ALBUM_IMAGES,
                format!("id={album}"),
                format!("{{\"remove\":{ids}}}"),
            ),
            Self::Cover(album) => {
                let body = format!("{{\"cover_image_id\":{cover}}}");
                return ("PATCH", routes::ALBUMS, format!("id={album}"), body);
            }
        };
        ("POST", route, query, body)
    }
}

fn on_action(controls: Controls, event: &web_sys::Event) {
    let Controls {
        gallery,
        settings,
        toasts,
        lang,
        lists,
    } = controls;
    let Some(target) = target_of(event) else {
        return;
    };
    let Some(root) = target.closest(".label-actions").ok().flatten() else {
        return;
    };
    let Some(action) = target.get_attribute("data-action") else {
        return;
    };
    let here = gallery.filters.with_untracked(|filters| filters.album);
    let texts = lang.get_untracked().texts();
    let change = match action.as_str() {
        "add-tags" | "remove-tags" => match TagName::parse_list(&value_in(&root, "input")) {
            Ok(tags) if !tags.is_empty() => Change::Tags(action == "add-tags", tags),
            Ok(_) => return,
            Err(why) => return toasts.error(why),
        },
        "add-to-album" | "move-to-album" => match AlbumId::parse(&value_in(&root, "select")) {
            Some(album) => Change::Into(album, here.filter(|_| action == "move-to-album")),
            None => return toasts.error(texts.choose_album),
        },
        "remove-from-album" | "set-cover" => match here {
            Some(album) if action == "set-cover" => Change::Cover(album),
            Some(album) => Change::OutOf(album),
            None => return,
        },
        _ => return,
    };
    let ids = gallery.selected_in_order();
    if ids.len() > MAX_BULK_IMAGES {
        return toasts.error(texts.too_many_selected);
    }
    let cover = matches!(change, Change::Cover(_));
    if cover && ids.len() != 1 {
        return toasts.error(texts.select_one_for_cover);
    }
    let api = settings.api();
    let (method, path, query, body) = change.request(&ids);
    spawn_local(async move {
        let result = api.send_written_json(method, path, &query, body).await;
        let lang = lang.get_untracked();
        match result {
            Ok(()) => toasts.show(lang.texts().labels_saved),
            Err(error) => toasts.error(error.message(lang)),
        }
        // A cover changes no image's labels: the gallery stays as it is.
        if cover {
            return;
        }
        load(lists, api.clone());
        if gallery.filters.with_untracked(super::state::Filters::is_on) {
            gallery.reload(api);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists() -> LabelLists {
        let album = |id: i64, parent: Option<i64>, name: &str| AlbumEntry {
            id,
            parent,
            name: name.into(),
        };
        LabelLists {
            albums: vec![
                album(3, None, "Art"),
                album(2, Some(1), "Japan <3>"),
                album(1, None, "travel"),
            ],
            tags: vec![("a&b".into(), 2), ("sky".into(), 5)],
        }
    }

    #[test]
    fn album_choices_show_paths_in_order_and_options_escape_them() {
        assert_eq!(
            lists().album_choices(),
            vec![
                (3, "Art".to_string()),
                (1, "travel".to_string()),
                (2, "travel / Japan <3>".to_string()),
            ]
        );
        let options = album_options(&lists(), "None", Some(2));
        assert!(options.starts_with("<option value=\"\">None</option><option value=\"3\">Art"));
        assert!(options.contains("<option value=\"2\" selected>travel / Japan &lt;3&gt;</option>"));
    }

    #[test]
    fn selection_changes_are_the_api_bodies() {
        use imghost_shared::api::albums::{AlbumImagesRequest, TagImagesRequest};
        let ids = [ImageId(4), ImageId(9)];
        let tags = vec![
            TagName::parse("sky").unwrap(),
            TagName::parse("say \"hi\"").unwrap(),
        ];
        let (method, path, query, body) = Change::Tags(true, tags.clone()).request(&ids);
        assert_eq!(
            (method, path, query.as_str()),
            ("POST", routes::TAG_IMAGES, "")
        );
        let sent: TagImagesRequest = serde_json::from_str(&body).unwrap();
        assert_eq!(
            sent,
            TagImagesRequest {
                image_ids: ids.to_vec(),
                add: tags.clone(),
                remove: vec![]
            }
        );
        let (_, _, _, body) = Change::Tags(false, tags.clone()).request(&ids);
        assert_eq!(
            serde_json::from_str::<TagImagesRequest>(&body)
                .unwrap()
                .remove,
            tags
        );
        let (method, path, query, body) = Change::Into(AlbumId(3), Some(AlbumId(7))).request(&ids);
        assert_eq!(
            (method, path, query.as_str()),
            ("POST", routes::ALBUM_IMAGES, "id=3")
        );
        let sent: AlbumImagesRequest = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (sent.add, sent.from_album_id),
            (ids.to_vec(), Some(AlbumId(7)))
        );
        let (_, _, query, body) = Change::OutOf(AlbumId(3)).request(&ids);
        assert_eq!(query, "id=3");
        assert_eq!(
            serde_json::from_str::<AlbumImagesRequest>(&body)
                .unwrap()
                .remove,
            ids.to_vec()
        );
        let (method, path, query, _) = Change::OutOf(AlbumId(3)).request(&ids);
        assert_eq!((method, path), ("POST", routes::ALBUM_IMAGES));
        assert_eq!(query, "id=3");
        let (method, path, query, body) = Change::Cover(AlbumId(3)).request(&ids[1..]);
        assert_eq!(
            (method, path, query.as_str()),
            ("PATCH", routes::ALBUMS, "id=3")
        );
        // The cover and nothing else: no name, parent or share changes.
        let sent: imghost_shared::api::albums::UpdateAlbumRequest =
            serde_json::from_str(&body).unwrap();
        assert_eq!(
            sent,
            imghost_shared::api::albums::UpdateAlbumRequest {
                cover_image_id: Some(Some(ImageId(9))),
                ..Default::default()
            }
        );
    }

    #[test]
    fn the_limit_in_words_is_the_servers() {
        for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Zh] {
            assert!(lang
                .texts()
                .too_many_selected
                .contains(&MAX_BULK_IMAGES.to_string()));
        }
    }

    #[test]
    fn filters_mark_the_chosen_tags() {
        let texts = crate::i18n::Lang::En.texts();
        let html = filters_html(&lists(), texts, None, &[TagName::parse("sky").unwrap()]);
        assert!(html.contains(
            "data-tag=\"sky\" aria-pressed=\"true\">sky<span class=\"chip-count\">5</span>"
        ));
        assert!(html.contains("data-tag=\"a&amp;b\" aria-pressed=\"false\">a&amp;b"));
        assert!(html.contains("<option value=\"\">All albums</option>"));
    }
}
