//! Just enough of an ELF reader for the artifacts of every platform shipped: 32- and
//! 64-bit, little- and big-endian.

pub const PT_DYNAMIC: u32 = 2;
pub const PT_INTERP: u32 = 3;
pub const PT_GNU_EH_FRAME: u32 = 0x6474_e550;
pub const DT_NEEDED: u64 = 1;
pub const DT_RELASZ: u64 = 8;

pub struct Elf {
    bytes: Vec<u8>,
    wide: bool,
    big: bool,
}

impl Elf {
    pub fn read(path: &std::path::Path) -> Elf {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            &bytes[..4],
            b"\x7fELF",
            "{} is not an ELF file",
            path.display()
        );
        let (wide, big) = (bytes[4] == 2, bytes[5] == 2);
        Elf { bytes, wide, big }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The unsigned integer of `width` bytes at `at`, in the file's byte order.
    fn int(&self, at: usize, width: usize) -> usize {
        let field = &self.bytes[at..at + width];
        let mut value = 0u64;
        for i in 0..width {
            let byte = if self.big {
                field[i]
            } else {
                field[width - 1 - i]
            };
            value = value << 8 | u64::from(byte);
        }
        value as usize
    }

    /// A field that is 4 bytes wide in 32-bit files and 8 in 64-bit ones.
    fn word(&self, at: usize) -> usize {
        self.int(at, if self.wide { 8 } else { 4 })
    }

    /// `e_machine`: 62 x86-64, 183 AArch64, 40 ARM, 3 i386, 21 PowerPC64, 22 s390, 243 RISC-V.
    pub fn machine(&self) -> u16 {
        self.int(0x12, 2) as u16
    }

    pub fn is_big_endian(&self) -> bool {
        self.big
    }

    /// The program headers: (type, file offset, file size).
    pub fn program_headers(&self) -> Vec<(u32, usize, usize)> {
        let (phoff, phentsize, phnum) = if self.wide {
            (self.int(0x20, 8), self.int(0x36, 2), self.int(0x38, 2))
        } else {
            (self.int(0x1c, 4), self.int(0x2a, 2), self.int(0x2c, 2))
        };
        let (offset, filesz) = if self.wide { (8, 32) } else { (4, 16) };
        (0..phnum)
            .map(|i| {
                let at = phoff + i * phentsize;
                let kind = self.int(at, 4) as u32;
                (kind, self.word(at + offset), self.word(at + filesz))
            })
            .collect()
    }

    /// The section headers: (name, address, size).
    pub fn sections(&self) -> Vec<(String, usize, usize)> {
        self.section_headers()
            .into_iter()
            .map(|(name, addr, _, size)| (name, addr, size))
            .collect()
    }

    /// The bytes of the section `name` in the file, if there is one.
    pub fn section(&self, name: &str) -> Option<&[u8]> {
        let (_, _, offset, size) = self
            .section_headers()
            .into_iter()
            .find(|header| header.0 == name)?;
        Some(&self.bytes[offset..offset + size])
    }

    /// The section headers: (name, address, file offset, size).
    fn section_headers(&self) -> Vec<(String, usize, usize, usize)> {
        let (shoff, shentsize, shnum, shstrndx) = if self.wide {
            let fields = (self.int(0x28, 8), self.int(0x3a, 2));
            (fields.0, fields.1, self.int(0x3c, 2), self.int(0x3e, 2))
        } else {
            let fields = (self.int(0x20, 4), self.int(0x2e, 2));
            (fields.0, fields.1, self.int(0x30, 2), self.int(0x32, 2))
        };
        let (addr, offset, size) = if self.wide {
            (16, 24, 32)
        } else {
            (12, 16, 20)
        };
        let header = |i: usize| shoff + i * shentsize;
        let names = self.word(header(shstrndx) + offset);
        (0..shnum)
            .map(|i| {
                let at = header(i);
                let name = &self.bytes[names + self.int(at, 4)..];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap()];
                let name = String::from_utf8_lossy(name).into_owned();
                let word = |field| self.word(at + field);
                (name, word(addr), word(offset), word(size))
            })
            .collect()
    }

    /// The (tag, value) entries of the dynamic section, if there is one.
    pub fn dynamic_entries(&self) -> Vec<(u64, u64)> {
        let Some((_, offset, size)) = self
            .program_headers()
            .into_iter()
            .find(|h| h.0 == PT_DYNAMIC)
        else {
            return Vec::new();
        };
        let width = if self.wide { 8 } else { 4 };
        (offset..offset + size)
            .step_by(2 * width)
            .map(|at| {
                let tag = self.int(at, width) as u64;
                (tag, self.int(at + width, width) as u64)
            })
            .collect()
    }

    /// Static (no interpreter, no shared library needed) and stripped (no symbol table):
    /// what every shipped artifact must be. Returns what is wrong, if anything.
    pub fn shipping_problems(&self) -> Vec<&'static str> {
        let mut problems = Vec::new();
        if self.program_headers().iter().any(|h| h.0 == PT_INTERP) {
            problems.push("it has an interpreter (PT_INTERP)");
        }
        if self
            .dynamic_entries()
            .iter()
            .any(|&(tag, _)| tag == DT_NEEDED)
        {
            problems.push("it needs a shared library (DT_NEEDED)");
        }
        if self.sections().iter().any(|(name, ..)| name == ".symtab") {
            problems.push("it is not stripped (.symtab)");
        }
        problems
    }
}
