//! Running commands: each step is printed before it runs, and a failure names the command.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;

use anyhow::{Context, Result, bail};

/// Print a step heading, the way every step of `dev` and `test` announces itself.
pub fn step(message: impl AsRef<str>) {
    println!("==> {}", message.as_ref());
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Run to completion with inherited stdio; an unsuccessful exit is an error naming the command.
pub fn run(command: &mut Command) -> Result<()> {
    let status = status(command)?;
    if status.success() { Ok(()) } else { bail!("`{}` failed ({status})", describe(command)) }
}

/// Run to completion with inherited stdio and return the exit status.
pub fn status(command: &mut Command) -> Result<ExitStatus> {
    println!("    $ {}", describe(command));
    command.status().with_context(|| format!("could not start `{}`", describe(command)))
}

/// Run and capture stdout (stderr is inherited); an unsuccessful exit is an error.
pub fn output(command: &mut Command) -> Result<String> {
    let out = command
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start `{}`", describe(command)))?;
    if !out.status.success() {
        bail!("`{}` failed ({})", describe(command), out.status);
    }
    String::from_utf8(out.stdout)
        .with_context(|| format!("`{}` printed non-UTF-8", describe(command)))
}

/// Run, echoing stdout and stderr as they come, and also return everything printed (both
/// streams interleaved by line). Used for test runners whose counts are parsed.
pub fn tee(command: &mut Command) -> Result<(ExitStatus, String)> {
    println!("    $ {}", describe(command));
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{}`", describe(command)))?;
    let (sender, receiver) = mpsc::channel::<(bool, String)>();
    let readers: Vec<_> = [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .enumerate()
    .map(|(index, stream)| {
        let sender = sender.clone();
        thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if sender.send((index == 1, line)).is_err() {
                    break;
                }
            }
        })
    })
    .collect();
    drop(sender);
    let mut collected = String::new();
    for (is_stderr, line) in receiver {
        if is_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
        collected.push_str(&line);
        collected.push('\n');
    }
    for reader in readers {
        let _ = reader.join();
    }
    let status = child.wait().context("waiting for a test runner")?;
    Ok((status, collected))
}

/// A child process started in its own process group, so that it and everything it started
/// (wrangler starts workerd) can be stopped together. Dropping the guard stops the group: the
/// processes end on every path out of `dev` and `test`, failures included.
#[derive(Debug)]
pub struct GroupGuard {
    child: Child,
    name: &'static str,
}

impl GroupGuard {
    pub fn spawn(name: &'static str, command: &mut Command) -> Result<Self> {
        println!("    $ {}", describe(command));
        let child = command
            .process_group(0)
            .spawn()
            .with_context(|| format!("could not start `{}`", describe(command)))?;
        Ok(Self { child, name })
    }

    /// Whether the process has already exited (and with what).
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        Ok(self.child.try_wait()?)
    }

    /// Stop the whole group: SIGTERM, a grace period, then SIGKILL.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            // The leader is gone; its group may still have members.
            signal_group(self.child.id(), "KILL");
            return;
        }
        println!("==> stopping {}", self.name);
        signal_group(self.child.id(), "TERM");
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            thread::sleep(std::time::Duration::from_millis(100));
        }
        signal_group(self.child.id(), "KILL");
        let _ = self.child.wait();
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Signal a whole process group with the system's `kill` (the workspace forbids `unsafe`, so no
/// direct libc call).
fn signal_group(leader: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([format!("-{signal}"), "--".to_owned(), format!("-{leader}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// True when `program` is found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}
