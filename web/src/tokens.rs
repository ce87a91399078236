//! Settings → API tokens: the live tokens, a form that creates one (its
//! secret shown this once, with a copy button), and revoking.

use crate::api::ApiError;
use crate::app::use_clock;
use crate::clipboard::use_copier;
use crate::confirm::use_confirm;
use crate::dom::{self, Action};
use crate::i18n::{use_lang, ManageTexts};
use crate::settings::use_settings;
use crate::toast::use_toasts;
use imghost_shared::api::{CreateTokenRequest, Scope, TokenInfo, TokenName};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use web_sys::{Element, FormData, HtmlFormElement};

const DAY_MS: f64 = 86_400_000.0;

/// The token list and the form; nothing without a saved token. The list
/// loads when the panel opens (saving a connection closes it).
pub fn section() -> impl IntoView {
    let settings = use_settings();
    let lang = use_lang();
    let clock = use_clock();
    let confirm = use_confirm();
    let toasts = use_toasts();
    let copier = use_copier();
    let signed_in = !settings.connection.with_untracked(|c| c.token.is_empty());
    let tokens = RwSignal::new(None::<Result<Vec<TokenInfo>, ApiError>>);
    // The new token's secret, shown until closed: the server keeps none.
    let secret = RwSignal::new(None::<String>);
    // Why the form's token was not made.
    let problem = RwSignal::new(None::<String>);
    let reload = move || {
        let api = settings.api();
        spawn_local(async move { tokens.set(Some(api.tokens().await.map(|list| list.tokens))) });
    };
    if signed_in {
        reload();
    }

    let revoke = move |name: TokenName| {
        let text = lang.get_untracked().confirm_revoke(name.as_str());
        confirm.ask_to(
            text,
            |t| t.revoke,
            move || {
                let (api, name) = (settings.api(), name.clone());
                spawn_local(async move {
                    if let Err(error) = api.revoke_token(name).await {
                        toasts.error(error.message(lang.get_untracked()));
                    }
                    reload();
                });
            },
        );
    };
    let create = move |form: HtmlFormElement| {
        let texts = lang.get_untracked().manage_texts();
        let request = match request_of(&form, texts) {
            Ok(request) => request,
            Err(why) => return problem.set(Some(why)),
        };
        let api = settings.api();
        spawn_local(async move {
            match api.create_token(&request).await {
                Ok(answer) => {
                    problem.set(None);
                    form.reset();
                    secret.set(Some(answer.token));
                    reload();
                }
                Err(error) => problem.set(Some(error.message(lang.get_untracked()))),
            }
        });
    };
    let act = move |action: Action| match (action.name.as_str(), action.form) {
        ("revoke", _) => {
            if let Ok(name) = TokenName::parse(&action.value) {
                revoke(name);
            }
        }
        ("copy-token", _) => {
            let what = lang.get_untracked().manage_texts().the_token;
            copier.copy(secret.get_untracked().unwrap_or_default(), what);
        }
        ("close-token", _) => secret.set(None),
        ("create-token", Some(form)) => create(form),
        _ => {}
    };
    let draw_list = move |root: &Element| {
        let lang = lang.get();
        let texts = lang.texts();
        let mtexts = lang.manage_texts();
        let now = clock.now.get_untracked();
        dom::add(root, "h2", "", mtexts.tokens);
        dom::add(root, "p", "hint", mtexts.tokens_hint);
        if let Some(secret) = secret.get() {
            let shown = dom::add(root, "div", "new-token", "");
            dom::set(&shown, "role", "status");
            dom::add(&shown, "p", "", mtexts.new_token_once);
            let row = dom::add(&shown, "span", "token-row", "");
            let input = dom::add(&row, "input", "", "");
            for (name, value) in [
                ("readonly", ""),
                ("data-testid", "new-token"),
                ("value", &secret),
            ] {
                dom::set(&input, name, value);
            }
            dom::button(&row, "", "copy-token", "", texts.copy);
            dom::button(&row, "secondary", "close-token", "", texts.close);
        }
        tokens.with(|answer| match answer {
            None => {}
            Some(Err(error)) => {
                let text = dom::add(root, "p", "error", &error.message(lang));
                dom::set(&text, "data-testid", "tokens-error");
            }
            Some(Ok(list)) if list.is_empty() => {
                dom::add(root, "p", "hint", mtexts.no_tokens);
            }
            Some(Ok(list)) => draw_table(root, list, lang, now),
        });
        if let Some(why) = problem.get() {
            let text = dom::add(root, "p", "error", &why);
            dom::set(&text, "data-testid", "token-problem");
        }
    };
    let draw_form = move |root: &Element| draw_form(root, lang.get().manage_texts());
    signed_in.then(|| {
        let act = Rc::new(act);
        view! {
            <div class="tokens" data-testid="tokens">
                {dom::view("", Rc::new(draw_list), act.clone())}
                {dom::view("", Rc::new(draw_form), act)}
            </div>
        }
    })
}

fn draw_table(root: &Element, list: &[TokenInfo], lang: crate::i18n::Lang, now: f64) {
    let texts = lang.texts();
    let mtexts = lang.manage_texts();
    let head = [
        mtexts.token_name,
        mtexts.scopes,
        mtexts.created,
        mtexts.expires,
        mtexts.last_used,
        "",
    ];
    let body = dom::table(root, "token-table", &head);
    for token in list {
        let row = dom::add(&body, "tr", "", "");
        dom::set(&row, "data-testid", "token-row");
        let mut expires = match token.expires_at {
            Some(at) => lang.date_time(at as f64),
            None => mtexts.never.into(),
        };
        if token.expired(now as i64) {
            expires = expires + " · " + mtexts.expired;
            row.set_class_name("expired");
        }
        let last_used = match token.last_used_at {
            Some(at) => lang.relative_time(now, at as f64),
            None => mtexts.never.into(),
        };
        let scopes: Vec<&str> = token.scopes.iter().map(|scope| scope.as_str()).collect();
        let name = token.name.as_str();
        for (id, text) in [
            ("token-name", name),
            ("token-scopes", &scopes.join(", ")),
            ("token-created", &lang.date_time(token.created_at as f64)),
            ("token-expires", &expires),
            ("token-last-used", &last_used),
        ] {
            dom::set(&dom::add(&row, "td", "", text), "data-testid", id);
        }
        let cell = dom::add(&row, "td", "", "");
        dom::button(&cell, "small danger", "revoke", name, texts.revoke);
    }
}

/// The form that creates a token: name, scopes (upload ticked), days to
/// expiry, and its button.
fn draw_form(root: &Element, mtexts: &ManageTexts) {
    let form = dom::add(root, "form", "create-token", "");
    let field = |label: &str, name: &str, kind: &str, testid: &str| {
        let field = dom::add(&form, "label", "field", "");
        dom::add(&field, "span", "", label);
        let input = dom::add(&field, "input", "", "");
        dom::set(&input, "name", name);
        dom::set(&input, "type", kind);
        dom::set(&input, "data-testid", testid);
        input
    };
    let name = field(mtexts.token_name, "name", "text", "token-name-input");
    for (attribute, value) in [
        ("required", ""),
        ("maxlength", "64"),
        ("spellcheck", "false"),
    ] {
        dom::set(&name, attribute, value);
    }
    let scopes = dom::add(&form, "fieldset", "scopes", "");
    dom::add(&scopes, "legend", "", mtexts.scopes);
    for scope in Scope::ALL {
        let label = dom::add(&scopes, "label", "", "");
        let input = dom::add(&label, "input", "", "");
        for (attribute, value) in [
            ("type", "checkbox"),
            ("name", "scope"),
            ("value", scope.as_str()),
            ("data-testid", &(String::from("scope-") + scope.as_str())),
        ] {
            dom::set(&input, attribute, value);
        }
        if scope == Scope::Upload {
            dom::set(&input, "checked", "");
        }
        dom::add(&label, "span", "", scope.as_str());
    }
    let days = field(mtexts.expires_in_days, "days", "number", "token-days");
    dom::set(&days, "min", "1");
    let actions = dom::add(&form, "div", "actions", "");
    dom::button(&actions, "", "create-token", "", mtexts.create_token);
}

/// What the form asks for, read from its fields.
fn request_of(form: &HtmlFormElement, mtexts: &ManageTexts) -> Result<CreateTokenRequest, String> {
    let data = FormData::new_with_form(form).map_err(|_| String::new())?;
    let field = |name: &str| data.get(name).as_string().unwrap_or_default();
    let ticked: Vec<String> = data
        .get_all("scope")
        .iter()
        .filter_map(|scope| scope.as_string())
        .collect();
    // In the order of `Scope::ALL`, as the server keeps them.
    let scopes: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|scope| ticked.iter().any(|ticked| ticked == scope.as_str()))
        .collect();
    if scopes.is_empty() {
        return Err(mtexts.pick_a_scope.into());
    }
    let expires_at = match field("days").trim() {
        "" => None,
        days => match days.parse::<f64>() {
            Ok(days) if days > 0.0 => Some((js_sys::Date::now() + days * DAY_MS) as i64),
            _ => return Err(mtexts.expires_in_days.into()),
        },
    };
    Ok(CreateTokenRequest {
        name: TokenName::parse(&field("name"))?,
        scopes,
        expires_at,
    })
}
