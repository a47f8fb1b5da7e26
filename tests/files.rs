//! `file://` targets, against real files: fresh and stale heartbeats, a missing file, an
//! unsearchable directory, a FIFO and a symbolic-link loop (neither may block the probe),
//! an mtime in the future, the configuration errors, `--wait` for a file another process
//! creates, JSON; and `--install`, the probe copying itself: byte for byte, mode 0755,
//! atomically, and refusing what it must.

use std::fs::{self, File, FileTimes};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support;
use support::{BIN, Run, is_root, run, run_command, skip};

fn file_url(path: &Path, query: &str) -> String {
    format!("file://{}{query}", path.display())
}

/// Sets `path`'s modification time `ago` in the past (negative: the future).
fn modified(path: &Path, ago: i64) {
    let now = SystemTime::now();
    let at = if ago >= 0 {
        now - Duration::from_secs(ago as u64)
    } else {
        now + Duration::from_secs((-ago) as u64)
    };
    let file = File::options().write(true).open(path).unwrap();
    file.set_times(FileTimes::new().set_modified(at)).unwrap();
}

#[test]
fn a_heartbeat_is_judged_by_its_age() {
    let dir = support::scratch_dir("heartbeat");
    let beat = dir.join("worker.heartbeat");
    fs::write(&beat, "").unwrap();
    let url = file_url(&beat, "?max-age=30s");
    run(&[&url])
        .expect("healthy")
        .says(&format!("healthy: {url} modified "))
        .says("ago (max 30s)");
    // Without a bound, existing is enough, however old.
    modified(&beat, 3000);
    run(&[&file_url(&beat, "")])
        .expect("healthy")
        .says("exists");
    modified(&beat, 47);
    run(&[&url])
        .expect("unhealthy")
        .says(&format!("unhealthy: {url} modified 4"))
        .says(" s ago (max 30s)");
    // A clock is wrong somewhere: an age from the future is no proof of life.
    modified(&beat, -120);
    run(&[&url])
        .expect("unhealthy")
        .says("in the future (max 30s): a clock is wrong");
    // JSON and -v: the one line, and only what is true of a file (no address, no connect).
    let json = run(&["--format", "json", "-v", &url]);
    assert_eq!(json.code, Some(1), "{json:#?}");
    let value: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(value["result"], "unhealthy", "{json:#?}");
    assert_eq!(value["url"], url.as_str());
    let details = value["details"].to_string();
    assert!(
        !details.contains("address") && !details.contains("connect"),
        "{details}"
    );
}

#[test]
fn what_cannot_be_stated_is_unreachable_and_nothing_blocks() {
    let dir = support::scratch_dir("unstated");
    run(&[&file_url(&dir.join("absent"), "")])
        .expect("unreachable")
        .says(&format!("no file at {}", dir.join("absent").display()));
    // A symbolic-link loop.
    std::os::unix::fs::symlink("b", dir.join("a")).unwrap();
    std::os::unix::fs::symlink("a", dir.join("b")).unwrap();
    run(&[&file_url(&dir.join("a"), "")])
        .expect("unreachable")
        .says("symbolic link loop");
    // A FIFO no one writes to: opening it would block; a stat does not.
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    run(&["-t", "2s", &file_url(&fifo, "?max-age=1m")]).expect("healthy");
}

/// A directory on the way that the probe's uid may not search: the reason says so.
#[test]
fn an_unsearchable_directory_is_named() {
    const TEST: &str = "an_unsearchable_directory_is_named";
    if !is_root() {
        return skip(TEST, "running as another uid needs root");
    }
    let dir = support::scratch_dir("unsearchable");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.join("healthprobe");
    fs::copy(BIN, &bin).unwrap();
    let closed = dir.join("closed");
    fs::create_dir(&closed).unwrap();
    fs::write(closed.join("beat"), "").unwrap();
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o700)).unwrap();
    let mut command = Command::new(&bin);
    command
        .arg(file_url(&closed.join("beat"), ""))
        .uid(65534)
        .gid(65534);
    run_command(command)
        .expect("unreachable")
        .says("cannot stat")
        .says("permission denied");
}

#[test]
fn targets_that_are_not_absolute_files_are_errors() {
    for (target, says) in [
        ("file://tmp/beat", "an absolute path, no host"),
        ("file://host/tmp/beat", "an absolute path, no host"),
        (
            "file:///tmp/beat?max-age=soon",
            "max-age: \"soon\" is not a duration",
        ),
        (
            "file:///tmp/beat?max-age=1s&max-age=2s",
            "the one parameter is max-age",
        ),
        ("file:///tmp/beat?size=1", "the one parameter is max-age"),
        ("file:///tmp/a%00b", "%00"),
    ] {
        run(&[target]).expect("error").says(says);
    }
    // No option about a request applies to a file.
    run(&["-H", "X-A: b", "file:///tmp"])
        .expect("error")
        .says("not tcp://, file://");
}

/// `--wait` for a readiness file another process writes: healthy once it is there, with
/// the waits' progress saying what was missing.
#[test]
fn wait_for_a_file_another_process_creates() {
    let dir = support::scratch_dir("readiness");
    let ready = dir.join("ready");
    let writer = {
        let ready = ready.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(600));
            fs::write(ready, "").unwrap();
        })
    };
    let run = support::run(&[
        "--wait",
        "20s",
        "--interval",
        "100ms",
        &file_url(&ready, "?max-age=1m"),
    ]);
    writer.join().unwrap();
    run.expect("healthy");
    assert!(
        run.stderr.contains("no file at") || run.stdout.contains("no file at"),
        "{run:#?}"
    );
}

#[test]
fn install_copies_this_very_binary_atomically() {
    let dir = support::scratch_dir("install");
    let dest = dir.join("probe").join("healthprobe");
    let dest_text = dest.display().to_string();
    // No parent directory is made unless asked.
    run(&["--install", &dest_text])
        .expect("error")
        .says("does not exist (--parents creates it)");
    let installed = run(&["--install", &dest_text, "--parents"]);
    assert_eq!(installed.code, Some(0), "{installed:#?}");
    let own = fs::read(BIN).unwrap();
    assert!(
        installed
            .stdout
            .starts_with(&format!("installed {dest_text} ({} bytes", own.len()))
    );
    assert_eq!(installed.stdout.lines().count(), 1, "{installed:#?}");
    assert!(
        fs::read(&dest).unwrap() == own,
        "the copy differs from the binary"
    );
    let mode = fs::metadata(&dest).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o755);
    // The copy runs, and copies itself again byte for byte.
    let again = dir.join("again");
    let out = Command::new(&dest)
        .args(["--install", &again.display().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(fs::read(&again).unwrap() == own);
    // A directory is never replaced; a name that names no file is refused.
    run(&["--install", &dir.display().to_string()])
        .expect("error")
        .says("is a directory; name the file");
    run(&["--install", &format!("{}/", dir.display())]).expect("error");
    run(&["--install", &dest_text, "http://127.0.0.1:1/"])
        .expect("error")
        .says("--install takes nothing else");
    run(&["--parents", "/health"])
        .expect("error")
        .says("--parents goes with --install");
    // No temporary file is left behind.
    let names: Vec<_> = fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("healthprobe")]);
}

/// A reader of the destination sees the old file or the whole new one, never a part: the
/// copy is renamed into place.
#[test]
fn a_reader_never_sees_a_partial_copy() {
    let dir = support::scratch_dir("atomic");
    let dest = dir.join("healthprobe");
    let old = vec![b'x'; 4096];
    fs::write(&dest, &old).unwrap();
    let own = fs::read(BIN).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (dest, stop, old, own) = (dest.clone(), stop.clone(), old.clone(), own.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let seen = fs::read(&dest).unwrap();
                assert!(
                    seen == old || seen == own,
                    "a partial file of {} bytes",
                    seen.len()
                );
                reads += 1;
            }
            reads
        })
    };
    for _ in 0..20 {
        let run: Run = run(&["--install", &dest.display().to_string()]);
        assert_eq!(run.code, Some(0), "{run:#?}");
        fs::write(dir.join("old"), &old).unwrap();
        fs::rename(dir.join("old"), &dest).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
}

/// A file system that never answers (a FUSE mount whose daemon answers nothing after
/// INIT, `support/stuck_fs.py`, in a mount namespace of its own): the verdict comes at the
/// deadline, naming the file system. (The process itself then waits in the kernel for the
/// stat the daemon took and never answered; the test ends the file system to let it go.)
#[test]
fn a_stuck_file_system_cannot_hold_the_verdict() {
    const TEST: &str = "a_stuck_file_system_cannot_hold_the_verdict";
    if !is_root() {
        return skip(TEST, "mounting FUSE needs root");
    }
    if !Path::new("/dev/fuse").exists() {
        return skip(TEST, "no /dev/fuse");
    }
    let Some(unshare) = support::which("unshare") else {
        return skip(TEST, "no unshare (util-linux)");
    };
    let dir = support::scratch_dir("stuck");
    let mountpoint = dir.join("mnt");
    fs::create_dir(&mountpoint).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/stuck_fs.py");
    let url = file_url(&mountpoint.join("heartbeat"), "?max-age=30s");
    let mut command = Command::new(unshare);
    command
        .args(["--mount", "--propagation", "private", "python3"])
        .arg(&script)
        .arg(&mountpoint)
        .args([BIN, "-t", "1s", &url]);
    let out = run_command(command);
    let mut lines = out.stdout.lines();
    let verdict = lines.next().unwrap_or("");
    assert_eq!(
        verdict,
        format!(
            "timeout: no answer from the file system about {} within 1s",
            mountpoint.join("heartbeat").display()
        ),
        "{out:#?}"
    );
    let after: u64 = lines
        .next()
        .and_then(|l| l.strip_prefix("after ")?.strip_suffix(" ms")?.parse().ok())
        .unwrap_or_else(|| panic!("{out:#?}"));
    // The deadline is 1 s; the slack is for a loaded machine, never a hang.
    assert!(after < 2500, "the verdict took {after} ms");
}
