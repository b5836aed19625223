//! Tells the live pages (dashboard, queue) that runs or messages changed: a broadcast of
//! "something changed", each page then reloads what it shows.

/// Cloned freely; every clone notifies the same subscribers.
#[derive(Clone)]
pub struct Changes(tokio::sync::broadcast::Sender<()>);

impl Default for Changes {
    fn default() -> Self {
        Self(tokio::sync::broadcast::channel(64).0)
    }
}

impl Changes {
    pub fn notify(&self) {
        // No page listening is fine.
        let _ = self.0.send(());
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<()> {
        self.0.subscribe()
    }
}
