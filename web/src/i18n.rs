//! English and Simplified Chinese. Plain strings live in one `Texts` table
//! per language; texts with numbers or names in them, and every decision on
//! word order or punctuation, are methods on `Lang`.

use imghost_shared::api::StatsResponse;
use imghost_shared::image::Rejected;
use imghost_shared::units::format_bytes;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// The language for a browser language tag such as `zh-CN` or `en-GB`.
    pub fn from_browser(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("zh") {
            Self::Zh
        } else {
            Self::En
        }
    }

    /// The value remembered in local storage.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "en" => Some(Self::En),
            "zh" => Some(Self::Zh),
            _ => None,
        }
    }

    /// For `<html lang>` and `toLocaleString`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh-CN",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Zh,
            Self::Zh => Self::En,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::Zh => &ZH,
        }
    }

    pub fn manage_texts(self) -> &'static ManageTexts {
        match self {
            Self::En => &MANAGE_EN,
            Self::Zh => &MANAGE_ZH,
        }
    }

    pub fn image_count(self, count: u64) -> String {
        match (self, count) {
            (Self::En, 1) => "1 image".into(),
            (Self::En, n) => format!("{n} images"),
            (Self::Zh, n) => format!("{n} 张图片"),
        }
    }

    pub fn selected_count(self, count: usize) -> String {
        match self {
            Self::En => format!("{count} selected"),
            Self::Zh => format!("已选 {count} 张"),
        }
    }

    pub fn connected(self, count: u64) -> String {
        match self {
            Self::En => format!("OK: connected, {} stored", self.image_count(count)),
            Self::Zh => format!("连接成功，已存储 {}", self.image_count(count)),
        }
    }

    pub fn copied(self, what: &str) -> String {
        match self {
            Self::En => format!("Copied {what}"),
            Self::Zh => format!("已复制 {what}"),
        }
    }

    pub fn deleted(self, count: usize) -> String {
        match self {
            Self::En => format!("Moved {} to the trash", self.image_count(count as u64)),
            Self::Zh => format!("已将 {count} 张图片移到回收站"),
        }
    }

    pub fn restored(self, count: usize) -> String {
        match self {
            Self::En => format!("Restored {}", self.image_count(count as u64)),
            Self::Zh => format!("已恢复 {count} 张图片"),
        }
    }

    pub fn confirm_revoke(self, name: &str) -> String {
        match self {
            Self::En => format!("Revoke “{name}”? Whatever uses it is refused at once."),
            Self::Zh => format!("吊销“{name}”？使用它的程序将立即被拒绝。"),
        }
    }

    /// Use of a quota: `Storage: 1.2 GB of 9 GB (13%)`.
    pub fn usage(self, label: &str, used: &str, limit: &str, percent: u64) -> String {
        match self {
            Self::En => format!("{label}: {used} of {limit} ({percent}%)"),
            Self::Zh => format!("{label}：{used} / {limit}（{percent}%）"),
        }
    }

    /// `ms` since the epoch as a date and time the way the reader writes them.
    pub fn date_time(self, ms: f64) -> String {
        js_sys::Date::new(&ms.into())
            .to_locale_string(self.tag(), &wasm_bindgen::JsValue::UNDEFINED)
            .as_string()
            .unwrap_or_default()
    }

    pub fn confirm_delete_one(self, name: &str) -> String {
        match self {
            Self::En => format!("Delete “{name}”? Its URL will stop working."),
            Self::Zh => format!("删除“{name}”？它的链接将失效。"),
        }
    }

    pub fn confirm_delete_many(self, count: usize) -> String {
        match self {
            Self::En => format!("Delete {count} images? Their URLs will stop working."),
            Self::Zh => format!("删除 {count} 张图片？它们的链接将失效。"),
        }
    }

    /// Said after a delete question when images are served from a domain
    /// whose cache keeps deleted images.
    pub fn cached_copies(self, host: &str) -> String {
        match self {
            Self::En => format!(
                " Copies cached by Cloudflare at {host} can still be served for up to a year, until you purge that cache."
            ),
            Self::Zh => format!("Cloudflare 在 {host} 缓存的副本在您清除缓存前最长仍可被访问一年。"),
        }
    }

    pub fn no_match(self, search: &str) -> String {
        match self {
            Self::En => format!("No image names contain “{search}”."),
            Self::Zh => format!("没有名称包含“{search}”的图片。"),
        }
    }

    /// What an empty listing says: nothing uploaded yet, or nothing found.
    pub fn empty_gallery(self, search: &str) -> String {
        let search = search.trim();
        if search.is_empty() {
            self.texts().empty.into()
        } else {
            self.no_match(search)
        }
    }

    pub fn select_image(self, name: &str) -> String {
        match self {
            Self::En => format!("Select {name}"),
            Self::Zh => format!("选择 {name}"),
        }
    }

    /// An upload under way: `Uploading 43%`.
    pub fn uploading_percent(self, percent: u32) -> String {
        format!("{} {percent}%", self.texts().uploading)
    }

    /// A file sent as its smaller WebP version: `1.2 MB → 310 KB (WebP)`.
    pub fn converted_size(self, original: u64, webp: u64) -> String {
        format!("{} → {} (WebP)", format_bytes(original), format_bytes(webp))
    }

    /// A file sent as it was, because its WebP version was not smaller.
    pub fn kept_original_size(self, original: u64) -> String {
        let kept = self.texts().kept_original;
        format!("{} ({kept})", format_bytes(original))
    }

    /// The header's counts: images, bytes stored and saved, and the month's
    /// Tinify compressions where the server reports them.
    pub fn stats_line(self, stats: &StatsResponse) -> String {
        let texts = self.texts();
        let amount = |label: &str, bytes: u64| match self {
            Self::En => format!("{} {label}", format_bytes(bytes)),
            Self::Zh => format!("{label} {}", format_bytes(bytes)),
        };
        let mut parts = vec![
            self.image_count(stats.image_count),
            amount(texts.stored, stats.bytes_stored),
            amount(texts.saved, stats.bytes_saved),
        ];
        if let Some(count) = stats.compression_count {
            parts.push(format!("{}: {count}", texts.tinify_this_month));
        }
        let quotas = [
            (
                texts.storage,
                stats.storage,
                format_bytes as fn(u64) -> String,
            ),
            (texts.uploads_today, stats.uploads_today, |n: u64| {
                n.to_string()
            }),
        ];
        for (label, usage, amount) in quotas {
            let Some((usage, limit, percent)) =
                usage.and_then(|u| Some((u, u.limit?, u.percent()?)))
            else {
                continue;
            };
            let mut part = self.usage(label, &amount(usage.used), &amount(limit), percent);
            if usage.needs_warning() {
                part = part + " — " + texts.nearly_full;
            }
            parts.push(part);
        }
        parts.join(" · ")
    }

    /// An error text ending in a colon, followed by the server's detail. With
    /// no detail the colon goes; Chinese puts no space after its `：`.
    pub fn with_detail(self, text: &str, detail: &str) -> String {
        if detail.is_empty() {
            text.trim_end_matches(':')
                .trim_end_matches('：')
                .to_string()
        } else if self == Self::Zh {
            format!("{text}{detail}")
        } else {
            format!("{text} {detail}")
        }
    }

    /// A server error with its status and the server's own message:
    /// `Server error 500: Internal error`.
    pub fn server_error(self, text: &str, status: u16, message: &str) -> String {
        format!("{text} {status}: {message}")
    }

    /// Why a file was refused before upload (`imghost_shared::image::detect`).
    pub fn rejected(self, rejected: Rejected) -> String {
        match (self, rejected) {
            (Self::En, rejected) => rejected.to_string(),
            (Self::Zh, Rejected::Empty) => "文件是空的".into(),
            (Self::Zh, Rejected::Damaged(format)) => {
                format!(
                    "文件看起来像 {} 图片，但文件头已损坏或不完整",
                    format.name()
                )
            }
            (Self::Zh, Rejected::NotAnImage(what)) => format!(
                "只能上传图片（PNG、JPEG、GIF、WebP、AVIF、BMP、ICO）；此文件看起来是 {what}"
            ),
        }
    }

    /// `then_ms` relative to `now_ms`, both milliseconds since the epoch.
    pub fn relative_time(self, now_ms: f64, then_ms: f64) -> String {
        let seconds = ((now_ms - then_ms) / 1000.0).max(0.0);
        let minutes = (seconds / 60.0).round();
        let hours = (seconds / 3600.0).round();
        let days = (seconds / 86_400.0).round();
        let (count, unit) = if seconds < 45.0 {
            return self.texts().just_now.into();
        } else if minutes < 60.0 {
            (minutes.max(1.0), TimeUnit::Minute)
        } else if hours < 24.0 {
            (hours, TimeUnit::Hour)
        } else if days < 30.0 {
            (days, TimeUnit::Day)
        } else if days < 365.0 {
            ((days / 30.4).round().max(1.0), TimeUnit::Month)
        } else {
            ((days / 365.25).round().max(1.0), TimeUnit::Year)
        };
        let count = count as u64;
        match self {
            Self::En => {
                let unit = match unit {
                    TimeUnit::Minute => "minute",
                    TimeUnit::Hour => "hour",
                    TimeUnit::Day => "day",
                    TimeUnit::Month => "month",
                    TimeUnit::Year => "year",
                };
                let plural = if count == 1 { "" } else { "s" };
                format!("{count} {unit}{plural} ago")
            }
            Self::Zh => {
                let unit = match unit {
                    TimeUnit::Minute => "分钟",
                    TimeUnit::Hour => "小时",
                    TimeUnit::Day => "天",
                    TimeUnit::Month => "个月",
                    TimeUnit::Year => "年",
                };
                format!("{count} {unit}前")
            }
        }
    }
}

enum TimeUnit {
    Minute,
    Hour,
    Day,
    Month,
    Year,
}

/// The language chosen for the page, provided as context by the app.
pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// A reactive text from the current language's table, for views:
/// `{t(|t| t.settings)}`.
pub fn t(pick: fn(&'static Texts) -> &'static str) -> impl Fn() -> &'static str + Copy {
    let lang = use_lang();
    move || pick(lang.get().texts())
}

/// Defines a struct of texts, one `&'static str` per name, and its `all`,
/// which lists every field: the translation test cannot miss a new one.
macro_rules! texts {
    ($(#[$doc:meta])* $struct:ident { $($name:ident),* $(,)? }) => {
        $(#[$doc])*
        pub struct $struct {
            $(pub $name: &'static str,)*
        }

        impl $struct {
            /// Every text with the name of its field.
            #[cfg(test)]
            fn all(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name)),*]
            }
        }
    };
}

texts! {
    /// The plain texts of the pages in one language.
    Texts {
        language_name,
        token_link_differs,
        use_new_token,
        tagline,
        settings,
        connection,
        api_url,
        token,
        show,
        hide,
        token_hint,
        test_connection,
        testing,
        save,
        close,
        drop_title,
        drop_hint,
        choose_files,
        shrink,
        max_width,
        sizes,
        sizes_hint,
        quality,
        reading,
        converting,
        converting_heic,
        heic_failed,
        waiting,
        uploading,
        processing,
        uploaded,
        already_uploaded,
        not_uploaded,
        upload_failed,
        kept_original,
        retry,
        clear_finished,
        copy,
        gallery,
        search,
        loading,
        load_more,
        empty,
        try_again,
        open_settings,
        copy_url,
        copy_markdown,
        copy_html,
        copy_linked_thumbnail,
        responsive,
        copy_responsive,
        copy_hugo,
        linked_thumbnail,
        animated,
        open,
        delete,
        select_all,
        clear_selection,
        delete_selected,
        album,
        all_albums,
        tags,
        tags_placeholder,
        add_tags,
        remove_tags,
        choose_album,
        add_to_album,
        move_to_album,
        remove_from_album,
        use_as_cover,
        select_one_for_cover,
        labels_saved,
        upload_album,
        upload_tags,
        no_album,
        too_many_selected,
        cancel,
        just_now,
        stored,
        saved,
        tinify_this_month,
        copy_failed,
        enter_token,
        error_unreachable,
        error_unauthorized,
        error_not_configured,
        error_too_large,
        error_not_an_image,
        error_not_found,
        error_conflict,
        error_too_many,
        error_bad_request,
        error_server,
        error_bad_answer,
        error_forbidden,
        error_quota,
        nav_label,
        nav_images,
        nav_albums,
        nav_tokens,
        nav_trash,
        nav_audit,
        undo,
        empty_trash,
        revoke,
        storage,
        uploads_today,
        nearly_full,
    }
}

texts! {
    /// The texts only the manage page shows, apart so that the main page
    /// does not carry them.
    ManageTexts {
        restore,
        confirm_empty_trash,
        trash_emptied,
        trash_empty,
        trash_hint,
        tokens,
        tokens_hint,
        token_name,
        scopes,
        expires_in_days,
        pick_a_scope,
        create_token,
        new_token_once,
        the_token,
        created,
        expires,
        last_used,
        never,
        expired,
        no_tokens,
        audit_hint,
        audit_empty,
        when,
        token_column,
        action,
        target,
        ip_address,
        user_agent,
        manage_needs_connection,
        albums_hint,
        cover,
        remove_cover,
        album_name,
        parent_album,
        top_level,
        create_album,
        save_album,
        share_album,
        unshare_album,
        delete_album,
        confirm_delete_album,
        no_albums,
        tags_title,
        tags_hint,
        delete_tag,
        confirm_delete_tag,
        no_tags,
        album_saved,
    }
}

pub const EN: Texts = Texts {
    language_name: "English",
    tagline: "your image host",
    settings: "Settings",
    connection: "Connection",
    api_url: "API address",
    token: "Admin token",
    show: "Show",
    hide: "Hide",
    token_hint: "Kept in this browser only.",
    test_connection: "Test connection",
    testing: "Testing…",
    save: "Save",
    close: "Close",
    drop_title: "Drop images here",
    drop_hint: "or paste one (Ctrl+V / ⌘V), or",
    choose_files: "Choose files",
    shrink: "Shrink to WebP before upload",
    max_width: "Max width (px)",
    sizes: "srcset sizes",
    sizes_hint: "How wide your blog shows an image, for the responsive snippet's sizes attribute",
    quality: "Quality",
    reading: "Reading…",
    converting: "Converting to WebP…",
    converting_heic: "Converting the HEIC photo…",
    heic_failed: "This HEIC photo could not be converted:",
    waiting: "Waiting…",
    uploading: "Uploading",
    processing: "Processing…",
    uploaded: "Uploaded",
    already_uploaded: "Already uploaded",
    not_uploaded: "Not uploaded",
    upload_failed: "Upload failed",
    kept_original: "original kept: WebP was not smaller",
    retry: "Retry",
    clear_finished: "Clear finished",
    copy: "Copy",
    gallery: "Your images",
    search: "Search by name",
    loading: "Loading…",
    load_more: "Load more",
    empty: "No images yet. Drop one above to get started.",
    try_again: "Try again",
    open_settings: "Open settings",
    copy_url: "Copy URL",
    copy_markdown: "Copy Markdown",
    copy_html: "Copy HTML",
    copy_linked_thumbnail: "Copy Markdown of the thumbnail, linking to the image",
    responsive: "Responsive HTML",
    copy_responsive: "Copy HTML with a srcset: each reader gets the width their screen needs",
    copy_hugo: "Copy the Hugo shortcode with the srcset",
    linked_thumbnail: "Markdown (linked thumbnail)",
    animated: "Animated",
    open: "Open",
    delete: "Delete",
    select_all: "Select all",
    clear_selection: "Clear selection",
    delete_selected: "Delete selected",
    album: "Album",
    all_albums: "All albums",
    tags: "Tags",
    tags_placeholder: "tags, comma-separated",
    add_tags: "Add tags",
    remove_tags: "Remove tags",
    choose_album: "Choose an album",
    add_to_album: "Add to album",
    move_to_album: "Move to album",
    remove_from_album: "Remove from this album",
    use_as_cover: "Use as album cover",
    select_one_for_cover: "Select one image of this album to make it the cover",
    labels_saved: "Saved. Links are unchanged.",
    upload_album: "Album for new uploads",
    upload_tags: "Tags for new uploads",
    no_album: "No album",
    too_many_selected: "Select at most 500 images to change their albums or tags",
    cancel: "Cancel",
    token_link_differs: "This link carries an admin token different from the one saved in this browser. Use the link's token instead?",
    use_new_token: "Use the new token",
    just_now: "just now",
    stored: "stored",
    saved: "saved by compression",
    tinify_this_month: "Tinify compressions this month",
    copy_failed: "Could not copy: the browser refused access to the clipboard",
    enter_token: "Enter the admin token in Settings to see your images.",
    error_unreachable:
        "Cannot reach the server. Check the API address and that the server is running.",
    error_unauthorized: "Wrong token: the server refused the admin token. Check it in Settings.",
    error_not_configured: "The server is not set up yet:",
    error_too_large: "The file is too large for this server.",
    error_not_an_image: "The server refused the file:",
    error_not_found: "Not found: it may have been deleted already.",
    error_conflict: "It clashes with what is stored:",
    error_too_many: "Too many requests; wait a moment and try again.",
    error_bad_request: "The server refused the request:",
    error_server: "Server error",
    error_bad_answer: "The server's answer was not understood. Is the API address right?",
    error_forbidden: "This token may not do that:",
    error_quota: "Storage is full:",
    nav_label: "Sections",
    nav_tokens: "API tokens",
    nav_images: "Images",
    nav_albums: "Albums",
    nav_trash: "Trash",
    nav_audit: "Audit log",
    undo: "Undo",
    empty_trash: "Empty trash",
    revoke: "Revoke",
    storage: "Storage",
    uploads_today: "Uploads today",
    nearly_full: "nearly used up",
};

pub const MANAGE_EN: ManageTexts = ManageTexts {
    manage_needs_connection: "No token is saved in this browser: save the API address and token on the main page first.",
    albums_hint: "Albums and tags are labels only: moving, renaming or deleting them never changes an image's URL. Albums nest three levels deep. For a cover, show the album in the gallery, select one image and choose Use as album cover.",
    cover: "Cover",
    remove_cover: "Remove cover",
    album_name: "Album name",
    parent_album: "Inside",
    top_level: "Top level",
    create_album: "Create album",
    save_album: "Save",
    share_album: "Share by link",
    unshare_album: "Stop sharing",
    delete_album: "Delete album",
    confirm_delete_album: "Delete this album? Its images stay in your library, under the same URLs.",
    no_albums: "No albums yet.",
    tags_title: "Tags",
    tags_hint: "Deleting a tag takes it off every image; the images stay.",
    delete_tag: "Delete tag",
    confirm_delete_tag: "Delete this tag from every image?",
    no_tags: "No tags yet: add them to a selection in the gallery.",
    album_saved: "Saved. Links are unchanged.",
    restore: "Restore",
    confirm_empty_trash: "Delete everything in the trash for good? This cannot be undone.",
    trash_emptied: "The trash is empty now.",
    trash_empty: "The trash is empty.",
    trash_hint: "Deleted images wait here, their URLs answering 404, until restored or deleted for good after a few days.",
    tokens: "API tokens",
    tokens_hint: "Give each app its own token with only the scopes it needs: upload alone for an editor.",
    token_name: "Name",
    scopes: "Scopes",
    expires_in_days: "Expires after (days; empty: never)",
    pick_a_scope: "Tick at least one scope.",
    create_token: "Create token",
    new_token_once: "Copy the new token now: it is shown only this once.",
    the_token: "the token",
    created: "Created",
    expires: "Expires",
    last_used: "Last used",
    never: "never",
    expired: "expired",
    no_tokens: "No tokens yet.",
    audit_hint: "Every change: who made it, from where, newest first.",
    audit_empty: "Nothing recorded yet.",
    when: "When",
    token_column: "Token",
    action: "Action",
    target: "Target",
    ip_address: "IP address",
    user_agent: "User agent",
};

pub const ZH: Texts = Texts {
    language_name: "中文",
    tagline: "你的图床",
    settings: "设置",
    connection: "连接",
    api_url: "API 地址",
    token: "管理令牌",
    show: "显示",
    hide: "隐藏",
    token_hint: "只保存在此浏览器中。",
    test_connection: "测试连接",
    testing: "正在测试…",
    save: "保存",
    close: "关闭",
    drop_title: "把图片拖到这里",
    drop_hint: "或直接粘贴（Ctrl+V / ⌘V），或",
    choose_files: "选择文件",
    shrink: "上传前压缩为 WebP",
    max_width: "最大宽度（像素）",
    sizes: "srcset 尺寸",
    sizes_hint: "博客中图片的显示宽度，用于响应式代码的 sizes 属性",
    quality: "质量",
    reading: "正在读取…",
    converting: "正在转换为 WebP…",
    converting_heic: "正在转换 HEIC 照片…",
    heic_failed: "无法转换此 HEIC 照片：",
    waiting: "等待中…",
    uploading: "正在上传",
    processing: "服务器处理中…",
    uploaded: "已上传",
    already_uploaded: "之前已上传过",
    not_uploaded: "未上传",
    upload_failed: "上传失败",
    kept_original: "保留原图：WebP 没有更小",
    retry: "重试",
    clear_finished: "清除已完成",
    copy: "复制",
    gallery: "我的图片",
    search: "按名称搜索",
    loading: "加载中…",
    load_more: "加载更多",
    empty: "还没有图片。把图片拖到上方即可开始。",
    try_again: "重试",
    open_settings: "打开设置",
    copy_url: "复制 URL",
    copy_markdown: "复制 Markdown",
    copy_html: "复制 HTML",
    copy_linked_thumbnail: "复制缩略图的 Markdown，点击可打开原图",
    responsive: "响应式 HTML",
    copy_responsive: "复制带 srcset 的 HTML：每位读者只下载其屏幕所需的宽度",
    copy_hugo: "复制带 srcset 的 Hugo 短代码",
    linked_thumbnail: "Markdown（带链接的缩略图）",
    animated: "动图",
    open: "打开",
    delete: "删除",
    select_all: "全选",
    clear_selection: "取消选择",
    delete_selected: "删除所选",
    album: "相册",
    all_albums: "全部相册",
    tags: "标签",
    tags_placeholder: "标签，用逗号分隔",
    add_tags: "添加标签",
    remove_tags: "移除标签",
    choose_album: "选择相册",
    add_to_album: "加入相册",
    move_to_album: "移到相册",
    remove_from_album: "移出此相册",
    use_as_cover: "设为相册封面",
    select_one_for_cover: "选中此相册中的一张图片，设为封面",
    labels_saved: "已保存，链接不变。",
    upload_album: "新上传的相册",
    upload_tags: "新上传的标签",
    no_album: "不放入相册",
    too_many_selected: "一次最多为 500 张图片修改相册或标签",
    cancel: "取消",
    token_link_differs: "此链接带有的管理令牌与本浏览器保存的不同。改用链接中的令牌吗？",
    use_new_token: "使用新令牌",
    just_now: "刚刚",
    stored: "已存储",
    saved: "压缩节省",
    tinify_this_month: "本月 Tinify 压缩次数",
    copy_failed: "无法复制：浏览器拒绝访问剪贴板",
    enter_token: "请在设置中填写管理令牌，即可看到你的图片。",
    error_unreachable: "无法连接服务器。请检查 API 地址以及服务器是否在运行。",
    error_unauthorized: "令牌错误：服务器拒绝了管理令牌。请在设置中检查。",
    error_not_configured: "服务器尚未配置：",
    error_too_large: "文件太大，超过了服务器的上限。",
    error_not_an_image: "服务器拒绝了此文件：",
    error_not_found: "未找到：可能已被删除。",
    error_conflict: "与已存储的内容冲突：",
    error_too_many: "请求过多，请稍后再试。",
    error_bad_request: "服务器拒绝了请求：",
    error_server: "服务器错误",
    error_bad_answer: "无法理解服务器的回应。API 地址正确吗？",
    error_forbidden: "此令牌无权执行此操作：",
    error_quota: "存储空间已满：",
    nav_label: "栏目",
    nav_tokens: "API 令牌",
    nav_images: "图片",
    nav_albums: "相册",
    nav_trash: "回收站",
    nav_audit: "审计日志",
    undo: "撤销",
    empty_trash: "清空回收站",
    revoke: "吊销",
    storage: "存储空间",
    uploads_today: "今日上传",
    nearly_full: "即将用完",
};

pub const MANAGE_ZH: ManageTexts = ManageTexts {
    manage_needs_connection: "此浏览器中没有保存令牌：请先在主页面保存 API 地址和令牌。",
    albums_hint: "相册和标签只是标记：移动、重命名或删除它们都不会改变图片的 URL。相册最多三层。要设封面，在图库中显示该相册，选中一张图片，再选“设为相册封面”。",
    cover: "封面",
    remove_cover: "移除封面",
    album_name: "相册名称",
    parent_album: "位于",
    top_level: "顶层",
    create_album: "新建相册",
    save_album: "保存",
    share_album: "通过链接分享",
    unshare_album: "停止分享",
    delete_album: "删除相册",
    confirm_delete_album: "删除这个相册？其中的图片仍留在图库中，URL 不变。",
    no_albums: "还没有相册。",
    tags_title: "标签",
    tags_hint: "删除标签会把它从所有图片上移除，图片本身保留。",
    delete_tag: "删除标签",
    confirm_delete_tag: "从所有图片上删除这个标签？",
    no_tags: "还没有标签：在图库中为选中的图片添加。",
    album_saved: "已保存，链接不变。",
    restore: "恢复",
    confirm_empty_trash: "永久删除回收站中的所有内容？此操作无法撤销。",
    trash_emptied: "回收站已清空。",
    trash_empty: "回收站是空的。",
    trash_hint: "删除的图片在这里等待恢复（期间其 URL 返回 404），几天后将被永久删除。",
    tokens: "API 令牌",
    tokens_hint: "为每个程序单独创建令牌，只给它需要的权限：编辑器只需 upload。",
    token_name: "名称",
    scopes: "权限",
    expires_in_days: "有效期（天；留空为永久）",
    pick_a_scope: "请至少勾选一项权限。",
    create_token: "创建令牌",
    new_token_once: "请立即复制新令牌：它只显示这一次。",
    the_token: "令牌",
    created: "创建于",
    expires: "过期",
    last_used: "最近使用",
    never: "从不",
    expired: "已过期",
    no_tokens: "还没有令牌。",
    audit_hint: "每一次更改：由谁、从哪里做出，最新的在前。",
    audit_empty: "还没有记录。",
    when: "时间",
    token_column: "令牌",
    action: "操作",
    target: "对象",
    ip_address: "IP 地址",
    user_agent: "用户代理",
};

#[cfg(test)]
mod tests {
    use super::*;
    use imghost_shared::api::Usage;
    use imghost_shared::image::ImageFormat;

    const MINUTE: f64 = 60_000.0;
    const HOUR: f64 = 60.0 * MINUTE;
    const DAY: f64 = 24.0 * HOUR;

    #[test]
    fn browser_language_picks_chinese_for_any_zh_tag() {
        for tag in ["zh", "zh-CN", "zh-Hans-CN", "ZH-tw", " zh"] {
            assert_eq!(Lang::from_browser(tag), Lang::Zh, "{tag}");
        }
        for tag in ["en-US", "de", "", "ja-JP"] {
            assert_eq!(Lang::from_browser(tag), Lang::En, "{tag}");
        }
    }

    #[test]
    fn stored_code_round_trips() {
        for lang in [Lang::En, Lang::Zh] {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::En.other(), Lang::Zh);
    }

    #[test]
    fn relative_time_in_both_languages() {
        let now = 1_764_288_000_000.0;
        for (ago, en, zh) in [
            (0.0, "just now", "刚刚"),
            (-5000.0, "just now", "刚刚"),
            (44_000.0, "just now", "刚刚"),
            (50_000.0, "1 minute ago", "1 分钟前"),
            (5.0 * MINUTE, "5 minutes ago", "5 分钟前"),
            (59.0 * MINUTE, "59 minutes ago", "59 分钟前"),
            (90.0 * MINUTE, "2 hours ago", "2 小时前"),
            (HOUR, "1 hour ago", "1 小时前"),
            (23.0 * HOUR, "23 hours ago", "23 小时前"),
            (DAY, "1 day ago", "1 天前"),
            (3.0 * DAY, "3 days ago", "3 天前"),
            (45.0 * DAY, "1 month ago", "1 个月前"),
            (200.0 * DAY, "7 months ago", "7 个月前"),
            (800.0 * DAY, "2 years ago", "2 年前"),
        ] {
            assert_eq!(Lang::En.relative_time(now, now - ago), en, "{ago}");
            assert_eq!(Lang::Zh.relative_time(now, now - ago), zh, "{ago}");
        }
    }

    #[test]
    fn counts_are_worded_per_language() {
        assert_eq!(Lang::En.image_count(1), "1 image");
        assert_eq!(Lang::En.image_count(0), "0 images");
        assert_eq!(Lang::Zh.image_count(12), "12 张图片");
        assert_eq!(Lang::En.deleted(3), "Moved 3 images to the trash");
        assert_eq!(Lang::En.restored(1), "Restored 1 image");
        assert_eq!(
            Lang::En.usage("Storage", "8 GB", "9 GB", 88),
            "Storage: 8 GB of 9 GB (88%)"
        );
        assert_eq!(Lang::Zh.selected_count(2), "已选 2 张");
    }

    #[test]
    fn refusals_are_explained_in_both_languages() {
        let text = Rejected::NotAnImage("plain text (text/plain)");
        assert_eq!(
            Lang::En.rejected(text),
            "Only images can be uploaded (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO); \
             this file looks like plain text (text/plain)"
        );
        assert!(Lang::Zh.rejected(text).contains("text/plain"));
        assert!(Lang::Zh
            .rejected(Rejected::Damaged(ImageFormat::Png))
            .contains("PNG"));
    }

    #[test]
    fn stats_line_in_both_languages() {
        let mut stats = StatsResponse {
            success: true,
            image_count: 12,
            bytes_stored: 3 * 1024 * 1024 + 400 * 1024,
            bytes_saved: 1536,
            compression_count: None,
            warnings: vec![],
            wasm_memory_bytes: None,
            trash_count: 0,
            trash_bytes: 0,
            storage: None,
            uploads_today: None,
        };
        assert_eq!(
            Lang::En.stats_line(&stats),
            "12 images · 3.4 MB stored · 1.5 KB saved by compression"
        );
        stats.compression_count = Some(37);
        assert_eq!(
            Lang::Zh.stats_line(&stats),
            "12 张图片 · 已存储 3.4 MB · 压缩节省 1.5 KB · 本月 Tinify 压缩次数: 37"
        );
        stats.storage = Some(Usage {
            used: 900,
            limit: Some(1000),
        });
        stats.uploads_today = Some(Usage {
            used: 3,
            limit: None,
        });
        assert_eq!(
            Lang::En.stats_line(&stats),
            "12 images · 3.4 MB stored · 1.5 KB saved by compression · \
             Tinify compressions this month: 37 · \
             Storage: 900 B of 1000 B (90%) — nearly used up"
        );
    }

    #[test]
    fn details_follow_the_text_or_the_colon_goes() {
        let en = EN.error_not_an_image;
        let zh = ZH.error_not_an_image;
        assert_eq!(
            Lang::En.with_detail(en, "looks like a PDF"),
            "The server refused the file: looks like a PDF"
        );
        assert_eq!(
            Lang::Zh.with_detail(zh, "looks like a PDF"),
            "服务器拒绝了此文件：looks like a PDF"
        );
        assert_eq!(Lang::En.with_detail(en, ""), "The server refused the file");
        assert_eq!(Lang::Zh.with_detail(zh, ""), "服务器拒绝了此文件");
        assert_eq!(Lang::En.with_detail("Server error", ""), "Server error");
    }

    #[test]
    fn server_errors_carry_status_and_message() {
        assert_eq!(
            Lang::En.server_error(EN.error_server, 500, "Internal error"),
            "Server error 500: Internal error"
        );
        assert_eq!(
            Lang::Zh.server_error(ZH.error_server, 502, "HTTP 502"),
            "服务器错误 502: HTTP 502"
        );
    }

    #[test]
    fn upload_sizes_and_progress() {
        assert_eq!(Lang::En.uploading_percent(43), "Uploading 43%");
        assert_eq!(Lang::Zh.uploading_percent(100), "正在上传 100%");
        assert_eq!(
            Lang::En.converted_size(2_000_000, 300 * 1024),
            "1.9 MB → 300 KB (WebP)"
        );
        assert_eq!(
            Lang::Zh.kept_original_size(1536),
            "1.5 KB (保留原图：WebP 没有更小)"
        );
    }

    #[test]
    fn an_empty_gallery_says_whether_a_search_found_nothing() {
        assert_eq!(Lang::En.empty_gallery(" "), EN.empty);
        assert_eq!(
            Lang::En.empty_gallery(" cat "),
            "No image names contain “cat”."
        );
        assert_eq!(Lang::Zh.empty_gallery("猫"), "没有名称包含“猫”的图片。");
    }

    /// Names and marks that stay as they are in both languages.
    const KEPT_AS_IS: [&str; 8] = [
        "WebP", "API", "URL", "Markdown", "HTML", "Tinify", "Ctrl+V", "⌘V",
    ];

    /// A text's closing punctuation, full-width marks read as their ASCII
    /// twins. `with_detail` relies on both languages' colons matching.
    fn closing_mark(text: &str) -> Option<char> {
        match text.chars().last()? {
            ':' | '：' => Some(':'),
            '.' | '。' => Some('.'),
            '?' | '？' => Some('?'),
            '!' | '！' => Some('!'),
            '…' => Some('…'),
            _ => None,
        }
    }

    #[test]
    fn every_text_is_translated() {
        let pairs = EN.all().into_iter().zip(ZH.all());
        let manage = MANAGE_EN.all().into_iter().zip(MANAGE_ZH.all());
        for ((name, english), (_, chinese)) in pairs.chain(manage) {
            assert!(!english.trim().is_empty(), "{name}: no English text");
            assert!(!chinese.trim().is_empty(), "{name}: no Chinese text");
            assert_ne!(english, chinese, "{name}: not translated");
            assert_eq!(
                closing_mark(english),
                closing_mark(chinese),
                "{name}: ends differently"
            );
            for term in KEPT_AS_IS {
                assert_eq!(
                    english.contains(term),
                    chinese.contains(term),
                    "{name}: “{term}” in one language only"
                );
            }
        }
    }
}
