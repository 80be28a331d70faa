//! The status queue on disk: order kept across reopenings, nothing deleted before the relay stored
//! it, refused and unreadable messages kept aside, message IDs never reused.

use std::path::PathBuf;

use osdgate_agent::status::{SendOutcome, StatusQueue};
use osdgate_model::api::{StatusPost, StepState};

fn folder(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("osdgate-agent-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    folder
}

fn post(step: &str) -> StatusPost {
    StatusPost {
        message_id: String::new(),
        deployment_id: "ABC20001".into(),
        step: step.into(),
        state: StepState::Started,
        progress: Some(0),
        error_code: None,
        log_excerpt: None,
        sent_at: None,
        smbios_guid: None,
    }
}

#[test]
fn keeps_order_until_stored_and_never_reuses_ids() {
    let folder = folder("queue-order");
    let mut queue = StatusQueue::open(&folder).unwrap();
    let first = queue.enqueue(post("one")).unwrap();
    let second = queue.enqueue(post("two")).unwrap();
    queue.enqueue(post("three")).unwrap();
    assert_ne!(first, second);
    assert!(
        first.len() <= 128 && first.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    );

    // The relay goes away after the first message.
    let mut sent = Vec::new();
    let report = queue
        .flush(&mut |p: &StatusPost| {
            if sent.is_empty() {
                sent.push(p.step.clone());
                SendOutcome::Stored
            } else {
                SendOutcome::Retry("connection refused".into())
            }
        })
        .unwrap();
    assert_eq!((report.sent, report.remaining), (1, 2));
    assert_eq!(report.stopped.as_deref(), Some("connection refused"));

    // A restart of the agent: a new queue object on the same folder continues numbering.
    drop(queue);
    let mut queue = StatusQueue::open(&folder).unwrap();
    let fourth = queue.enqueue(post("four")).unwrap();
    assert!(fourth > second, "{fourth} after {second}");
    let pending: Vec<String> = queue.pending().unwrap().into_iter().map(|(_, p)| p.step).collect();
    assert_eq!(pending, ["two", "three", "four"]);

    // The relay is back: one message is refused for its content, the rest are stored in order.
    let mut order = Vec::new();
    let report = queue
        .flush(&mut |p: &StatusPost| {
            order.push((p.step.clone(), p.message_id.clone()));
            if p.step == "three" {
                SendOutcome::Refused("422 invalid_step".into())
            } else {
                SendOutcome::Stored
            }
        })
        .unwrap();
    assert_eq!((report.sent, report.refused, report.remaining), (2, 1, 0));
    assert_eq!(order.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), ["two", "three", "four"]);
    assert_eq!(order[0].1, second, "a resent message keeps its ID, so the relay counts it once");
    assert!(queue.pending().unwrap().is_empty());
    let rejected: Vec<String> = std::fs::read_dir(folder.join("rejected"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(rejected.len(), 2, "the message and its reason: {rejected:?}");

    // Even with the queue empty, numbers continue (IDs are never reused).
    drop(queue);
    let mut queue = StatusQueue::open(&folder).unwrap();
    let fifth = queue.enqueue(post("five")).unwrap();
    assert!(fifth > fourth);
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn unreadable_messages_are_set_aside_not_dropped() {
    let folder = folder("queue-corrupt");
    let mut queue = StatusQueue::open(&folder).unwrap();
    queue.enqueue(post("one")).unwrap();
    std::fs::write(folder.join("0000000007.json"), b"{ torn").unwrap();
    let pending = queue.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert!(folder.join("rejected/0000000007.json").exists());
    let reason = std::fs::read_to_string(folder.join("rejected/0000000007.reason.txt")).unwrap();
    assert!(reason.contains("not a status message"), "{reason}");
    // Numbers come from the counter, not from the files.
    let id = queue.enqueue(post("two")).unwrap();
    assert!(id.ends_with("-0000000001"), "{id}");
    drop(queue);
    std::fs::write(folder.join("instance"), b"nonsense").unwrap();
    let error = StatusQueue::open(&folder).unwrap_err().to_string();
    assert!(error.contains("remove the file"), "{error}");
    std::fs::remove_dir_all(&folder).unwrap();
}
