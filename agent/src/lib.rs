//! `osdgate-agent`: the device-side client that runs from the boot media. The task sequence engine
//! ([`engine`]) is pure logic; the executors, the state on disk, the log and the status queue are the
//! parts that touch the machine.

pub mod condition;
pub mod content;
pub mod engine;
pub mod executor;
pub mod generate;
pub mod identity;
pub mod logfile;
pub mod online;
pub mod placement;
pub mod platform;
pub mod probe;
pub mod relay;
pub mod run;
pub mod state;
pub mod status;
pub mod variables;
