//! Link options for the binary. Each linker script only adds to the default layout:
//! `link/hot.ld` (made by `scripts/hot_text.py`) lays out the code a probe runs together,
//! so a probe pages in less of the binary in fewer faults (tests/memory.rs holds it to
//! that); `link/discard.ld` drops unwind tables that `panic = "abort"` never uses;
//! `link/arena.ld` puts the allocator's arena after the other statics (one fault fewer).
//! Relative relocations are packed (RELR, read by musl ≥ 1.2.4's static-PIE start-up,
//! bundled with Rust ≥ 1.93, below Cargo.toml's rust-version), so a probe reads almost no
//! relocations at start (docs/performance.md has the sizes). The six platforms linked by zig
//! (`cargo zigbuild`, docs/platforms.md) keep RELA: zig's driver refuses the flag and its
//! linker cannot pack; it also ignores the scripts, which cost nothing there.
//!
//! Every build also embeds its dependency list for scanners (`build/dependencies.rs`),
//! a nightly compiler turns on std's allocation-failure hook (`sys::process`), and every
//! system but Linux gets the portable `sys` variant (`cfg(portable)`, src/sys/mod.rs).

use std::path::Path;

#[path = "build/dependencies.rs"]
mod dependencies;

fn main() {
    dependencies::embed();
    // `--version` names the target it was built for. (Cargo also sets the variable for
    // the tests it runs: a HEALTHPROBE_ name would be an unknown variable of ours there.)
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=BUILD_TARGET_TRIPLE={target}");
    // std's allocation-failure hook is unstable: used where the compiler is a nightly.
    println!("cargo::rustc-check-cfg=cfg(alloc_error_hook)");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = std::process::Command::new(rustc).arg("-V").output();
    if version.is_ok_and(|v| String::from_utf8_lossy(&v.stdout).contains("-nightly")) {
        println!("cargo:rustc-cfg=alloc_error_hook");
    }
    // The `sys` variant (src/sys/): Linux's own, or the portable one every other system
    // builds (and Linux with the `portable-sys` test feature).
    println!("cargo::rustc-check-cfg=cfg(portable)");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if !linux || std::env::var_os("CARGO_FEATURE_PORTABLE_SYS").is_some() {
        println!("cargo:rustc-cfg=portable");
    }
    if !linux {
        return;
    }
    // rust-lld (the arm64 cross link) takes linker flags bare; cc passes them on with -Wl.
    let bare = std::env::var("RUSTC_LINKER").is_ok_and(|linker| linker.ends_with("lld"));
    let link_arg = |flag: &str, value: &str| {
        if bare {
            println!("cargo:rustc-link-arg-bins={flag}{value}");
        } else {
            println!("cargo:rustc-link-arg-bins=-Wl,{flag},{value}");
        }
    };
    let zig = std::env::var("RUSTC_LINKER").is_ok_and(|linker| linker.contains("zigcc"));
    if !zig {
        link_arg("-z", "pack-relative-relocs");
    }
    for name in ["link/hot.ld", "link/discard.ld", "link/arena.ld"] {
        println!("cargo:rerun-if-changed={name}");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        // Absent only while a Docker build caches dependencies without link/.
        if script.exists() {
            link_arg("-T", &script.display().to_string());
        }
    }
}
