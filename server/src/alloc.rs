//! A global allocator that wraps the system allocator and counts the bytes in use, for
//! INFO's `used_memory` (Redis gets the same figure from jemalloc).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes currently allocated through [`CountingAlloc`].
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

/// The system allocator plus a byte counter.
///
/// The counter is updated with a relaxed load and store rather than an atomic
/// read-modify-write: the server allocates from one thread only, and a locked instruction
/// on every allocation would cost measurable throughput. Should another thread ever allocate
/// concurrently, the figure could drift; it is a statistic, never used for safety.
pub struct CountingAlloc;

#[inline]
fn add(n: usize) {
    ALLOCATED.store(ALLOCATED.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
}

#[inline]
fn sub(n: usize) {
    ALLOCATED.store(ALLOCATED.load(Ordering::Relaxed).wrapping_sub(n), Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the same arguments and only adds
// bookkeeping on a static counter.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        sub(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as in `dealloc`; the caller upholds `realloc`'s contract for `new_size`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size);
            sub(layout.size());
        }
        p
    }
}

/// Bytes currently allocated (the `HostInfo::allocated_bytes` hook).
pub fn allocated_bytes() -> usize {
    ALLOCATED.load(Ordering::Relaxed)
}
