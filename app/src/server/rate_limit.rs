//! Failed-login throttling, per (user, address) and per address, kept in memory.
//!
//! In memory is enough for one instance; several instances each throttle on their own,
//! which still bounds guessing to a small multiple of the limit. The address is the real
//! client's (see `client_addr`), so an attacker's failures never lock out the right
//! password typed from another address. Entries expire with their window, and the map is
//! swept as it grows, so failed logins cannot fill the memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries held before expired ones are swept.
const SWEEP_AT: usize = 1024;

#[derive(Debug)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
    per_user: usize,
    per_address: usize,
    window: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    UserAtAddress(String, IpAddr),
    Address(IpAddr),
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(5, 20, Duration::from_secs(15 * 60))
    }
}

impl LoginLimiter {
    pub fn new(per_user: usize, per_address: usize, window: Duration) -> Self {
        Self {
            failures: Mutex::new(HashMap::new()),
            per_user,
            per_address,
            window,
        }
    }

    fn keys(user: &str, addr: IpAddr) -> [(Key, bool); 2] {
        [
            (Key::UserAtAddress(user.to_lowercase(), addr), true),
            (Key::Address(addr), false),
        ]
    }

    /// `Err(seconds)` when a login for `user` from `addr` must wait that long.
    pub fn check(&self, user: &str, addr: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = 0u64;
        for (key, is_user) in Self::keys(user, addr) {
            let limit = if is_user {
                self.per_user
            } else {
                self.per_address
            };
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() >= limit {
                    let oldest = times[times.len() - limit];
                    let left = self.window.saturating_sub(now.duration_since(oldest));
                    wait = wait.max(left.as_secs().max(1));
                }
            }
        }
        if wait > 0 {
            Err(wait)
        } else {
            Ok(())
        }
    }

    pub fn record_failure(&self, user: &str, addr: IpAddr) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, times| {
                times.retain(|t| now.duration_since(*t) < self.window);
                !times.is_empty()
            });
        }
        let cap = self.per_user.max(self.per_address);
        for (key, _) in Self::keys(user, addr) {
            let times = map.entry(key).or_default();
            times.push(now);
            // Only the latest `cap` failures decide a wait.
            if times.len() > cap {
                times.drain(..times.len() - cap);
            }
        }
    }

    /// Entries held (for tests of the sweep).
    pub fn entries(&self) -> usize {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// A successful login clears the user's failures from that address.
    pub fn record_success(&self, user: &str, addr: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&Key::UserAtAddress(user.to_lowercase(), addr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_after_the_limit_per_user_and_address() {
        let l = LoginLimiter::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.check("admin", ip("10.0.0.1")).is_ok());
            l.record_failure("admin", ip("10.0.0.1"));
        }
        let wait = l.check("Admin", ip("10.0.0.1")).unwrap_err();
        assert!((1..=60).contains(&wait));
        // Another address, or another user, is not blocked by these failures.
        assert!(l.check("admin", ip("10.0.0.2")).is_ok());
        assert!(l.check("maria", ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn blocks_an_address_that_sprays_many_users() {
        let l = LoginLimiter::new(100, 4, Duration::from_secs(60));
        for u in ["a", "b", "c", "d"] {
            l.record_failure(u, ip("10.0.0.9"));
        }
        assert!(l.check("e", ip("10.0.0.9")).is_err());
    }

    #[test]
    fn failures_expire_after_the_window() {
        let l = LoginLimiter::new(1, 100, Duration::from_millis(30));
        l.record_failure("admin", ip("10.0.0.1"));
        assert!(l.check("admin", ip("10.0.0.1")).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(l.check("admin", ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn expired_entries_are_swept_and_a_key_keeps_few_failures() {
        // A window long enough that filling the map never outlasts it on a loaded machine.
        let l = LoginLimiter::new(2, 3, Duration::from_millis(800));
        for i in 0..SWEEP_AT as u32 {
            l.record_failure(&format!("u{i}"), IpAddr::from(i.to_be_bytes()));
        }
        assert_eq!(l.entries(), 2 * SWEEP_AT);
        std::thread::sleep(Duration::from_millis(900));
        l.record_failure("admin", ip("10.0.0.1"));
        assert_eq!(l.entries(), 2, "only the new failure's two keys are left");
        for _ in 0..100 {
            l.record_failure("admin", ip("10.0.0.1"));
        }
        let map = l.failures.lock().unwrap();
        assert!(map.values().all(|t| t.len() <= 3));
    }

    #[test]
    fn success_clears_the_users_failures() {
        let l = LoginLimiter::new(2, 100, Duration::from_secs(60));
        l.record_failure("admin", ip("10.0.0.1"));
        l.record_success("admin", ip("10.0.0.1"));
        l.record_failure("admin", ip("10.0.0.1"));
        assert!(l.check("admin", ip("10.0.0.1")).is_ok());
    }
}
