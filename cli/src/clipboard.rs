//! The image on the system clipboard, read with the platform's own tools
//! (as PicGo does): `wl-paste` on Wayland, `xclip` on X11, AppleScript on
//! macOS, PowerShell on Windows. No display, no tool or no image each get a
//! sentence saying so.

use crate::error::Error;
use std::ffi::OsStr;
use std::io;
use std::process::{Command, Output, Stdio};

/// The PNG bytes of the image on the clipboard.
pub fn read_image() -> Result<Vec<u8>, Error> {
    read_platform()
}

#[cfg(all(unix, not(target_os = "macos")))]
fn read_platform() -> Result<Vec<u8>, Error> {
    let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty());
    let x11 = std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty());
    let (program, args, package): (&'static str, &[&str], &'static str) =
        match linux_tool(wayland, x11) {
            Some(LinuxTool::WlPaste) => (
                "wl-paste",
                &["--no-newline", "--type", "image/png"],
                "wl-clipboard",
            ),
            Some(LinuxTool::Xclip) => (
                "xclip",
                &["-selection", "clipboard", "-target", "image/png", "-out"],
                "xclip",
            ),
            None => return Err(Error::NoDisplay),
        };
    let output = run(program, args).map_err(|e| missing_tool(program, package, e))?;
    image_from(output)
}

#[cfg(all(unix, not(target_os = "macos")))]
#[derive(Debug, PartialEq, Eq)]
enum LinuxTool {
    WlPaste,
    Xclip,
}

#[cfg(all(unix, not(target_os = "macos")))]
fn linux_tool(wayland: bool, x11: bool) -> Option<LinuxTool> {
    if wayland {
        Some(LinuxTool::WlPaste)
    } else if x11 {
        Some(LinuxTool::Xclip)
    } else {
        None
    }
}

#[cfg(target_os = "macos")]
fn read_platform() -> Result<Vec<u8>, Error> {
    let file = tempfile_path("png");
    let script = format!(
        "set f to (POSIX file \"{}\")\n\
         try\n\
         set png to (the clipboard as «class PNGf»)\n\
         on error\n\
         return \"none\"\n\
         end try\n\
         set h to (open for access f with write permission)\n\
         set eof h to 0\n\
         write png to h\n\
         close access h\n\
         return \"ok\"",
        file.display()
    );
    let output =
        run("osascript", &["-e", script.as_str()]).map_err(|error| Error::ClipboardTool {
            program: "osascript",
            error,
        })?;
    let answer = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let data = std::fs::read(&file).unwrap_or_default();
    let _ = std::fs::remove_file(&file);
    if !output.status.success() || answer != "ok" {
        return Err(Error::NoClipboardImage);
    }
    non_empty(data)
}

#[cfg(windows)]
fn read_platform() -> Result<Vec<u8>, Error> {
    const SCRIPT: &str = "Add-Type -AssemblyName System.Windows.Forms,System.Drawing; \
        $i = [System.Windows.Forms.Clipboard]::GetImage(); \
        if ($i -eq $null) { exit 3 }; \
        $m = New-Object System.IO.MemoryStream; \
        $i.Save($m, [System.Drawing.Imaging.ImageFormat]::Png); \
        $o = [Console]::OpenStandardOutput(); $o.Write($m.ToArray(), 0, $m.Length); $o.Flush()";
    let output = run(
        "powershell",
        &["-NoProfile", "-NonInteractive", "-STA", "-Command", SCRIPT],
    )
    .map_err(|error| Error::ClipboardTool {
        program: "PowerShell",
        error,
    })?;
    image_from(output)
}

#[cfg(target_os = "macos")]
fn tempfile_path(extension: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "imghost-clipboard-{}.{extension}",
        std::process::id()
    ))
}

fn run(program: &str, args: &[impl AsRef<OsStr>]) -> io::Result<Output> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
}

#[allow(dead_code)] // not every platform uses every helper
fn image_from(output: Output) -> Result<Vec<u8>, Error> {
    if !output.status.success() {
        return Err(Error::NoClipboardImage);
    }
    non_empty(output.stdout)
}

#[allow(dead_code)]
fn non_empty(data: Vec<u8>) -> Result<Vec<u8>, Error> {
    if data.is_empty() {
        Err(Error::NoClipboardImage)
    } else {
        Ok(data)
    }
}

#[allow(dead_code)]
fn missing_tool(program: &'static str, package: &'static str, error: io::Error) -> Error {
    if error.kind() == io::ErrorKind::NotFound {
        Error::MissingTool { program, package }
    } else {
        Error::ClipboardTool { program, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn linux_picks_the_tool_for_the_display() {
        assert_eq!(linux_tool(true, true), Some(LinuxTool::WlPaste));
        assert_eq!(linux_tool(false, true), Some(LinuxTool::Xclip));
        assert_eq!(linux_tool(false, false), None);
    }

    #[test]
    fn a_missing_tool_says_what_to_install() {
        let not_found = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(
            missing_tool("xclip", "xclip", not_found).to_string(),
            "reading the clipboard needs `xclip`: install the xclip package"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_failing_or_silent_tool_means_no_image() {
        let failed = run("sh", &["-c", "exit 1"]).unwrap();
        assert_eq!(
            image_from(failed).unwrap_err().to_string(),
            "the clipboard holds no image (copy an image or take a screenshot first)"
        );
        let silent = run("true", &[] as &[&str]).unwrap();
        assert!(matches!(image_from(silent), Err(Error::NoClipboardImage)));
        let png = run("printf", &["\\211PNG"]).unwrap();
        assert_eq!(image_from(png).unwrap(), b"\x89PNG");
    }
}
