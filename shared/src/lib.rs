//! Types and pure logic shared by the imghost Worker (`api`), the web UI
//! (`web`) and the command line tool. Nothing here depends on a platform:
//! every function runs (and is tested) natively.

pub mod api;
pub mod image;
pub mod key_template;
pub mod keys;
pub mod names;
pub mod snippet;
pub mod thumbnail;
pub mod time;
pub mod units;
pub mod widths;
