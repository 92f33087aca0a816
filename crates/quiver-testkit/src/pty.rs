//! Running a command with some of its standard streams on a pseudo-terminal, so tests
//! can check what a program does when it talks to a person: terminal width, progress
//! output, refusing to print binary data.
//!
//! ```
//! use std::process::{Command, Stdio};
//! use std::time::Duration;
//! use quiver_testkit::pty::Pty;
//!
//! let pty = Pty::open(60, 20).unwrap();
//! let mut cmd = Command::new("sh");
//! cmd.args(["-c", "stty size 0<&1; test -t 1 && echo terminal"]);
//! cmd.stdin(Stdio::null()).stdout(pty.stdio().unwrap()).stderr(Stdio::null());
//! let run = pty.run(cmd, Duration::from_secs(10)).unwrap();
//! assert!(run.status.success());
//! assert_eq!(run.text(), "20 60\nterminal\n");
//! ```

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A pseudo-terminal pair: the test reads the master side, the child writes the slave.
#[derive(Debug)]
pub struct Pty {
    master: File,
    slave: OwnedFd,
}

/// What a child wrote to the terminal, and how it ended.
#[derive(Debug)]
pub struct PtyRun {
    /// The child's exit status.
    pub status: ExitStatus,
    /// Everything written to the terminal, as the terminal delivered it.
    pub output: Vec<u8>,
}

impl PtyRun {
    /// The output as text, with the terminal's `\r\n` line ends turned back into `\n`.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).replace("\r\n", "\n")
    }
}

impl Pty {
    /// Opens a terminal of `cols` × `rows` characters.
    pub fn open(cols: u16, rows: u16) -> io::Result<Self> {
        let mut master = -1;
        let mut slave = -1;
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: the out-pointers are valid for one `c_int` each; a null name and null
        // termios are allowed; `size` is a valid `winsize` that openpty only reads.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: openpty succeeded, so both are open descriptors that nothing else owns.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        Ok(Self { master, slave })
    }

    /// A handle on the terminal for one of the child's standard streams.
    pub fn stdio(&self) -> io::Result<Stdio> {
        Ok(Stdio::from(self.slave.try_clone()?))
    }

    /// Spawns `cmd` (whose streams were set up with [`stdio`](Pty::stdio) and others),
    /// collects the terminal's output until the child exits, and kills the child if it
    /// runs longer than `timeout`. The command is consumed so that its copies of the
    /// terminal are closed once the child has them.
    pub fn run(self, mut cmd: Command, timeout: Duration) -> io::Result<PtyRun> {
        let Pty { mut master, slave } = self;
        let spawned = cmd.spawn();
        // The child has its own copies of the terminal; ours must go, or reading the
        // master would never see the end.
        drop(cmd);
        drop(slave);
        let mut child = spawned?;
        let exited = Arc::new(AtomicBool::new(false));
        let reader = {
            let exited = Arc::clone(&exited);
            std::thread::spawn(move || {
                let mut output = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let mut poll = libc::pollfd {
                        fd: master.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid `pollfd` for an open descriptor.
                    let ready = unsafe { libc::poll(&mut poll, 1, 50) };
                    if ready == 0 {
                        // Nothing pending: done once the child has exited (a grandchild
                        // holding the terminal must not keep the test waiting).
                        if exited.load(Ordering::Acquire) {
                            break;
                        }
                        continue;
                    }
                    match master.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => output.extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        // Linux reports EIO once every slave descriptor is closed.
                        Err(_) => break,
                    }
                }
                output
            })
        };
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Ok(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the child ran longer than {timeout:?} and was killed"),
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        exited.store(true, Ordering::Release);
        let output = reader
            .join()
            .map_err(|_| io::Error::other("the terminal reader panicked"))?;
        Ok(PtyRun {
            status: status?,
            output,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_sees_a_terminal_of_the_given_size() {
        let pty = Pty::open(61, 17).unwrap();
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "stty size 0<&1; test -t 1 && echo out-is-a-tty; test -t 2 || echo err-is-not",
        ]);
        cmd.stdin(Stdio::null())
            .stdout(pty.stdio().unwrap())
            .stderr(Stdio::null());
        let run = pty.run(cmd, Duration::from_secs(20)).unwrap();
        assert!(run.status.success());
        assert_eq!(run.text(), "17 61\nout-is-a-tty\nerr-is-not\n");
    }

    #[test]
    fn a_child_that_hangs_is_killed() {
        let pty = Pty::open(80, 24).unwrap();
        let mut cmd = Command::new("sleep");
        cmd.arg("30").stdout(pty.stdio().unwrap());
        let err = pty.run(cmd, Duration::from_millis(300)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
