//! The albums and tags section of the manage page: make albums, rename and
//! move them, share them by link (and stop), delete them; see every tag and
//! delete one from every image. Putting images in albums and tags on images
//! is done on a selection in the gallery.

use crate::app::DataVersion;
use crate::clipboard::{use_copier, Copier};
use crate::confirm::{use_confirm, Confirm};
use crate::dom::{self, Action};
use crate::i18n::{use_lang, Lang};
use crate::settings::{use_settings, Settings};
use crate::toast::{use_toasts, Toasts};
use imghost_shared::api::albums::{
    path_of, Album, AlbumId, AlbumName, CreateAlbumRequest, ShareAlbumRequest, Tag,
    UpdateAlbumRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{Element, FormData};

#[derive(Clone, Copy)]
pub struct AlbumsView {
    albums: RwSignal<Vec<Album>>,
    tags: RwSignal<Vec<Tag>>,
    settings: Settings,
    lang: RwSignal<Lang>,
    confirm: Confirm,
    toasts: Toasts,
    copier: Copier,
    data_version: DataVersion,
}

/// Every album as (id, path), each followed by its sub-albums.
pub fn tree(albums: &[Album]) -> Vec<(AlbumId, String, usize)> {
    fn below(
        albums: &[Album],
        parent: Option<AlbumId>,
        depth: usize,
        out: &mut Vec<(AlbumId, String, usize)>,
    ) {
        for album in albums.iter().filter(|album| album.parent_id == parent) {
            out.push((album.id, path_of(albums, album.id), depth));
            if depth + 1 < imghost_shared::api::albums::MAX_ALBUM_DEPTH {
                below(albums, Some(album.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    below(albums, None, 0, &mut out);
    out
}

impl AlbumsView {
    pub fn new() -> Self {
        Self {
            albums: RwSignal::new(Vec::new()),
            tags: RwSignal::new(Vec::new()),
            settings: use_settings(),
            lang: use_lang(),
            confirm: use_confirm(),
            toasts: use_toasts(),
            copier: use_copier(),
            data_version: expect_context::<DataVersion>(),
        }
    }

    pub fn load(self) {
        let api = self.settings.api();
        spawn_local(async move {
            // Both answers first, then both lists at once: one redraw, so
            // that a name being typed is not wiped by a second.
            let albums = api.albums().await;
            let tags = api.tags().await;
            match albums {
                Ok(answer) => self.albums.set(answer.albums),
                Err(error) => self.toasts.error(error.message(self.lang.get_untracked())),
            }
            if let Ok(answer) = tags {
                self.tags.set(answer.tags);
            }
        });
    }

    /// Runs `change`, says how it went, and lists again.
    fn run(
        self,
        change: impl std::future::Future<Output = Result<(), crate::api::ApiError>> + 'static,
    ) {
        spawn_local(async move {
            let lang = self.lang.get_untracked();
            match change.await {
                Ok(()) => self.toasts.show(lang.manage_texts().album_saved),
                Err(error) => self.toasts.error(error.message(lang)),
            }
            self.data_version.bump();
            self.load();
        });
    }

    pub fn act(self, action: Action) {
        let api = self.settings.api();
        let field = |name: &str| {
            action
                .form
                .as_ref()
                .and_then(|form| FormData::new_with_form(form).ok())
                .and_then(|data| data.get(name).as_string())
                .unwrap_or_default()
        };
        let id = AlbumId::parse(&action.value);
        let mtexts = self.lang.get_untracked().manage_texts();
        match (action.name.as_str(), id) {
            ("create-album", _) => {
                let name = match AlbumName::parse(&field("name")) {
                    Ok(name) => name,
                    Err(why) => return self.toasts.error(why),
                };
                let request = CreateAlbumRequest {
                    name,
                    parent_id: AlbumId::parse(&field("parent")),
                };
                self.run(async move { api.create_album(&request).await.map(drop) });
            }
            ("save-album", Some(id)) => {
                let name = match AlbumName::parse(&field("name")) {
                    Ok(name) => name,
                    Err(why) => return self.toasts.error(why),
                };
                let update = UpdateAlbumRequest {
                    name: Some(name),
                    parent_id: Some(AlbumId::parse(&field("parent"))),
                    ..UpdateAlbumRequest::default()
                };
                self.run(async move { api.update_album(id, &update).await.map(drop) });
            }
            ("remove-cover", Some(id)) => {
                let update = UpdateAlbumRequest {
                    cover_image_id: Some(None),
                    ..UpdateAlbumRequest::default()
                };
                self.run(async move { api.update_album(id, &update).await.map(drop) });
            }
            ("share-album" | "unshare-album", Some(id)) => {
                let share = (action.name == "share-album").then(ShareAlbumRequest::default);
                let update = UpdateAlbumRequest {
                    share: Some(share),
                    ..UpdateAlbumRequest::default()
                };
                self.run(async move { api.update_album(id, &update).await.map(drop) });
            }
            ("copy-link", _) => self.copier.copy(action.value, mtexts.share_album),
            ("delete-album", Some(id)) => {
                self.confirm
                    .ask(mtexts.confirm_delete_album.into(), move || {
                        let api = self.settings.api();
                        self.run(async move { api.delete_album(id).await });
                    });
            }
            ("delete-tag", _) => {
                let name = action.value;
                self.confirm.ask(mtexts.confirm_delete_tag.into(), move || {
                    let api = self.settings.api();
                    let name = name.clone();
                    self.run(async move { api.delete_tag(&name).await });
                });
            }
            _ => {}
        }
    }

    /// `<select name=parent>` of every album but `except` and its own
    /// sub-albums, `selected` chosen.
    fn parent_select(
        parent: &Element,
        tree: &[(AlbumId, String, usize)],
        except: Option<&str>,
        selected: Option<AlbumId>,
        top: &str,
    ) {
        let select = dom::add(parent, "select", "", "");
        dom::set(&select, "name", "parent");
        dom::set(&select, "data-testid", "album-parent");
        dom::add(&select, "option", "", top);
        for (id, path, depth) in tree {
            // Where a move could not go: itself, below itself, too deep.
            let below_itself =
                except.is_some_and(|own| path == own || path.starts_with(&format!("{own}/")));
            if below_itself || *depth + 1 >= imghost_shared::api::albums::MAX_ALBUM_DEPTH {
                continue;
            }
            let option = dom::add(&select, "option", "", path);
            dom::set(&option, "value", &id.to_string());
            if Some(*id) == selected {
                dom::set(&option, "selected", "");
            }
        }
    }

    pub fn draw(self, root: &Element) {
        let lang = self.lang.get();
        let mtexts = lang.manage_texts();
        dom::set(root, "data-testid", "albums");
        let head = dom::add(root, "div", "gallery-head", "");
        dom::add(&head, "h2", "", lang.texts().nav_albums);
        dom::add(root, "p", "hint", mtexts.albums_hint);
        self.albums.with(|albums| {
            let tree = tree(albums);
            let form = dom::add(root, "form", "album-form", "");
            let name = dom::add(&form, "input", "", "");
            for (attribute, value) in [
                ("name", "name"),
                ("required", ""),
                ("maxlength", "100"),
                ("data-testid", "new-album-name"),
            ] {
                dom::set(&name, attribute, value);
            }
            dom::set(&name, "aria-label", mtexts.album_name);
            dom::set(&name, "placeholder", mtexts.album_name);
            Self::parent_select(&form, &tree, None, None, mtexts.top_level);
            dom::button(&form, "small", "create-album", "", mtexts.create_album);

            let list = dom::add(root, "ul", "rows", "");
            if tree.is_empty() {
                dom::add(root, "p", "state", mtexts.no_albums);
            }
            for (id, path, _) in &tree {
                let Some(album) = albums.iter().find(|album| album.id == *id) else {
                    continue;
                };
                let row = dom::add(&list, "li", "row", "");
                dom::set(&row, "data-testid", "album-row");
                if let Some(url) = &album.cover_url {
                    let cover = dom::add(&row, "img", "cover", "");
                    dom::set(&cover, "src", url);
                    dom::set(&cover, "alt", &format!("{}: {path}", mtexts.cover));
                    dom::set(&cover, "data-testid", "album-cover");
                }
                let form = dom::add(&row, "form", "album-form", "");
                let name = dom::add(&form, "input", "", "");
                dom::set(&name, "name", "name");
                dom::set(&name, "value", album.name.as_str());
                dom::set(
                    &name,
                    "aria-label",
                    &format!("{} ({path})", mtexts.album_name),
                );
                dom::set(&name, "data-testid", "album-name");
                Self::parent_select(&form, &tree, Some(path), album.parent_id, mtexts.top_level);
                dom::add(
                    &form,
                    "span",
                    "details",
                    &lang.image_count(album.image_count),
                );
                let value = id.to_string();
                dom::button(&form, "small", "save-album", &value, mtexts.save_album);
                if album.cover_url.is_some() {
                    let remove = mtexts.remove_cover;
                    dom::button(&form, "small secondary", "remove-cover", &value, remove);
                }
                match &album.share {
                    Some(share) => {
                        let link = dom::add(&form, "a", "share-link", &share.url);
                        dom::set(&link, "href", &share.url);
                        dom::set(&link, "data-testid", "share-link");
                        dom::button(
                            &form,
                            "small secondary",
                            "copy-link",
                            &share.url,
                            lang.texts().copy_url,
                        );
                        dom::button(
                            &form,
                            "small secondary",
                            "unshare-album",
                            &value,
                            mtexts.unshare_album,
                        );
                    }
                    None => {
                        dom::button(
                            &form,
                            "small secondary",
                            "share-album",
                            &value,
                            mtexts.share_album,
                        );
                    }
                }
                dom::button(
                    &form,
                    "small danger",
                    "delete-album",
                    &value,
                    mtexts.delete_album,
                );
            }
        });

        let head = dom::add(root, "div", "gallery-head", "");
        dom::add(&head, "h2", "", mtexts.tags_title);
        dom::add(root, "p", "hint", mtexts.tags_hint);
        let list = dom::add(root, "ul", "rows", "");
        self.tags.with(|tags| {
            if tags.is_empty() {
                dom::add(root, "p", "state", mtexts.no_tags);
            }
            for tag in tags {
                let row = dom::add(&list, "li", "row", "");
                dom::set(&row, "data-testid", "tag-row");
                dom::add(&row, "span", "name", tag.name.as_str());
                dom::add(&row, "span", "details", &lang.image_count(tag.image_count));
                dom::button(
                    &row,
                    "small danger",
                    "delete-tag",
                    tag.name.as_str(),
                    mtexts.delete_tag,
                );
            }
        });
    }
}
