//! The one blocking wait of the library: sleep on a condvar until it is
//! notified or a deadline passes. A stream's reads and `wait_open`
//! (`queue.rs`) and a poller's wait (`poller.rs`) use it. Each counts its
//! sleepers under its lock, so that whoever changes the state notifies the
//! condvar only when someone sleeps.

use std::sync::{Condvar, MutexGuard};
use std::time::Instant;

/// Sleeps on `condvar` (counted in `*sleepers(state)` meanwhile) until a
/// notification, a spurious wake-up or `deadline` (`None`: no deadline).
/// `Err` gives the guard back without sleeping once the deadline has
/// passed; the caller checks its condition again after an `Ok`.
pub(crate) fn sleep_until<'a, T>(
    condvar: &Condvar,
    mut guard: MutexGuard<'a, T>,
    deadline: Option<Instant>,
    sleepers: fn(&mut T) -> &mut usize,
) -> Result<MutexGuard<'a, T>, MutexGuard<'a, T>> {
    let left = match deadline {
        None => None,
        Some(d) => match d.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Some(left),
            _ => return Err(guard),
        },
    };
    *sleepers(&mut guard) += 1;
    // A poisoned lock still holds a valid state (see the owners' `lock`).
    let mut guard = match left {
        None => condvar.wait(guard).unwrap_or_else(|p| p.into_inner()),
        Some(left) => match condvar.wait_timeout(guard, left) {
            Ok((g, _)) => g,
            Err(p) => p.into_inner().0,
        },
    };
    *sleepers(&mut guard) -= 1;
    Ok(guard)
}
