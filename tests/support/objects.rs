//! The macOS and Windows artifacts read as their systems' loaders read them: a 64-bit
//! Mach-O file (CPU type, the libraries it loads, its code signature) and a PE file
//! (machine, subsystem, the DLLs it imports). Only what the tests check.

use std::path::Path;

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap())
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// The NUL-terminated string at `at`.
fn c_string(bytes: &[u8], at: usize) -> String {
    let end = bytes[at..].iter().position(|&b| b == 0).unwrap() + at;
    String::from_utf8_lossy(&bytes[at..end]).into_owned()
}

/// A 64-bit little-endian Mach-O executable.
pub struct MachO(Vec<u8>);

/// Mach-O's CPU types: x86_64 and arm64.
pub const CPU_X86_64: u32 = 0x0100_0007;
pub const CPU_ARM64: u32 = 0x0100_000c;

impl MachO {
    pub fn read(path: &Path) -> MachO {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(bytes[..4], [0xcf, 0xfa, 0xed, 0xfe], "{}", path.display());
        // MH_EXECUTE
        assert_eq!(
            u32_at(&bytes, 12),
            2,
            "{} is not an executable",
            path.display()
        );
        MachO(bytes)
    }

    pub fn cpu_type(&self) -> u32 {
        u32_at(&self.0, 4)
    }

    /// Each load command: its `cmd` and its bytes.
    fn commands(&self) -> Vec<(u32, &[u8])> {
        let count = u32_at(&self.0, 16) as usize;
        let mut at = 32;
        (0..count)
            .map(|_| {
                let (cmd, size) = (u32_at(&self.0, at), u32_at(&self.0, at + 4) as usize);
                let command = &self.0[at..at + size];
                at += size;
                (cmd, command)
            })
            .collect()
    }

    /// The libraries it loads, weakly, lazily or re-exported included.
    pub fn libraries(&self) -> Vec<String> {
        const LOADS: [u32; 4] = [0xc, 0x8000_0018, 0x8000_001f, 0x20];
        (self.commands().into_iter())
            .filter(|(cmd, _)| LOADS.contains(cmd))
            .map(|(_, command)| c_string(command, u32_at(command, 8) as usize))
            .collect()
    }

    /// Whether it carries a code signature (LC_CODE_SIGNATURE): an arm64 Mac runs no
    /// binary without one, ad-hoc at least.
    pub fn is_signed(&self) -> bool {
        self.commands().iter().any(|(cmd, _)| *cmd == 0x1d)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// A PE32+ executable.
pub struct Pe(Vec<u8>);

/// PE's machines: AMD64 and ARM64.
pub const MACHINE_AMD64: u16 = 0x8664;
pub const MACHINE_ARM64: u16 = 0xaa64;

impl Pe {
    pub fn read(path: &Path) -> Pe {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(&bytes[..2], b"MZ", "{}", path.display());
        let pe = Pe(bytes);
        assert_eq!(&pe.0[pe.header()..pe.header() + 4], b"PE\0\0");
        // PE32+
        assert_eq!(u16_at(&pe.0, pe.optional()), 0x20b, "{}", path.display());
        pe
    }

    fn header(&self) -> usize {
        u32_at(&self.0, 0x3c) as usize
    }

    fn optional(&self) -> usize {
        self.header() + 24
    }

    pub fn machine(&self) -> u16 {
        u16_at(&self.0, self.header() + 4)
    }

    /// 3: a console program, whose output a terminal or a pipe gets.
    pub fn subsystem(&self) -> u16 {
        u16_at(&self.0, self.optional() + 68)
    }

    /// The file offset of a relative virtual address.
    fn offset(&self, rva: u32) -> usize {
        let count = u16_at(&self.0, self.header() + 6) as usize;
        let table = self.optional() + u16_at(&self.0, self.header() + 20) as usize;
        (0..count)
            .map(|i| table + 40 * i)
            .find_map(|s| {
                let (size, address) = (u32_at(&self.0, s + 8), u32_at(&self.0, s + 12));
                let raw = u32_at(&self.0, s + 20);
                (address..address + size)
                    .contains(&rva)
                    .then(|| (rva - address + raw) as usize)
            })
            .expect("an address inside a section")
    }

    /// The DLLs its import directory names.
    pub fn imports(&self) -> Vec<String> {
        // The import directory is the second of the data directories, which start 112
        // bytes into a PE32+ optional header.
        let directory = u32_at(&self.0, self.optional() + 112 + 8);
        let mut at = self.offset(directory);
        let mut names = Vec::new();
        while self.0[at..at + 20].iter().any(|&b| b != 0) {
            names.push(c_string(&self.0, self.offset(u32_at(&self.0, at + 12))));
            at += 20;
        }
        names
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}
