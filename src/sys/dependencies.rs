//! The dependency list `build/dependencies.rs` made for this build, in the section where
//! `cargo audit bin`, Trivy, Grype and Syft look for it (`.dep-v0`, cargo auditable's).
//! Nothing reads it at run time. So the section is not allocated (flags ""): the linker
//! puts it after the loaded segments, where it costs its own bytes and never a page of
//! memory, and keeps it without any code referring to it (a linker collects only
//! allocated sections). A `#[link_section]` static would be allocated data, which moved
//! the amd64 binary's later segments by a page (+4 KiB for ~360 bytes).

#[cfg(target_os = "linux")]
std::arch::global_asm!(
    ".pushsection .dep-v0,\"\",%progbits",
    concat!(".incbin \"", env!("OUT_DIR"), "/dep-v0\""),
    ".popsection",
);

// Mach-O and PE have no unallocated sections: there it is read-only data where the
// scanners look (cargo auditable's `__DATA,.dep-v0` and `.dep-v0`), kept though nothing
// refers to it (`no_dead_strip`; a PE linker keeps a section that is not a COMDAT).
#[cfg(target_os = "macos")]
std::arch::global_asm!(
    ".section __DATA,.dep-v0,regular,no_dead_strip",
    concat!(".incbin \"", env!("OUT_DIR"), "/dep-v0\""),
    ".previous",
);
#[cfg(windows)]
std::arch::global_asm!(
    ".section \".dep-v0\",\"dr\"",
    concat!(".incbin \"", env!("OUT_DIR"), "/dep-v0\""),
    ".text",
);
