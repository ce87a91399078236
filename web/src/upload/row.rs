//! One file's row: thumbnail, name, sizes and status, then progress, the
//! links once uploaded, or why it failed with a retry button.

use super::queue::{Stage, UploadItem};
use super::use_uploads;
use crate::i18n::{t, use_lang};
use crate::snippets::SnippetFields;
use imghost_shared::units::format_bytes;
use leptos::prelude::*;

#[component]
pub fn UploadRow(item: UploadItem) -> impl IntoView {
    let lang = use_lang();
    let sizes = move || {
        let lang = lang.get();
        match item.sending.get() {
            Some(sending) if sending.converted => {
                lang.converted_size(item.size.get(), sending.size)
            }
            Some(sending) if sending.kept_original => lang.kept_original_size(item.size.get()),
            _ => format_bytes(item.size.get()),
        }
    };
    let status = move || {
        let lang = lang.get();
        let texts = lang.texts();
        match item.stage.get() {
            Stage::Reading => texts.reading.to_string(),
            Stage::Decoding => texts.converting_heic.to_string(),
            Stage::Queued => texts.waiting.to_string(),
            Stage::Converting => texts.converting.to_string(),
            Stage::Uploading(sent) if sent >= 1.0 => texts.processing.to_string(),
            Stage::Uploading(sent) => lang.uploading_percent(percent(sent)),
            Stage::Done(answer) if answer.duplicate => texts.already_uploaded.to_string(),
            Stage::Done(_) => texts.uploaded.to_string(),
            Stage::Refused(_) | Stage::Undecodable(_) => texts.not_uploaded.to_string(),
            Stage::Failed(_) => texts.upload_failed.to_string(),
        }
    };
    // Re-render the body and class only when the kind of stage changes, not
    // on every progress event.
    let phase = Memo::new(move |_| item.stage.with(Phase::of));
    let state_class = move || match phase.get() {
        Phase::Done => "upload-row done",
        Phase::Failed => "upload-row failed",
        Phase::Waiting | Phase::Uploading => "upload-row",
    };
    let name = move || item.upload_name();
    let body = move || match phase.get() {
        Phase::Waiting => ().into_any(),
        Phase::Uploading => view! { <RowProgress item /> }.into_any(),
        Phase::Done => view! { <RowResult item /> }.into_any(),
        Phase::Failed => view! { <RowError item /> }.into_any(),
    };

    view! {
        <li class=state_class data-testid="upload-row">
            <div class="thumb">
                {move || item.preview.get().map(|url| view! { <img src=url alt="" /> })}
            </div>
            <div class="upload-main">
                <div class="upload-head">
                    <span class="name" data-testid="upload-name" title=name>{name}</span>
                    <span class="status" data-testid="upload-status">{status}</span>
                </div>
                <div class="sizes" data-testid="upload-size">{sizes}</div>
                {body}
            </div>
        </li>
    }
}

#[component]
fn RowProgress(item: UploadItem) -> impl IntoView {
    let sent_percent = move || match item.stage.get() {
        Stage::Uploading(sent) => percent(sent),
        _ => 0,
    };
    view! {
        <progress
            data-testid="upload-progress"
            max="100"
            value=sent_percent
            aria-label=t(|t| t.uploading)
        ></progress>
    }
}

/// The uploaded image's links, ready to copy.
#[component]
fn RowResult(item: UploadItem) -> impl IntoView {
    let image = item.stage.with_untracked(|stage| match stage {
        Stage::Done(answer) => Some(answer.image.clone()),
        _ => None,
    });
    image.map(|image| {
        view! {
            <div class="snippets" data-testid="upload-result">
                <SnippetFields image />
            </div>
        }
    })
}

/// Why the file was refused or failed; failed uploads can be retried.
#[component]
fn RowError(item: UploadItem) -> impl IntoView {
    let uploads = use_uploads();
    let lang = use_lang();
    let message = move || match item.stage.get() {
        Stage::Refused(rejected) => lang.get().rejected(rejected),
        Stage::Undecodable(why) => lang.get().with_detail(lang.get().texts().heic_failed, &why),
        Stage::Failed(error) => error.message(lang.get()),
        _ => String::new(),
    };
    let can_retry = item
        .stage
        .with_untracked(|stage| matches!(stage, Stage::Failed(_)));
    view! {
        <p class="error" role="alert" data-testid="upload-error">{message}</p>
        {can_retry.then(|| view! {
            <button
                type="button"
                class="small"
                data-testid="retry"
                on:click=move |_| uploads.retry(item)
            >
                {t(|t| t.retry)}
            </button>
        })}
    }
}

/// `0.426` → `43`.
fn percent(fraction: f64) -> u32 {
    (fraction.clamp(0.0, 1.0) * 100.0).round() as u32
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Waiting,
    Uploading,
    Done,
    Failed,
}

impl Phase {
    fn of(stage: &Stage) -> Self {
        match stage {
            Stage::Reading | Stage::Decoding | Stage::Queued | Stage::Converting => Self::Waiting,
            Stage::Uploading(_) => Self::Uploading,
            Stage::Done(_) => Self::Done,
            Stage::Refused(_) | Stage::Undecodable(_) | Stage::Failed(_) => Self::Failed,
        }
    }
}
