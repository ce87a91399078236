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
    let token = prompt_secret("Token (input hidden): ")?;
    Ok(StoredConfig {
        url,
        token: token.trim().to_string(),
    })
}

/// Checks the URL and token with `GET /query?pageSize=1`, then saves them.
/// Returns the sentence to print.
///
/// A 403 there means the server knows the token and it lacks the `read`
/// scope (an upload-only token for an editor): it is saved, with a note.
pub async fn check_and_save(candidate: StoredConfig, path: &Path) -> Result<String, Error> {
    let settings = Settings {
        url: candidate.url.clone(),
        token: (!candidate.token.is_empty()).then(|| candidate.token.clone()),
    };
    let checked = match Client::new(&settings).list(1, None, None).await {
        Ok(list) => Checked::Lists(list.total),
        Err(error) if error.is_forbidden() => Checked::Limited(error.to_string()),
        Err(error) => return Err(Error::LoginFailed(error)),
    };
    config::save(path, &candidate).map_err(|error| Error::SaveConfig {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(logged_in(&candidate.url, &checked, path))
}

/// What the check learnt of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Checked {
    /// It may list images; this many are stored.
    Lists(u64),
    /// The server knows it but refused the listing, in these words.
    Limited(String),
}

fn logged_in(url: &str, checked: &Checked, path: &Path) -> String {
    let detail = match checked {
        Checked::Lists(total) => {
            let images = if *total == 1 { "image" } else { "images" };
            format!("({total} {images} stored)")
        }
        Checked::Limited(why) => format!(
            "with a limited token: it may not list images ({why}), \
             so `imghost list` and `imghost stats` will be refused"
        ),
    };
    format!("Logged in to {url} {detail}. Saved to {}", path.display())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_that_may_not_list_is_accepted_with_a_note() {
        let path = Path::new("/home/me/.config/imghost/config.json");
        assert_eq!(
            logged_in("https://img.example", &Checked::Lists(1), path),
            "Logged in to https://img.example (1 image stored). Saved to /home/me/.config/imghost/config.json"
        );
        assert_eq!(
            logged_in("https://img.example", &Checked::Lists(12), path),
            "Logged in to https://img.example (12 images stored). Saved to /home/me/.config/imghost/config.json"
        );
        assert_eq!(
            logged_in(
                "https://img.example",
                &Checked::Limited("This token lacks the `read` scope".into()),
                path
            ),
            "Logged in to https://img.example with a limited token: it may not list images \
             (This token lacks the `read` scope), so `imghost list` and `imghost stats` will be \
             refused. Saved to /home/me/.config/imghost/config.json"
        );
    }
}
