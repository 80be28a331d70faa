//! The journeys' one check of status delivery (agent/tests/wrangler_journey.rs against `wrangler
//! dev`, edge-worker/tests/agent_journey.rs against the relay's router): every message the agent
//! queued is at the relay exactly once, in the order queued, for the whole task sequence.

use osdgate_model::api::{StatusMessage, StepState};

/// `messages` are the relay's (oldest first), `screen` the agent's output with its summary line
/// (`N status message(s) queued`), `steps` the task sequence's step count.
pub fn assert_delivered_once_in_order(messages: &[StatusMessage], screen: &str, steps: usize) {
    let queued: usize = screen
        .lines()
        .find_map(|l| l.split(" status message(s) queued").next()?.rsplit(' ').next()?.parse().ok())
        .expect("the summary line");
    assert_eq!(messages.len(), queued, "{screen}");
    let mut ids: Vec<&str> = messages.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), messages.len(), "no message counted twice");
    // Message IDs are the queue's order; the relay's sequence is the order it stored them.
    let mut by_queue = messages.to_vec();
    by_queue.sort_by(|a, b| a.message_id.cmp(&b.message_id));
    assert_eq!(
        by_queue.iter().map(|m| m.sequence).collect::<Vec<_>>(),
        messages.iter().map(|m| m.sequence).collect::<Vec<_>>(),
        "stored in the order they were queued"
    );
    assert_eq!(messages.iter().filter(|m| m.state == StepState::Started).count(), steps);
    assert!(
        messages
            .iter()
            .any(|m| m.state == StepState::Running && m.step.contains("downloading ABC00010")),
        "download progress reached the relay"
    );
    assert_eq!(messages.last().map(|m| m.state), Some(StepState::Completed));
}
