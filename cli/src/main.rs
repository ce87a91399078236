//! `imghost`: upload images to your imghost from a terminal or an editor,
//! list and delete them, and bridge PicGo clients (Typora, Obsidian).

mod albums;
mod backfill;
mod client;
mod clipboard;
mod config;
mod error;
mod export;
#[cfg(test)]
mod fixtures;
mod heif;
mod import;
mod login;
mod migrate;
mod output;
mod picgo;
mod target;
mod thumbnail;
mod token;
mod trash;
mod upload;
mod widths;

use clap::{Parser, Subcommand};
use client::{Client, ReconcileMode};
use config::Settings;
use error::Error;
use imghost_shared::api::albums::{AlbumName, TagName};
use imghost_shared::api::{ImageId, ImageRecord, ReconcileReport, Scope, TokenName, MAX_PAGE_SIZE};
use output::Format;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use target::Target;
use upload::Source;

#[derive(Debug, Parser)]
#[command(
    name = "imghost",
    version,
    about = "Upload images to your imghost and get their URLs",
    after_help = "The API URL and token come from `imghost login`, or from the \
                  IMGHOST_URL and IMGHOST_TOKEN environment variables, which win."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ask for the API URL and a token, check them, and store them
    ///
    /// Any token works: one that may not list images (an upload-only
    /// token) is stored with a note saying so.
    Login {
        /// The API URL (asked for when not given)
        #[arg(long)]
        url: Option<String>,
    },
    /// Upload images; prints one line per file, in argument order
    ///
    /// A file that fails gets an empty line (so line N always belongs to
    /// file N), a reason on stderr, and a non-zero exit code. Images larger
    /// than a thumbnail (480 pixels) get one, made on this computer and
    /// sent along.
    Upload {
        /// What to print per image
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// The `sizes` of `--format responsive` and `hugo`: how wide the
        /// image is shown on the page
        #[arg(long, default_value = imghost_shared::snippet::DEFAULT_SIZES)]
        sizes: String,
        /// Also upload the image on the clipboard (after the files)
        #[arg(long)]
        clipboard: bool,
        /// Put the images in this album (a path: `Travel/Japan`), made if missing
        #[arg(long, value_name = "ALBUM")]
        album: Option<String>,
        /// Give the images these tags (comma-separated or repeated)
        #[arg(long = "tag", value_name = "TAG[,TAG]", value_parser = parse_tags)]
        tags: Vec<TagList>,
        /// Image files; `-` reads one image from standard input
        #[arg(required_unless_present = "clipboard")]
        files: Vec<PathBuf>,
    },
    /// List images, newest first
    List {
        /// Only images whose name contains this text
        #[arg(long)]
        search: Option<String>,
        /// Only images in this album (a path: `Travel/Japan`)
        #[arg(long, value_name = "ALBUM")]
        album: Option<String>,
        /// Only images with every one of these tags
        #[arg(long = "tag", value_name = "TAG[,TAG]", value_parser = parse_tags)]
        tags: Vec<TagList>,
        /// How many images to show
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
        /// Show every image (ignores --limit)
        #[arg(long)]
        all: bool,
        /// Print the images as a JSON array
        #[arg(long)]
        json: bool,
    },
    /// Move images to the trash by id (from `imghost list`) or by URL
    ///
    /// Their URLs answer 404 at once; `imghost trash restore ID` brings
    /// one back under the same URL until the trash is purged.
    Delete {
        /// Image ids or image URLs
        #[arg(required = true, value_name = "ID|URL")]
        targets: Vec<String>,
    },
    /// Show how many images are stored and how much space they take
    Stats {
        /// Print the server's JSON answer
        #[arg(long)]
        json: bool,
    },
    /// Compare the bucket with the database: objects without a row, rows without an object
    Reconcile {
        /// Delete what does not match, after showing it (only objects of
        /// the shape imghost writes are ever deleted)
        #[arg(long)]
        repair: bool,
        /// With --repair: do not ask before deleting
        #[arg(long, short = 'y', requires = "repair")]
        yes: bool,
        /// Make objects put straight into the bucket (rclone, the dashboard)
        /// into images: type, size, dimensions and SHA-256 from their bytes,
        /// metadata removed; nothing is deleted
        #[arg(long, conflicts_with = "repair")]
        adopt: bool,
        /// Print the server's JSON answer
        #[arg(long)]
        json: bool,
    },
    /// Make a thumbnail for every stored image that needs one and has none
    ///
    /// Each such image is downloaded, its thumbnail (at most 480 pixels on
    /// the longest side) made on this computer and stored beside it;
    /// `imghost upload` sends one with every new image. Prints `made ID KEY`
    /// per thumbnail. Safe to stop and run again: images with a thumbnail
    /// are passed over.
    Thumbnails,
    /// Make the responsive widths of every stored image that takes them and
    /// has none
    ///
    /// Each such image (wider than 800 pixels, not animated) is downloaded,
    /// WebP copies 640, 960, 1280 and 1920 pixels wide (those under 80 % of
    /// its width) made on this computer and stored beside it; `imghost
    /// upload` sends them with every new image. Prints `made ID KEY` per
    /// image. Safe to stop and run again.
    #[command(visible_alias = "variants")]
    Widths,
    /// Move the images of Markdown, MDX and HTML files to imghost and
    /// rewrite only their URLs
    ///
    /// Images on other hosts are downloaded, local ones read: relative to
    /// the file, or from --static for links starting with `/`, and only from
    /// inside the folders given (a file's own folder counts) and --static,
    /// unless --allow-outside. Each is uploaded once and every reference to
    /// it rewritten. A changed FILE is kept as FILE.orig (never overwritten);
    /// old URL, new URL and file are appended to the map file. A link that
    /// fails is left as it is and reported with file:line (exit code 1).
    Migrate {
        /// Print a unified diff with placeholder URLs; upload and write nothing
        /// (images are still downloaded and checked)
        #[arg(long)]
        dry_run: bool,
        /// Where to append `old URL<TAB>new URL<TAB>file` lines
        #[arg(long, value_name = "FILE", default_value = migrate::DEFAULT_MAP)]
        map: PathBuf,
        /// Seconds allowed for each download
        #[arg(long, value_name = "SECONDS", default_value_t = 60,
              value_parser = clap::value_parser!(u64).range(1..))]
        download_timeout: u64,
        /// The site's static folder: links starting with `/` (`/images/a.png`)
        /// are read from it, and images in it may be read
        #[arg(long = "static", value_name = "DIR")]
        static_dir: Option<PathBuf>,
        /// Read local images wherever they are (an absolute path, `../`),
        /// not only inside the folders given and --static
        #[arg(long)]
        allow_outside: bool,
        /// Put every image moved in this album (a path, made if missing)
        #[arg(long, value_name = "ALBUM")]
        album: Option<String>,
        /// Also put each post's images in an album named after its file
        /// (under --album when given)
        #[arg(long)]
        album_per_post: bool,
        /// Files, or folders searched for .md, .markdown, .mdx, .html and .htm
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Download every image as stored into DIR/<key>, with DIR/manifest.jsonl
    ///
    /// One manifest line per image: id, key, original_name, content_type,
    /// size, width, height, sha256 (of the exported bytes), upload_sha256
    /// (of the bytes as uploaded), created_at and url. Run again to fetch
    /// only what is missing or changed.
    Export {
        /// The folder to export into (created if needed)
        dir: PathBuf,
    },
    /// Bring an export back under the same keys and times (so old URLs work
    /// again), or upload every image in a folder
    ///
    /// With DIR/manifest.jsonl (written by `imghost export`), each file is
    /// checked against its SHA-256 there and restored under its key; without
    /// it, every image under DIR is uploaded and other files (symlinks
    /// included: they are not followed) are skipped. Safe to run again: what
    /// is already there is left as it is.
    Import {
        /// An export folder, or any folder of images
        dir: PathBuf,
        /// Larger files are not read or sent, but reported as failed: the
        /// server's MAX_UPLOAD_BYTES (20 MiB unless its operator changed it)
        #[arg(long, value_name = "BYTES", default_value_t = import::DEFAULT_MAX_BYTES,
              value_parser = clap::value_parser!(u64).range(1..))]
        max_bytes: u64,
        /// Also put every image imported in this album (a path, made if
        /// missing); an export's own albums and tags come back in any case
        #[arg(long, value_name = "ALBUM")]
        album: Option<String>,
    },
    /// Named tokens with only the scopes an editor or machine needs
    /// (needs a token with the `admin` scope)
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Deleted images: list them, restore them, purge them for good
    Trash {
        #[command(subcommand)]
        command: TrashCommand,
    },
    /// Albums: list, create, rename, delete, put images in them, share them
    /// by link (needs the `organize` scope to change them)
    Album {
        #[command(subcommand)]
        command: AlbumCommand,
    },
    /// Tags: list them, add them to images, remove them
    Tag {
        #[command(subcommand)]
        command: TagCommand,
    },
    /// Run a PicGo-compatible upload server for Typora, Obsidian and other PicGo clients
    Picgo {
        /// Port to listen on (PicGo's is 36677)
        #[arg(long, default_value_t = picgo::DEFAULT_PORT)]
        port: u16,
        /// Loopback address to listen on
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
        /// Put every image uploaded through it in this album (a path, made
        /// if missing; default: IMGHOST_ALBUM)
        #[arg(long, value_name = "ALBUM")]
        album: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Make a token; prints only the token on stdout (it is shown this once)
    Create {
        /// 1 to 64 letters, digits, `.`, `_` or `-`, e.g. typora
        #[arg(long, value_parser = TokenName::parse)]
        name: TokenName,
        /// What it may do: upload, read, delete, organize, admin (comma-separated
        /// or repeated)
        #[arg(long = "scope", required = true, value_name = "SCOPE[,SCOPE]",
              value_parser = parse_scopes)]
        scopes: Vec<ScopeList>,
        /// Expire after this many days (default: never)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=36_500))]
        expires_in_days: Option<u32>,
    },
    /// List the tokens not revoked, newest first (expired ones are marked)
    List {
        /// Print the tokens as a JSON array
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: it is refused from the next request on
    Revoke {
        #[arg(value_parser = TokenName::parse)]
        name: TokenName,
    },
}

#[derive(Debug, Subcommand)]
enum AlbumCommand {
    /// Every album: its path, images and shared link
    List {
        #[arg(long)]
        json: bool,
    },
    /// Make an album (and its parents); prints its id
    Create {
        /// `Travel/Japan`: at most three levels
        path: String,
    },
    /// Give an album another name (its images and their URLs stay)
    Rename {
        path: String,
        #[arg(value_parser = AlbumName::parse)]
        name: AlbumName,
    },
    /// Delete an album; its images stay in the library
    Delete { path: String },
    /// Put images (ids from `imghost list`) in an album
    Add {
        path: String,
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<ImageId>,
    },
    /// Take images out of an album (they stay in the library)
    Remove {
        path: String,
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<ImageId>,
    },
    /// Share an album by link: prints its read-only page's URL
    Share {
        path: String,
        /// The link stops working after this many days (default: never)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=36_500))]
        expires_in_days: Option<u32>,
    },
    /// Stop sharing an album: its link stops working at once
    Unshare { path: String },
}

#[derive(Debug, Subcommand)]
enum TagCommand {
    /// Every tag and how many images carry it
    List {
        #[arg(long)]
        json: bool,
    },
    /// Give images tags
    Add {
        #[arg(value_name = "TAG[,TAG]", value_parser = parse_tags)]
        tags: TagList,
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<ImageId>,
    },
    /// Take tags off images
    Remove {
        #[arg(value_name = "TAG[,TAG]", value_parser = parse_tags)]
        tags: TagList,
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<ImageId>,
    },
}

#[derive(Debug, Subcommand)]
enum TrashCommand {
    /// List the images in the trash, most recently deleted first, with the
    /// URL each comes back under
    List {
        /// Print the images as a JSON array
        #[arg(long)]
        json: bool,
    },
    /// Bring images back under their old URLs; prints one URL per id, in
    /// argument order (an empty line for one that failed)
    Restore {
        /// Image ids, from `imghost trash list`
        #[arg(required = true, value_name = "ID", value_parser = parse_id)]
        ids: Vec<ImageId>,
    },
    /// Purge every image in the trash for good, bytes and thumbnails
    Empty {
        /// Do not ask first (needed when standard input is not a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

fn parse_id(text: &str) -> Result<ImageId, String> {
    ImageId::parse(text).ok_or_else(|| "an image id is a positive whole number".into())
}

/// The tags of one `--tag` value (`cats,tokyo`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TagList(Vec<TagName>);

fn parse_tags(text: &str) -> Result<TagList, String> {
    TagName::parse_list(text).map(TagList)
}

fn all_tags(lists: Vec<TagList>) -> Vec<TagName> {
    let mut tags: Vec<TagName> = Vec::new();
    for tag in lists.into_iter().flat_map(|list| list.0) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

/// The scopes of one `--scope` value (`upload,read`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ScopeList(Vec<Scope>);

fn parse_scopes(text: &str) -> Result<ScopeList, String> {
    Scope::parse_list(text).map(ScopeList)
}

/// `--scope upload --scope read,delete`: every scope named, sorted, once.
fn merge_scopes(lists: Vec<ScopeList>) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = lists.into_iter().flat_map(|list| list.0).collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    match runtime.block_on(run(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command: `Ok(exit code)`, or `Err` for a failure that stops it.
async fn run(command: Command) -> Result<u8, Error> {
    if let Command::Login { url } = command {
        return login(url).await;
    }
    let client = Client::new(&settings()?);
    match command {
        Command::Login { .. } => unreachable!("handled above"),
        Command::Upload {
            format,
            sizes,
            clipboard,
            album,
            tags,
            files,
        } => {
            let client = labelled(client, album.as_deref(), all_tags(tags), false).await?;
            let sources = upload_sources(files, clipboard)?;
            let style = output::LineStyle { format, sizes };
            Ok(upload::run(&client, sources, &style).await)
        }
        Command::List {
            search,
            album,
            tags,
            limit,
            all,
            json,
        } => {
            let album = match album {
                Some(path) => Some(albums::resolve(&client, &path).await?),
                None => None,
            };
            let client = client.with_filters(album, all_tags(tags));
            list(&client, search, (!all).then_some(limit), json).await
        }
        Command::Delete { targets } => Ok(delete(&client, &targets).await),
        Command::Stats { json } => {
            let stats = client.stats().await?;
            print_json_or(json, &stats, output::stats_text);
            Ok(0)
        }
        Command::Reconcile {
            repair,
            yes,
            adopt,
            json,
        } => {
            if repair {
                let found = reconcile(&client, ReconcileMode::Report).await?;
                if !output::needs_repair(&found) {
                    print_json_or(json, &found, output::reconcile_text);
                    return Ok(0);
                }
                eprint!("{}", output::repair_preview(&found));
                confirm_repair(yes)?;
            }
            let mode = match (repair, adopt) {
                (true, _) => ReconcileMode::Repair,
                (_, true) => ReconcileMode::Adopt,
                _ => ReconcileMode::Report,
            };
            let report = reconcile(&client, mode).await?;
            print_json_or(json, &report, output::reconcile_text);
            Ok(0)
        }
        Command::Migrate {
            dry_run,
            map,
            download_timeout,
            static_dir,
            allow_outside,
            album,
            album_per_post,
            paths,
        } => {
            let client = labelled(client, album.as_deref(), Vec::new(), dry_run).await?;
            let options = migrate::Options {
                album,
                album_per_post,
                paths,
                dry_run,
                map,
                timeout: std::time::Duration::from_secs(download_timeout),
                static_dir,
                allow_outside,
            };
            migrate::run(&client, options).await
        }
        Command::Export { dir } => export::run(&client, &dir).await,
        Command::Import {
            dir,
            max_bytes,
            album,
        } => {
            let client = labelled(client, album.as_deref(), Vec::new(), false).await?;
            import::run(&client, &dir, max_bytes).await
        }
        Command::Thumbnails => backfill::run(&client, backfill::Kind::Thumbnails).await,
        Command::Widths => backfill::run(&client, backfill::Kind::Widths).await,
        Command::Token { command } => match command {
            TokenCommand::Create {
                name,
                scopes,
                expires_in_days,
            } => token::create(&client, name, merge_scopes(scopes), expires_in_days).await,
            TokenCommand::List { json } => token::list(&client, json).await,
            TokenCommand::Revoke { name } => token::revoke(&client, &name).await,
        },
        Command::Trash { command } => match command {
            TrashCommand::List { json } => trash::list(&client, json).await,
            TrashCommand::Restore { ids } => Ok(trash::restore(&client, &ids).await),
            TrashCommand::Empty { yes } => trash::empty(&client, yes).await,
        },
        Command::Album { command } => match command {
            AlbumCommand::List { json } => albums::list(&client, json).await,
            AlbumCommand::Create { path } => albums::create(&client, &path).await,
            AlbumCommand::Rename { path, name } => albums::rename(&client, &path, name).await,
            AlbumCommand::Delete { path } => albums::delete(&client, &path).await,
            AlbumCommand::Add { path, ids } => albums::images(&client, &path, ids, true).await,
            AlbumCommand::Remove { path, ids } => albums::images(&client, &path, ids, false).await,
            AlbumCommand::Share {
                path,
                expires_in_days,
            } => albums::share(&client, &path, expires_in_days).await,
            AlbumCommand::Unshare { path } => albums::unshare(&client, &path).await,
        },
        Command::Tag { command } => match command {
            TagCommand::List { json } => albums::list_tags(&client, json).await,
            TagCommand::Add { tags, ids } => albums::tag_images(&client, tags.0, ids, true).await,
            TagCommand::Remove { tags, ids } => {
                albums::tag_images(&client, tags.0, ids, false).await
            }
        },
        Command::Picgo { port, host, album } => {
            let client = labelled(client, album.as_deref(), Vec::new(), false).await?;
            picgo::serve(client, host, port).await?;
            Ok(0)
        }
    }
}

/// The client with uploads going into `album` (made if missing; the
/// config's default album when none is given) with `tags`. A dry run
/// makes nothing.
async fn labelled(
    client: Client,
    album: Option<&str>,
    tags: Vec<TagName>,
    dry_run: bool,
) -> Result<Client, Error> {
    let path = album.map(str::to_string).or_else(config::default_album);
    let album = match path {
        Some(path) if !dry_run => Some(albums::ensure(&client, &path).await?),
        _ => None,
    };
    Ok(client.with_labels(album, tags))
}

fn settings() -> Result<Settings, Error> {
    let env = |name| std::env::var(name).ok();
    let stored = match config::default_path() {
        Some(path) => config::load(&path)?,
        None => None,
    };
    config::resolve(stored, env(config::URL_VAR), env(config::TOKEN_VAR))
}

async fn login(url: Option<String>) -> Result<u8, Error> {
    let path = config::default_path().ok_or(Error::NoHome)?;
    let existing = config::load(&path).ok().flatten();
    let candidate = login::ask(url, existing.as_ref())?;
    if config::is_insecure(&candidate.url) {
        eprintln!(
            "warning: {} is plain http, so the token travels unencrypted",
            candidate.url
        );
    }
    let done = login::check_and_save(candidate, &path).await?;
    eprintln!("{done}");
    Ok(0)
}

/// `-` is standard input (once); the clipboard, when asked for, comes last.
fn upload_sources(files: Vec<PathBuf>, clipboard: bool) -> Result<Vec<(String, Source)>, Error> {
    let stdin_count = files.iter().filter(|f| f.as_os_str() == "-").count();
    if stdin_count > 1 {
        return Err(Error::StdinTwice);
    }
    let mut sources: Vec<(String, Source)> = files
        .into_iter()
        .map(|file| {
            let source = if file.as_os_str() == "-" {
                Source::Stdin
            } else {
                Source::File(file)
            };
            (source.label(), source)
        })
        .collect();
    if clipboard {
        sources.push((Source::Clipboard.label(), Source::Clipboard));
    }
    Ok(sources)
}

async fn list(
    client: &Client,
    search: Option<String>,
    limit: Option<u32>,
    json: bool,
) -> Result<u8, Error> {
    let search = search.filter(|s| !s.trim().is_empty());
    let (images, total) = fetch_images(client, search.as_deref(), limit).await?;
    if json {
        print_json(&images);
        return Ok(0);
    }
    if images.is_empty() {
        match &search {
            Some(text) => eprintln!("no images match {text:?}"),
            None => eprintln!("no images yet"),
        }
        return Ok(0);
    }
    upload::print_stdout(&output::list_table(&images));
    if (images.len() as u64) < total {
        eprintln!(
            "{} of {total} images; --limit N or --all for more",
            images.len()
        );
    }
    Ok(0)
}

/// Pages through `GET /query` with `next_cursor` until `limit` images (or
/// all of them) are in. Also returns the server's total.
async fn fetch_images(
    client: &Client,
    search: Option<&str>,
    limit: Option<u32>,
) -> Result<(Vec<ImageRecord>, u64), Error> {
    let mut images: Vec<ImageRecord> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let wanted = limit.map_or(MAX_PAGE_SIZE, |limit| {
            (limit - images.len() as u32).min(MAX_PAGE_SIZE)
        });
        let page = client.list(wanted, cursor.as_deref(), search).await?;
        let empty = page.results.is_empty();
        images.extend(page.results);
        if let Some(limit) = limit {
            images.truncate(limit as usize);
        }
        let full = limit.is_some_and(|limit| images.len() >= limit as usize);
        match page.next_cursor {
            Some(next) if !empty && !full => cursor = Some(next),
            _ => return Ok((images, page.total)),
        }
    }
}

/// Deleting needs `--yes`, or a "y" typed at a terminal.
fn confirm_repair(yes: bool) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    confirm(
        "delete them? [y/N] ",
        Error::RepairNeedsConsent,
        Error::RepairDeclined,
    )
}

/// Asks `question` at a terminal: `Ok` for a "y", `declined` for anything
/// else, `no_terminal` when there is no terminal to ask at.
fn confirm(question: &str, no_terminal: Error, declined: Error) -> Result<(), Error> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal);
    }
    let answer = login::prompt_line(question)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(declined)
    }
}

/// Walks every window of keys and adds the answers up into one report.
async fn reconcile(client: &Client, mode: ReconcileMode) -> Result<ReconcileReport, Error> {
    let mut total = client.reconcile(mode, None).await?;
    while let Some(cursor) = total.next_cursor.take() {
        let window = client.reconcile(mode, Some(&cursor)).await?;
        output::add_reconcile_window(&mut total, window);
    }
    Ok(total)
}

async fn delete(client: &Client, targets: &[String]) -> u8 {
    let mut outcomes = Vec::new();
    for text in targets {
        let result = match Target::parse(text) {
            Ok(Target::Id(id)) => client.delete_by_id(id).await.map_err(Error::from),
            Ok(Target::Key(key)) => client.delete_by_key(&key).await.map_err(Error::from),
            Err(reason) => Err(reason),
        };
        match &result {
            Ok(deleted) => {
                upload::print_stdout(&format!("deleted {} {}\n", deleted.id, deleted.object_key))
            }
            Err(reason) => eprintln!("error: {text}: {reason}"),
        }
        outcomes.push(result);
    }
    upload::exit_code(&outcomes)
}

fn print_json_or<T: serde::Serialize>(json: bool, value: &T, text: impl Fn(&T) -> String) {
    if json {
        print_json(value);
    } else {
        upload::print_stdout(&text(value));
    }
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) {
    let json = serde_json::to_string_pretty(value).expect("the answer serialises");
    upload::print_stdout(&format!("{json}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn upload_takes_files_in_order_and_stdin_once() {
        let sources =
            upload_sources(vec!["a.png".into(), "-".into(), "b.jpg".into()], true).unwrap();
        let labels: Vec<_> = sources.iter().map(|(label, _)| label.as_str()).collect();
        assert_eq!(labels, ["a.png", "stdin", "b.jpg", "clipboard"]);
        assert_eq!(sources[1].1, Source::Stdin);
        assert!(matches!(
            upload_sources(vec!["-".into(), "-".into()], false),
            Err(Error::StdinTwice)
        ));
    }

    #[test]
    fn upload_needs_a_file_or_the_clipboard() {
        assert!(Cli::try_parse_from(["imghost", "upload"]).is_err());
        assert!(Cli::try_parse_from(["imghost", "upload", "--clipboard"]).is_ok());
        let parsed =
            Cli::try_parse_from(["imghost", "upload", "--format", "markdown", "a.png"]).unwrap();
        match parsed.command {
            Command::Upload { format, files, .. } => {
                assert_eq!(format, Format::Markdown);
                assert_eq!(files, [PathBuf::from("a.png")]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn list_limit_is_positive() {
        assert!(Cli::try_parse_from(["imghost", "list", "--limit", "0"]).is_err());
        assert!(
            Cli::try_parse_from(["imghost", "list", "--limit", "3", "--search", "cat"]).is_ok()
        );
    }

    #[test]
    fn token_create_reads_its_scopes_name_and_expiry() {
        let parsed = Cli::try_parse_from([
            "imghost",
            "token",
            "create",
            "--name",
            "typora",
            "--scope",
            "read,upload",
            "--scope",
            "Upload",
            "--expires-in-days",
            "30",
        ])
        .unwrap();
        match parsed.command {
            Command::Token {
                command:
                    TokenCommand::Create {
                        name,
                        scopes,
                        expires_in_days,
                    },
            } => {
                assert_eq!(name.as_str(), "typora");
                assert_eq!(merge_scopes(scopes), [Scope::Upload, Scope::Read]);
                assert_eq!(expires_in_days, Some(30));
            }
            other => panic!("{other:?}"),
        }
        let refused = |args: &[&str]| {
            Cli::try_parse_from(["imghost", "token", "create"].iter().chain(args))
                .unwrap_err()
                .to_string()
        };
        assert!(refused(&["--name", "typora"]).contains("--scope"));
        assert!(refused(&["--name", "a b", "--scope", "upload"])
            .contains("A token name is 1 to 64 letters"));
        assert!(refused(&["--name", "x", "--scope", "upload,root"])
            .contains("Unknown scope `root`: use upload, read, delete, organize, admin"));
        assert!(refused(&["--name", "x", "--scope", ","]).contains("Give at least one scope"));
        assert!(
            refused(&["--name", "x", "--scope", "read", "--expires-in-days", "0"])
                .contains("--expires-in-days")
        );
    }

    #[test]
    fn albums_and_tags_are_read_from_the_command_line() {
        let tags = |list: &[&str]| -> Vec<TagName> {
            list.iter().map(|t| TagName::parse(t).unwrap()).collect()
        };
        match Cli::try_parse_from([
            "imghost",
            "upload",
            "--album",
            "Travel/Japan",
            "--tag",
            "Cats,tokyo",
            "--tag",
            "cats",
            "a.png",
        ])
        .unwrap()
        .command
        {
            Command::Upload {
                album, tags: given, ..
            } => {
                assert_eq!(album.as_deref(), Some("Travel/Japan"));
                assert_eq!(all_tags(given), tags(&["cats", "tokyo"]));
            }
            other => panic!("{other:?}"),
        }
        match Cli::try_parse_from(["imghost", "tag", "add", "sky,sea", "4", "5"])
            .unwrap()
            .command
        {
            Command::Tag {
                command: TagCommand::Add { tags: given, ids },
            } => {
                assert_eq!(given.0, tags(&["sky", "sea"]));
                assert_eq!(ids, [ImageId(4), ImageId(5)]);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["imghost", "list", "--tag", "a,b\u{7}"]).is_err());
        assert!(Cli::try_parse_from(["imghost", "album", "rename", "A", "x/y"]).is_err());
    }

    #[test]
    fn trash_restore_takes_ids_only() {
        match Cli::try_parse_from(["imghost", "trash", "restore", "3", "41"])
            .unwrap()
            .command
        {
            Command::Trash {
                command: TrashCommand::Restore { ids },
            } => assert_eq!(ids, [ImageId(3), ImageId(41)]),
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["imghost", "trash", "restore"]).is_err());
        let junk = Cli::try_parse_from(["imghost", "trash", "restore", "3", "cat.png"])
            .unwrap_err()
            .to_string();
        assert!(
            junk.contains("an image id is a positive whole number"),
            "{junk}"
        );
        assert!(Cli::try_parse_from(["imghost", "trash", "empty", "-y"]).is_ok());
        assert!(Cli::try_parse_from(["imghost", "token", "revoke", "a/b"]).is_err());
    }

    #[test]
    fn migrate_reads_its_static_folder_and_stays_inside_unless_told() {
        let parse =
            |args: &[&str]| match Cli::try_parse_from(["imghost", "migrate"].iter().chain(args))
                .unwrap()
                .command
            {
                Command::Migrate {
                    static_dir,
                    allow_outside,
                    paths,
                    ..
                } => (static_dir, allow_outside, paths),
                other => panic!("{other:?}"),
            };
        assert_eq!(parse(&["content/"]), (None, false, vec!["content/".into()]));
        assert_eq!(
            parse(&["--static", "static", "--allow-outside", "content/"]),
            (Some("static".into()), true, vec!["content/".into()])
        );
    }

    #[test]
    fn picgo_defaults_to_picgos_port_on_loopback() {
        match Cli::try_parse_from(["imghost", "picgo"]).unwrap().command {
            Command::Picgo { port, host, .. } => {
                assert_eq!(port, 36677);
                assert_eq!(host, IpAddr::from([127, 0, 0, 1]));
            }
            other => panic!("{other:?}"),
        }
    }
}
