//! A value one instance computes once for every request that asks for it with the same key
//! within a time, the others waiting for that one computation (single flight): what many
//! admins on the same page at once would otherwise each compute.

use std::time::{Duration, Instant};

pub struct Fresh<V> {
    slot: tokio::sync::Mutex<Option<(String, Instant, V)>>,
    fresh_for: Duration,
}

impl<V: Clone> Fresh<V> {
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            slot: tokio::sync::Mutex::new(None),
            fresh_for,
        }
    }

    /// The value kept for `key` if younger than the time given, else `compute`'s (kept when
    /// it succeeds).
    pub async fn get<E, F>(&self, key: String, compute: impl FnOnce() -> F) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((k, at, v)) = slot.as_ref() {
            if *k == key && at.elapsed() < self.fresh_for {
                return Ok(v.clone());
            }
        }
        let v = compute().await?;
        *slot = Some((key, Instant::now(), v.clone()));
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn one_computation_serves_a_key_until_it_is_too_old_and_failures_are_not_kept() {
        let fresh = Fresh::new(Duration::from_millis(200));
        let runs = AtomicUsize::new(0);
        let compute = || async { Ok::<_, ()>(runs.fetch_add(1, Ordering::SeqCst) + 1) };
        let at_once = futures::future::join_all((0..10).map(|_| fresh.get("a".into(), compute)));
        assert_eq!(
            at_once.await,
            vec![Ok(1); 10],
            "ten at once, one computation"
        );
        assert_eq!(fresh.get("b".into(), compute).await, Ok(2), "another key");
        assert_eq!(fresh.get("b".into(), || async { Err(()) }).await, Ok(2));
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(fresh.get("b".into(), || async { Err(()) }).await, Err(()));
        assert_eq!(
            fresh.get("b".into(), compute).await,
            Ok(3),
            "too old: computed again"
        );
    }
}
