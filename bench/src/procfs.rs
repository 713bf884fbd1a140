//! CPU time and memory of a process, from `/proc`.

use std::fs;

/// CPU time of a process at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuSample {
    /// Nanoseconds on CPU summed over the live threads (`/proc/PID/task/*/schedstat`).
    pub schedstat_ns: u64,
    /// utime + stime of the whole process, dead threads included (`/proc/PID/stat`), in ns;
    /// tick resolution, a cross-check of `schedstat_ns`.
    pub stat_ns: u64,
    /// Live threads.
    pub threads: usize,
}

impl CpuSample {
    /// The CPU used between `earlier` and `self`, by the schedstat sum (ns).
    pub fn since(&self, earlier: &CpuSample) -> u64 {
        self.schedstat_ns.saturating_sub(earlier.schedstat_ns)
    }

    /// The CPU used between `earlier` and `self`, by utime + stime (ns).
    pub fn stat_since(&self, earlier: &CpuSample) -> u64 {
        self.stat_ns.saturating_sub(earlier.stat_ns)
    }
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a constant of the running system.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}

/// Samples the CPU time of process `pid` (zero fields if it is gone).
pub fn cpu(pid: u32) -> CpuSample {
    let mut sample = CpuSample::default();
    if let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let path = task.path().join("schedstat");
            if let Ok(text) = fs::read_to_string(path) {
                if let Some(ns) = text
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    sample.schedstat_ns += ns;
                    sample.threads += 1;
                }
            }
        }
    }
    if let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) {
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        if let Some((_, rest)) = stat.rsplit_once(')') {
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| {
                fields
                    .get(i)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            // rest[0] is field 3 (state), so field N is rest[N - 3].
            let total = ticks(14 - 3) + ticks(15 - 3);
            sample.stat_ns = total * 1_000_000_000 / clock_ticks_per_second();
        }
    }
    sample
}

/// A `kB` field of `/proc/PID/status` (`VmHWM`, `VmRSS`), in KiB.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

/// The CPU time this process (the harness itself) has used, all threads, in ns.
pub fn own_cpu_ns() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let micros = |tv: libc::timeval| tv.tv_sec as u64 * 1_000_000 + tv.tv_usec as u64;
    (micros(usage.ru_utime) + micros(usage.ru_stime)) * 1_000
}
