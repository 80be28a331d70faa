//! `osdgate-agent`: runs from the boot media, authenticates the media to the relay, fetches the task
//! sequence policy and content, and reports status.

fn main() {
    println!("osdgate-agent {}", osdgate_model::VERSION);
}
