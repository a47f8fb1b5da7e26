//! The process's allocator: a bump arena in `.bss`, falling back to the system allocator.
//!
//! A probe lives for a millisecond and allocates some tens of KiB. musl's allocator maps
//! (and, on free, unmaps) a fresh group of pages for every new size class: a probe made
//! `brk`, `mmap` and `munmap` calls for a few small buffers (docs/performance.md counts
//! them). Bumping a cursor through a static, zero-initialised region costs no system
//! call at all (the kernel maps `.bss` with the binary and pages it in on first touch),
//! and packs the allocations into fewer pages. Memory is only reclaimed when the most
//! recent allocation is freed or resized — enough for a `Vec` growing in place — and
//! the process exits long before that matters. Past the arena, the system allocator
//! takes over, so the arena is never a limit.
//!
//! This is the one module with `unsafe` code (a `GlobalAlloc` cannot be written without
//! it); each block says why it holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Larger than a probe needs with a full 64 KiB body check; untouched pages cost nothing.
pub const SIZE: usize = 1 << 20;

const PAGE: usize = 4096;

struct Memory(UnsafeCell<[u8; SIZE]>);

/// A bump allocator over [`SIZE`] bytes.
///
/// The cursors come first and nothing is page-aligned, so that they share a page with the
/// first allocations and with the statics linked before the arena: page-aligned, with the
/// cursors past the end, a probe touched three more pages of `.bss` (two of them faulted
/// twice, read before written).
#[repr(C)]
pub struct Arena {
    /// Offset of the first free byte. Only ever moved by compare-and-swap, so each byte
    /// range is handed to exactly one caller.
    next: AtomicUsize,
    /// Offset past every byte ever handed out: beyond it the arena is still the zeroes of
    /// `.bss`, so a zeroed allocation there needs no writing, and no page is touched
    /// before it is used.
    fresh: AtomicUsize,
    memory: Memory,
}

// SAFETY: the arena's bytes are only reached through pointers handed out by `alloc`,
// whose ranges never overlap (the cursor is claimed atomically), so sharing the arena
// between threads shares no byte between two owners.
unsafe impl Sync for Arena {}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            memory: Memory(UnsafeCell::new([0; SIZE])),
            next: AtomicUsize::new(0),
            fresh: AtomicUsize::new(0),
        }
    }

    fn base(&self) -> *mut u8 {
        self.memory.0.get().cast::<u8>()
    }

    /// The offset of `ptr` in the arena, if it points into it.
    fn offset(&self, ptr: *mut u8) -> Option<usize> {
        let offset = (ptr as usize).wrapping_sub(self.base() as usize);
        (offset < SIZE).then_some(offset)
    }

    /// Claims `size` bytes aligned to `align`. Returns their offset, and how much of them
    /// (from the start) may have been handed out before, and so may not be zero.
    fn claim(&self, size: usize, align: usize) -> Option<(usize, usize)> {
        let base = self.base() as usize;
        let mut start = 0;
        self.next
            .try_update(Ordering::SeqCst, Ordering::SeqCst, |next| {
                start = (base + next).checked_next_multiple_of(align)? - base;
                let end = start.checked_add(size)?;
                (end <= SIZE).then(|| self.cursor_after(start, size))
            })
            .ok()?;
        Some((start, self.handed_out(start, start + size)))
    }

    /// Where the cursor stands after a block of `size` bytes at `offset` (which fits).
    /// A block of a page or more is a buffer, used from its start, its tail mostly never
    /// touched: what comes after it starts on a page of its own rather than straddling
    /// two (one page fault fewer per probe).
    fn cursor_after(&self, offset: usize, size: usize) -> usize {
        let end = offset + size;
        if size >= PAGE {
            let base = self.base() as usize;
            ((base + end).next_multiple_of(PAGE) - base).min(SIZE)
        } else {
            end
        }
    }

    /// Records `start..end` as handed out; returns how many of its bytes were before.
    fn handed_out(&self, start: usize, end: usize) -> usize {
        let before = self.fresh.fetch_max(end, Ordering::SeqCst);
        before.clamp(start, end) - start
    }
}

impl Default for Arena {
    fn default() -> Self {
        Arena::new()
    }
}

// SAFETY: `alloc` hands out each byte range once (the cursor moves by compare-and-swap),
// aligned and within the arena or from `System`; `dealloc` and `realloc` only take back the
// most recent block or pass a foreign one on to `System`, which made it.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.claim(layout.size(), layout.align()) {
            // SAFETY: `start + size <= SIZE`, so the pointer stays inside `memory`.
            Some((start, _)) => unsafe { self.base().add(start) },
            // SAFETY: the caller's layout contract is passed on unchanged.
            None => or_exit(unsafe { System.alloc(layout) }),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match self.claim(layout.size(), layout.align()) {
            // SAFETY: inside `memory` as in `alloc`; only the part handed out before can
            // hold anything but zeroes, and only that part is written.
            Some((start, used)) => unsafe {
                let ptr = self.base().add(start);
                ptr.write_bytes(0, used);
                ptr
            },
            // SAFETY: the caller's layout contract is passed on unchanged.
            None => or_exit(unsafe { System.alloc_zeroed(layout) }),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match self.offset(ptr) {
            // The most recent allocation gives its bytes back; any other is left in place.
            Some(offset) => {
                let _ = self.next.compare_exchange(
                    self.cursor_after(offset, layout.size()),
                    offset,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                );
            }
            // SAFETY: not ours, so `System` allocated it with this layout.
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if let Some(offset) = self.offset(ptr) {
            // The most recent allocation grows or shrinks where it is, when it fits.
            let resized = offset
                .checked_add(new_size)
                .filter(|&end| end <= SIZE)
                .is_some_and(|end| {
                    let grown = self
                        .next
                        .compare_exchange(
                            self.cursor_after(offset, layout.size()),
                            self.cursor_after(offset, new_size),
                            Ordering::SeqCst,
                            Ordering::SeqCst,
                        )
                        .is_ok();
                    if grown {
                        self.handed_out(offset, end);
                    }
                    grown
                });
            if resized {
                return ptr;
            }
        }
        // SAFETY: `GlobalAlloc::realloc` guarantees `new_size`, rounded to `align`, does
        // not overflow, so this layout is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid, non-zero-size layout (realloc's contract).
        // (Never null: `alloc` ends the run instead, see `or_exit`.)
        let new = unsafe { self.alloc(new_layout) };
        // SAFETY: both blocks are live, distinct, and at least this long.
        unsafe {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

/// A block from the system allocator, or the end of the run with its one report when
/// there was none to be had (`process::out_of_memory`).
fn or_exit(block: *mut u8) -> *mut u8 {
    if block.is_null() {
        super::process::out_of_memory();
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_block_comes_back_whatever_its_size() {
        let arena = Box::new(Arena::new());
        for size in [100, PAGE, 3 * PAGE + 5] {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: non-zero sizes; each block is freed with the layout it was made with.
            unsafe {
                let first = arena.alloc(layout);
                arena.dealloc(first, layout);
                assert_eq!(arena.alloc(layout), first, "{size} bytes not reclaimed");
                let grown = arena.realloc(first, layout, size * 2);
                assert_eq!(grown, first, "{size} bytes not grown in place");
            }
        }
    }

    /// Exercises the arena directly (not as the global allocator): allocations never
    /// overlap, keep their contents across in-place and moving reallocations, and
    /// overflow to the system allocator.
    #[test]
    fn allocations_are_disjoint_and_keep_their_bytes() {
        let arena = Box::new(Arena::new());
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..5000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let size = 1 + (seed % 70_000) as usize;
            let align = 1 << (seed % 7);
            let layout = Layout::from_size_align(size, align).unwrap();
            let fill = i as u8;
            let ptr = if seed.is_multiple_of(2) {
                // SAFETY: a non-zero size.
                let ptr = unsafe { arena.alloc_zeroed(layout) };
                // SAFETY: within the block just allocated.
                assert!((0..size).all(|j| unsafe { *ptr.add(j) } == 0), "not zeroed");
                ptr
            } else {
                // SAFETY: a non-zero size.
                unsafe { arena.alloc(layout) }
            };
            assert!(!ptr.is_null());
            assert_eq!(ptr as usize % align, 0);
            // SAFETY: the block is filled within its size.
            unsafe { ptr.write_bytes(fill, size) };
            live.push((ptr, layout, fill));
            if seed.is_multiple_of(3) {
                let (ptr, layout, fill) = live.swap_remove((seed as usize / 3) % live.len());
                let new_size = 1 + (seed as usize / 7) % 90_000;
                // SAFETY: `ptr` is live with `layout`; new_size is non-zero.
                let new = unsafe { arena.realloc(ptr, layout, new_size) };
                let kept = layout.size().min(new_size);
                // SAFETY: within what the block kept.
                assert!((0..kept).all(|j| unsafe { *new.add(j) } == fill));
                // SAFETY: within its new size.
                unsafe { new.write_bytes(fill, new_size) };
                live.push((
                    new,
                    Layout::from_size_align(new_size, layout.align()).unwrap(),
                    fill,
                ));
            }
            if seed.is_multiple_of(5) {
                let (ptr, layout, fill) = live.pop().unwrap();
                // SAFETY: within the live block.
                assert!((0..layout.size()).all(|j| unsafe { *ptr.add(j) } == fill));
                // SAFETY: live, allocated with this layout.
                unsafe { arena.dealloc(ptr, layout) };
            }
        }
        for (ptr, layout, fill) in live {
            // SAFETY: within the live block.
            assert!((0..layout.size()).all(|j| unsafe { *ptr.add(j) } == fill));
            // SAFETY: live, allocated with this layout.
            unsafe { arena.dealloc(ptr, layout) };
        }
    }
}
