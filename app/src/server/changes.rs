//! Tells the live pages (dashboard, queue) that runs or messages changed: a broadcast of
//! "something changed", each page then reloads what it shows. Local changes are told at
//! once and marked pending for the other instances (see `cluster`, which relays them).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Cloned freely; every clone notifies the same subscribers.
#[derive(Clone)]
pub struct Changes {
    local: tokio::sync::broadcast::Sender<()>,
    pending: Arc<AtomicBool>,
    /// Changes told here so far, local or relayed (see [`Changes::generation`]).
    told: Arc<AtomicU64>,
}

impl Default for Changes {
    fn default() -> Self {
        Self {
            local: tokio::sync::broadcast::channel(64).0,
            pending: Arc::new(AtomicBool::new(false)),
            told: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl Changes {
    /// Something changed here: this instance's pages now, the others' at the next relay.
    pub fn notify(&self) {
        self.pending.store(true, Ordering::Release);
        self.notify_local();
    }

    /// Tells this instance's pages only (of a change another instance made).
    pub fn notify_local(&self) {
        self.told.fetch_add(1, Ordering::AcqRel);
        // No page listening is fine.
        let _ = self.local.send(());
    }

    /// Grows with every change told to this instance's pages: what they show is the same
    /// while it does not.
    pub fn generation(&self) -> u64 {
        self.told.load(Ordering::Acquire)
    }

    /// Whether there were local changes since the last call.
    pub fn take_pending(&self) -> bool {
        self.pending.swap(false, Ordering::AcqRel)
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<()> {
        self.local.subscribe()
    }
}
