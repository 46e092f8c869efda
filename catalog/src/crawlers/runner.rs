//! Who runs a crawl: the machine and the process, recorded with each run, so that a crawl
//! whose process died can be told from a live one without waiting for its lease.
//!
//! A machine is its host name together with what makes its process ids meaningful: the
//! kernel's boot id (`/proc/sys/kernel/random/boot_id`, new at every boot, so a rebooted
//! machine counts as another) and the process id namespace (containers on one machine have
//! their own). A process is its id together with its start time (field 22 of
//! `/proc/PID/stat`, in clock ticks after boot), so that a process id the system gave to a
//! new process is not mistaken for the crawl's. Where there is no `/proc` (other systems
//! than Linux) the machine is unknown and nothing is decided from it.

use std::fmt;
use std::sync::OnceLock;

/// The process that runs (or ran) a crawl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlRunner {
    /// The machine's host name.
    pub host: String,
    /// The boot id and process id namespace of the machine, or `None` when they cannot be
    /// read (no `/proc`): then whether a process of it is alive cannot be told.
    pub machine: Option<String>,
    /// The process id.
    pub pid: u32,
    /// When the process started, in clock ticks after boot, when known.
    pub process_start: Option<u64>,
}

/// Whether the process that runs a crawl is still alive, as far as this process can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerLiveness {
    /// It runs on this machine and is alive.
    Alive,
    /// It ran on this machine and is gone: no process has its id, or another process does
    /// (one started at another time), or it is a zombie waiting for its parent.
    Gone,
    /// It runs on another machine (or in another container), whose processes this one
    /// cannot see.
    Elsewhere,
    /// It cannot be told: the machine or process is unknown, or `/proc` cannot be read.
    Unknown,
}

impl CrawlRunner {
    /// This process, on this machine.
    pub fn current() -> &'static CrawlRunner {
        static CURRENT: OnceLock<CrawlRunner> = OnceLock::new();
        CURRENT.get_or_init(|| {
            let pid = std::process::id();
            CrawlRunner {
                host: host_name(),
                machine: machine_id(),
                pid,
                process_start: match process_stat(pid) {
                    ProcessStat::Running { start } => Some(start),
                    _ => None,
                },
            }
        })
    }

    /// Whether this runner is alive, seen from the current process.
    pub fn liveness(&self) -> RunnerLiveness {
        let here = CrawlRunner::current();
        let (Some(machine), Some(this_machine)) = (&self.machine, &here.machine) else {
            return RunnerLiveness::Unknown;
        };
        if self.host != here.host || machine != this_machine {
            return RunnerLiveness::Elsewhere;
        }
        match process_stat(self.pid) {
            ProcessStat::Absent | ProcessStat::Zombie => RunnerLiveness::Gone,
            ProcessStat::Running { start } => match self.process_start {
                Some(recorded) if recorded == start => RunnerLiveness::Alive,
                Some(_) => RunnerLiveness::Gone,
                // The process id is taken, and without the start time it cannot be told
                // whether by the runner.
                None => RunnerLiveness::Unknown,
            },
            ProcessStat::Unreadable => RunnerLiveness::Unknown,
        }
    }
}

impl fmt::Display for CrawlRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pid {} on {}", self.pid, self.host)
    }
}

/// The host name, from the kernel (it is the UTS namespace's, as `hostname` shows), else
/// from `HOSTNAME`.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "unknown-host".into())
}

/// The boot id and this process's process id namespace, or `None` without `/proc`.
fn machine_id() -> Option<String> {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let namespace = std::fs::read_link("/proc/self/ns/pid").ok()?;
    Some(format!(
        "{} {}",
        boot.trim(),
        namespace.to_string_lossy().trim()
    ))
}

/// What `/proc/PID/stat` says about a process id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProcessStat {
    /// No such process.
    Absent,
    /// A process that has exited and waits for its parent to collect its status.
    Zombie,
    /// A process started `start` clock ticks after boot.
    Running { start: u64 },
    /// `/proc` could not be read or parsed.
    Unreadable,
}

fn process_stat(pid: u32) -> ProcessStat {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => parse_stat(&stat),
        // With `/proc` mounted `hidepid=1` or `2`, other users' processes are missing too:
        // a missing process is gone only where this process can see others' (init's).
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && others_are_visible() => {
            ProcessStat::Absent
        }
        Err(_) => ProcessStat::Unreadable,
    }
}

/// Whether `/proc` shows other users' processes: init's status is readable.
fn others_are_visible() -> bool {
    std::fs::read_to_string("/proc/1/stat").is_ok()
}

/// Reads the state (field 3) and start time (field 22) of a `/proc/PID/stat` line. The
/// command name (field 2) is in parentheses and may hold spaces and parentheses itself, so
/// fields are counted from the last `)`.
fn parse_stat(stat: &str) -> ProcessStat {
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return ProcessStat::Unreadable;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `fields[0]` is field 3.
    let (Some(state), Some(start)) = (fields.first(), fields.get(22 - 3)) else {
        return ProcessStat::Unreadable;
    };
    if matches!(*state, "Z" | "X" | "x") {
        return ProcessStat::Zombie;
    }
    match start.parse() {
        Ok(start) => ProcessStat::Running { start },
        Err(_) => ProcessStat::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_are_read_from_the_last_parenthesis() {
        let line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1017 0 0 0 3 1 0 0 20 0 1 \
                    0 987654 12345678 900 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0";
        assert_eq!(parse_stat(line), ProcessStat::Running { start: 987_654 });
        let zombie = line.replace(") S ", ") Z ");
        assert_eq!(parse_stat(&zombie), ProcessStat::Zombie);
        assert_eq!(parse_stat("4242 (cut"), ProcessStat::Unreadable);
        assert_eq!(parse_stat("4242 (short) S 1 2"), ProcessStat::Unreadable);
    }

    #[test]
    fn this_process_is_alive_and_others_are_told_apart() {
        let here = CrawlRunner::current().clone();
        if here.machine.is_none() {
            // No /proc: nothing can be told.
            assert_eq!(here.liveness(), RunnerLiveness::Unknown);
            return;
        }
        assert!(here.process_start.is_some());
        assert_eq!(here.liveness(), RunnerLiveness::Alive);
        let reused = CrawlRunner {
            process_start: here.process_start.map(|start| start + 1),
            ..here.clone()
        };
        assert_eq!(reused.liveness(), RunnerLiveness::Gone);
        // Above the largest process id Linux hands out (2^22).
        let absent = CrawlRunner {
            pid: 1 << 30,
            ..here.clone()
        };
        assert_eq!(absent.liveness(), RunnerLiveness::Gone);
        let rebooted = CrawlRunner {
            machine: Some("another boot".into()),
            ..here.clone()
        };
        assert_eq!(rebooted.liveness(), RunnerLiveness::Elsewhere);
        let other_host = CrawlRunner {
            host: format!("not-{}", here.host),
            ..here.clone()
        };
        assert_eq!(other_host.liveness(), RunnerLiveness::Elsewhere);
        let unknown = CrawlRunner {
            machine: None,
            ..here
        };
        assert_eq!(unknown.liveness(), RunnerLiveness::Unknown);
    }

    #[test]
    fn a_child_that_exited_is_gone_once_collected_and_as_a_zombie() {
        let Some(_) = CrawlRunner::current().machine else {
            return;
        };
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("run true");
        let pid = child.id();
        // Until collected it is a zombie (or still starting, or running).
        let runner = CrawlRunner {
            pid,
            process_start: None,
            ..CrawlRunner::current().clone()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while process_stat(pid) != ProcessStat::Zombie {
            assert!(std::time::Instant::now() < deadline, "true never exited");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(runner.liveness(), RunnerLiveness::Gone);
        child.wait().expect("collect true");
        assert_eq!(runner.liveness(), RunnerLiveness::Gone);
    }
}
