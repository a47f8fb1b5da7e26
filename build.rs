//! Links the code a probe runs together, in the order it runs, with `src/hot.ld` (made by
//! `benches/hot_text.py`): a probe then pages in ~300 KiB less of the binary, in fewer
//! faults. The script only orders sections; without it the program is the same, only its
//! layout differs (and tests/memory.rs fails).

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src/hot.ld");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/hot.ld");
    // Absent only while a Docker build caches dependencies with a stub src/.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") || !script.exists() {
        return;
    }
    let script = script.display();
    // rust-lld (the arm64 cross link) takes linker flags bare; cc passes them on with -Wl.
    if std::env::var("RUSTC_LINKER").is_ok_and(|linker| linker.ends_with("lld")) {
        println!("cargo:rustc-link-arg-bins=-T{script}");
    } else {
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{script}");
    }
}
