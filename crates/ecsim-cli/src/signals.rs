//! SIGINT and SIGTERM during a run (SPEC §9): the signal is noted, the run stops at its next
//! record, and its temporary directory is removed before the process exits with 128 + the
//! signal's number; a second signal exits at once (a later run removes what that leaves). Also
//! whether a process is still there, to tell a killed run's leftovers from a running one's.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal caught, 0 for none.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// Catches SIGINT and SIGTERM from now on (for the rest of the process).
pub fn install() {
    #[cfg(unix)]
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `on_signal` only stores to an atomic and may call `_exit`, both
        // async-signal-safe; the `sigaction` is zeroed (no flags but SA_RESTART, an empty mask)
        // and outlives the call.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(unix)]
extern "C" fn on_signal(signal: libc::c_int) {
    if CAUGHT.swap(signal, Ordering::SeqCst) != 0 {
        // SAFETY: `_exit` is async-signal-safe; it ends the process without unwinding.
        unsafe { libc::_exit(128 + signal) }
    }
}

/// The signal caught since [`install`], if any: (its number, its name).
pub fn caught() -> Option<(i32, &'static str)> {
    match CAUGHT.load(Ordering::Relaxed) {
        0 => None,
        #[cfg(unix)]
        libc::SIGINT => Some((libc::SIGINT, "SIGINT")),
        #[cfg(unix)]
        libc::SIGTERM => Some((libc::SIGTERM, "SIGTERM")),
        n => Some((n, "a signal")),
    }
}

/// Whether process `pid` exists (it may belong to anyone). Unknown is taken as yes.
pub fn process_exists(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        if pid <= 0 {
            return true;
        }
        // SAFETY: signal 0 checks that the process exists and sends nothing.
        let sent = unsafe { libc::kill(pid, 0) };
        sent == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}
