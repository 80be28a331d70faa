//! The launcher installer (`media::launcher`) on arbitrary `startnet.cmd` bytes: never panics; an
//! installed file holds exactly one current block, and installing again changes nothing (replaced,
//! never stacked).
#![no_main]

use libfuzzer_sys::fuzz_target;
use osdgate_model::media::launcher::{LAUNCHER_VERSION, find, install};

fuzz_target!(|data: &[u8]| {
    let _ = find(data);
    if let Ok(installed) = install(data) {
        let found = find(&installed.startnet).expect("an installed file is readable").expect("it holds the launcher");
        assert_eq!(found.version, LAUNCHER_VERSION);
        let again = install(&installed.startnet).expect("an installed file installs again");
        assert_eq!(again.startnet, installed.startnet);
    }
});
