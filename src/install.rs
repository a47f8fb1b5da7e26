//! `--install PATH`: the running binary copies itself to PATH, so that an image with
//! nothing but healthprobe (`FROM scratch`, no `cp`) can seed a volume another container
//! mounts: a Kubernetes init container filling an `emptyDir`, a compose one-shot service
//! filling a named volume. The bytes are the process's own (`/proc/self/exe`), so the
//! copy is the very binary that ran; written to a temporary file beside PATH, flushed to
//! disk, then renamed over PATH, so that a reader sees the old file or the whole new one,
//! never a part.

use std::path::Path;
#[cfg(unix)]
use {
    crate::sanitize::{io_text, printable},
    std::fs::{self, File, OpenOptions},
    std::io::{self, Read, Write},
    std::os::unix::{
        ffi::OsStrExt,
        fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    },
};

/// The mode of the copy: runnable by every uid, as the image's own binary is.
#[cfg(unix)]
const MODE: u32 = 0o755;

/// Copies this binary to `path`, creating its missing directories with `parents`. The
/// line to report, or why not.
#[cfg(unix)]
// Out of line: inlined into the entry's `run`, it sat in every probe's pages.
#[inline(never)]
pub fn install(path: &Path, parents: bool) -> Result<String, String> {
    let shown = |p: &Path| printable(p.as_os_str().as_encoded_bytes(), 300);
    let name = shown(path);
    if path.is_dir() {
        return Err(format!(
            "--install: {name} is a directory; name the file, e.g. {name}/healthprobe"
        ));
    }
    // The directory and the file's name, split at the last `/` (std's path components
    // would add a kilobyte of code for this one split).
    let whole = path.as_os_str().as_encoded_bytes();
    let (dir, file_name) = match whole.iter().rposition(|&b| b == b'/') {
        Some(0) => (&b"/"[..], &whole[1..]),
        Some(at) => (&whole[..at], &whole[at + 1..]),
        None => (&b"."[..], whole),
    };
    if file_name.is_empty() {
        return Err(format!("--install: {name} names no file"));
    }
    let dir = Path::new(std::ffi::OsStr::from_bytes(dir));
    if !dir.is_dir() {
        if !parents {
            return Err(format!(
                "--install: {} does not exist (--parents creates it)",
                shown(dir)
            ));
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(MODE)
            .create(dir)
            .map_err(|e| format!("--install: cannot create {}: {}", shown(dir), io_text(&e)))?;
    }
    #[cfg(target_os = "linux")]
    let mut own = File::open("/proc/self/exe").map_err(|e| {
        format!(
            "--install: cannot read this binary (/proc/self/exe: {}); is /proc mounted?",
            io_text(&e)
        )
    })?;
    #[cfg(not(target_os = "linux"))]
    let mut own = std::env::current_exe()
        .and_then(File::open)
        .map_err(|e| format!("--install: cannot read this binary: {}", io_text(&e)))?;
    let mut temporary = dir.as_os_str().as_bytes().to_vec();
    temporary.extend_from_slice(b"/.");
    temporary.extend_from_slice(file_name);
    temporary.extend_from_slice(format!(".{}.tmp", std::process::id()).as_bytes());
    let temporary = Path::new(std::ffi::OsStr::from_bytes(&temporary));
    let written = (|| -> io::Result<u64> {
        let mut copy = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(MODE)
            .open(temporary)?;
        // A plain loop: io::copy's kernel-side paths (copy_file_range, sendfile,
        // splice) add 10 KB of code for a copy of half a megabyte once per container.
        let mut buffer = vec![0; 64 * 1024];
        let mut bytes = 0;
        loop {
            let read = match own.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            copy.write_all(&buffer[..read])?;
            bytes += read as u64;
        }
        // The process's umask may have taken bits off the mode asked for at creation.
        copy.set_permissions(fs::Permissions::from_mode(MODE))?;
        copy.sync_all()?;
        Ok(bytes)
    })();
    let renamed = written.and_then(|bytes| fs::rename(temporary, path).map(|()| bytes));
    let bytes = match renamed {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = fs::remove_file(temporary);
            return Err(format!("--install: cannot write {name}: {}", io_text(&e)));
        }
    };
    // The rename itself reaches the disk with the directory's entry; a failure here is
    // only a weaker guarantee after a crash, not a failed install.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(format!("installed {name} ({bytes} bytes, mode 0755)\n"))
}

/// Windows has no container volume to seed with it: the copy that `--install` makes is
/// for Linux images (the file's notes).
#[cfg(windows)]
pub fn install(_: &Path, _: bool) -> Result<String, String> {
    Err(
        "--install seeds a Linux container's volume; on Windows, copy healthprobe.exe \
         where it is needed"
            .to_string(),
    )
}
