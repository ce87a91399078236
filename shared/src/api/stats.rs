use serde::{Deserialize, Serialize};

/// Answer of `GET /stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsResponse {
    pub success: bool,
    pub image_count: u64,
    /// Bytes held in R2.
    pub bytes_stored: u64,
    /// Bytes the uploads would have taken without stripping and compression.
    pub bytes_saved: u64,
    /// Tinify's `Compression-Count` header from the last compression, i.e.
    /// compressions used this month; `None` until Tinify has been called.
    pub compression_count: Option<u64>,
    /// What the operator should fix (a weak admin token, failed logins not
    /// limited), in words.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// This isolate's WebAssembly memory in bytes. It only ever grows, so
    /// it is the isolate's peak: what the memory benchmark reads.
    #[serde(default)]
    pub wasm_memory_bytes: Option<u64>,
}
