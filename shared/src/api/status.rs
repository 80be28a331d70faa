//! Status messages devices post while the task sequence runs, so the console can monitor a
//! deployment live (seed 002, "Monitor OS deployments").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a task sequence step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Started,
    Running,
    Succeeded,
    Failed,
    Skipped,
    Completed,
}

/// What joins a step's name and a content ID in the step name of a download's progress message.
const DOWNLOADING: &str = ": downloading ";

/// The `step` of a `running` message that reports a download's progress for `step`: the step's
/// name, then the content ID (`Apply Operating System: downloading ABC00010`). The agent writes it
/// and the console's monitoring reads it back with [`download_of`], so both agree on the form.
pub fn download_step(step: &str, content_id: &str) -> String {
    format!("{step}{DOWNLOADING}{content_id}")
}

/// The step and the content ID of a [`download_step`] name; `None` for any other step name.
pub fn download_of(step: &str) -> Option<(&str, &str)> {
    let (name, content_id) = step.rsplit_once(DOWNLOADING)?;
    (!name.is_empty() && !content_id.is_empty() && !content_id.contains(' '))
        .then_some((name, content_id))
}

/// `POST /api/v1/status`. Idempotent by `message_id`: posting the same message twice stores it once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusPost {
    /// Client-chosen unique ID (a UUID), 1–128 characters of `A-Z a-z 0-9 - _ .`.
    pub message_id: String,
    pub deployment_id: String,
    /// The step's name, as in the task sequence.
    pub step: String,
    pub state: StepState,
    /// 0–100.
    #[serde(default)]
    pub progress: Option<u8>,
    /// The Windows/ConfigMgr error code, e.g. `0x80070002`.
    #[serde(default)]
    pub error_code: Option<String>,
    /// At most 16 KiB of log (e.g. the tail of smsts.log).
    #[serde(default)]
    pub log_excerpt: Option<String>,
    /// Device clock, milliseconds since the Unix epoch (informational).
    #[serde(default)]
    pub sent_at: Option<i64>,
    /// SMBIOS UUID of the device (media-token posts; device tokens carry the device).
    #[serde(default)]
    pub smbios_guid: Option<String>,
}

/// The answer to a status post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StatusAccepted {
    pub message_id: String,
    /// The stored message's position in the relay's ordering (cursor unit).
    pub sequence: i64,
    /// True when this message ID had already been stored (nothing changed).
    pub duplicate: bool,
}

/// A stored status message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusMessage {
    pub sequence: i64,
    pub message_id: String,
    pub deployment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smbios_guid: Option<String>,
    pub step: String,
    pub state: StepState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_excerpt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
    pub received_at: i64,
}

/// A page of status messages, oldest first. Pass `next_cursor` as `after` to continue; it is
/// present whenever more messages may follow (poll with it for live monitoring).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusPage {
    pub messages: Vec<StatusMessage>,
    pub next_cursor: String,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_step_name_reads_back_and_other_names_do_not() {
        let name = download_step("Apply: downloading OS", "ABC00010");
        assert_eq!(download_of(&name), Some(("Apply: downloading OS", "ABC00010")));
        assert_eq!(download_of("Apply Operating System"), None);
        assert_eq!(download_of("Step: downloading "), None);
        assert_eq!(download_of(": downloading ABC00010"), None);
        assert_eq!(download_of("Step: downloading two words"), None);
    }
}
