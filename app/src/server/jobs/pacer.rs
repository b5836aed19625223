//! Spaces sends evenly so that no minute holds more than the configured number: one slot
//! every `60 s / per_minute`, no bursts. A slot whose send was refused is given back.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

pub struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    pub fn per_minute(n: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) / n.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for the next free slot.
    pub async fn acquire(&self) {
        let at = {
            let mut next = self.next.lock().await;
            let at = (*next).max(Instant::now());
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Gives a slot back: the provider refused the message, so it did not count.
    pub async fn refund(&self) {
        let mut next = self.next.lock().await;
        let now = Instant::now();
        if *next > now {
            *next = (*next - self.interval).max(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn never_more_than_the_cap_in_any_window() {
        // 6,000 a minute is 100 a second: no second may hold more than that (plus the
        // slot that opens it).
        let pacer = Pacer::per_minute(6000);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..150 {
            pacer.acquire().await;
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 101, "{in_window} sends within a second");
        }
        assert!(
            times[149] >= Duration::from_millis(1490),
            "{:?}",
            times[149]
        );
    }

    #[tokio::test]
    async fn a_refused_send_gives_its_slot_back() {
        let pacer = Pacer::per_minute(600);
        pacer.acquire().await;
        pacer.acquire().await; // 100 ms later
        pacer.refund().await;
        let start = Instant::now();
        pacer.acquire().await;
        assert!(
            start.elapsed() < Duration::from_millis(60),
            "{:?}",
            start.elapsed()
        );
    }
}
