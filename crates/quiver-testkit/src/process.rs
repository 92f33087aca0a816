//! Running a program under test with bytes on its standard input.

use std::io::{self, Write};
use std::process::{Command, Output, Stdio};

/// Runs `cmd` to completion with `stdin` (if any) on its standard input (otherwise
/// `/dev/null`), capturing standard output and error. The input is written from its own
/// thread, so a child that stops reading early cannot deadlock the test.
///
/// ```
/// use std::process::Command;
/// let out = quiver_testkit::output_with_stdin(Command::new("cat"), Some(b"hi".to_vec())).unwrap();
/// assert_eq!(out.stdout, b"hi");
/// ```
pub fn output_with_stdin(mut cmd: Command, stdin: Option<Vec<u8>>) -> io::Result<Output> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        std::thread::spawn(move || {
            // A child that exits without reading all of it closes the pipe: not an error.
            let _ = pipe.write_all(&bytes);
        });
    }
    child.wait_with_output()
}
