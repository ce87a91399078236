//! `imghost login`: asks for the API URL and token, checks them against the
//! server, and stores them.

use crate::client::Client;
use crate::config::{self, Settings, StoredConfig};
use crate::error::Error;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;

/// Asks for what is missing (prompts on stderr; the token is not echoed on a
/// terminal, and read as a plain line when stdin is a pipe).
pub fn ask(url: Option<String>, existing: Option<&StoredConfig>) -> Result<StoredConfig, Error> {
    let url = match url {
        Some(url) => url,
        None => {
            let hint = existing
                .map(|c| format!(" [{}]", c.url))
                .unwrap_or_else(|| " (e.g. https://imghost.you.workers.dev)".into());
            let answer = prompt_line(&format!("imghost API URL{hint}: "))?;
            match (answer.trim().is_empty(), existing) {
                (true, Some(config)) => config.url.clone(),
                _ => answer,
            }
        }
    };
    let url = config::normalize_url(&url)?;
    let token = prompt_secret("Admin token (input hidden): ")?;
    Ok(StoredConfig {
        url,
        token: token.trim().to_string(),
    })
}

/// Checks the URL and token with `GET /query?pageSize=1`, then saves them.
/// Returns the sentence to print.
pub async fn check_and_save(candidate: StoredConfig, path: &Path) -> Result<String, Error> {
    let settings = Settings {
        url: candidate.url.clone(),
        token: (!candidate.token.is_empty()).then(|| candidate.token.clone()),
    };
    let list = Client::new(&settings)
        .list(1, None, None)
        .await
        .map_err(Error::LoginFailed)?;
    config::save(path, &candidate).map_err(|error| Error::SaveConfig {
        path: path.to_path_buf(),
        error,
    })?;
    let images = if list.total == 1 { "image" } else { "images" };
    Ok(format!(
        "Logged in to {} ({} {images} stored). Saved to {}",
        candidate.url,
        list.total,
        path.display()
    ))
}

pub fn prompt_line(prompt: &str) -> Result<String, Error> {
    eprint!("{prompt}");
    let _ = io::stderr().flush();
    let mut line = String::new();
    let read = io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(Error::AnswerUnreadable)?;
    if read == 0 {
        return Err(Error::NoAnswer);
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn prompt_secret(prompt: &str) -> Result<String, Error> {
    if io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(Error::TokenUnreadable)
    } else {
        prompt_line(prompt)
    }
}
