//! The live engines of this module, by id. The JS wrapper's hot path calls a plain
//! exported function with an instance id ([`crate::call_instance`]) rather than a method
//! with wasm-bindgen's object pointer, which is private to wasm-bindgen's glue.

use std::cell::RefCell;

use crate::host::Host;
use crate::layout::{MetaWord, META_WORDS};

/// One engine as JS sees it: its host and the metadata block JS reads.
pub struct Instance {
    /// Engine, connections, clock and shared buffers.
    pub host: Host,
    /// The metadata block (see [`MetaWord`]), at a fixed address for the instance's life.
    pub meta: Box<[u32; META_WORDS]>,
    /// The effect log's state (`persist`).
    pub log: crate::persist::LogState,
}

impl Instance {
    /// An instance over `host` with its metadata filled in.
    pub fn new(host: Host) -> Instance {
        let mut i = Instance { host, meta: Box::new([0; META_WORDS]), log: Default::default() };
        i.update_meta();
        i
    }

    /// Writes the buffers' current addresses and lengths and the pending record count into
    /// the metadata block.
    #[inline]
    pub fn update_meta(&mut self) {
        // Addresses in wasm32 linear memory fit u32.
        let m = &mut self.meta;
        m[MetaWord::OutputAddr as usize] = self.host.output.as_ptr() as usize as u32;
        m[MetaWord::OutputLen as usize] = self.host.output.len() as u32;
        m[MetaWord::InputAddr as usize] = self.host.input.as_ptr() as usize as u32;
        m[MetaWord::InputLen as usize] = self.host.input.len() as u32;
        m[MetaWord::PendingRecords as usize] = self.host.wakeup_count();
    }

    /// Address of the metadata block.
    pub fn meta_addr(&self) -> u32 {
        self.meta.as_ptr() as usize as u32
    }
}

thread_local! {
    /// Instances by id (`None`: freed; its slot is reused).
    static LIVE: RefCell<Vec<Option<Instance>>> = const { RefCell::new(Vec::new()) };
}

/// Registers `instance`; returns its id.
pub fn add(instance: Instance) -> u32 {
    LIVE.with(|live| {
        let mut live = live.borrow_mut();
        match live.iter().position(Option::is_none) {
            Some(i) => {
                live[i] = Some(instance);
                i as u32
            }
            None => {
                live.push(Some(instance));
                (live.len() - 1) as u32
            }
        }
    })
}

/// Frees instance `id` (no effect when it is gone).
pub fn remove(id: u32) {
    // Dropped after the borrow ends.
    let _gone = LIVE.with(|live| live.borrow_mut().get_mut(id as usize).and_then(Option::take));
}

/// Runs `f` on instance `id`; `None` when there is no such instance.
#[inline]
pub fn with<R>(id: u32, f: impl FnOnce(&mut Instance) -> R) -> Option<R> {
    LIVE.with(|live| live.borrow_mut().get_mut(id as usize).and_then(Option::as_mut).map(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockMode;
    use cinder_core::config::Config;

    fn instance() -> Instance {
        Instance::new(Host::new(Config::default(), 1, 0, ClockMode::Manual).unwrap())
    }

    #[test]
    fn ids_are_reused_after_remove() {
        let a = add(instance());
        let b = add(instance());
        assert_ne!(a, b);
        remove(a);
        assert!(with(a, |_| ()).is_none());
        assert_eq!(add(instance()), a);
        assert!(with(b, |i| i.meta[MetaWord::InputAddr as usize]).is_some());
        remove(a);
        remove(b);
    }
}
