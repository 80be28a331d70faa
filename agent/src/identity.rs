//! The hardware identity a device claims when it registers: its SMBIOS UUID and a MAC address, the
//! two identifiers ConfigMgr knows a computer by (and a document's `devices[]` names it by).
//!
//! Where it comes from, without privileges and without unsafe code:
//!
//! - **Windows and Windows PE**: the SMBIOS UUID from `HKLM\SYSTEM\HardwareConfig`'s `LastConfig`
//!   value, which the Windows boot loader writes from the firmware's SMBIOS system information
//!   (type 1) on every boot, in the byte order `wmic csproduct get UUID` shows; read with
//!   `reg.exe query`, which Windows PE carries (WMI is an optional component there). The MAC
//!   from `ipconfig /all`, which every Windows PE has: the first adapter's six-octet physical address
//!   (tunnel adapters report eight octets and are skipped), whatever the display language, because
//!   the value, not the label, is recognized.
//! - **Linux** (tests): `/sys/class/dmi/id/product_uuid` (readable by root only) and the first
//!   adapter in `/sys/class/net` with a real address.
//!
//! Firmware without a UUID reports all zeros or all `F`s; such a value identifies no one and is
//! never claimed ([`osdgate_model::model::is_placeholder_guid`]).

use osdgate_model::model::{is_placeholder_guid, normalize_guid, normalize_mac};

use crate::probe::parse_reg_query;

/// The registry key and value that hold the SMBIOS UUID the boot loader read from the firmware.
pub const HARDWARE_CONFIG_KEY: &str = r"HKLM\SYSTEM\HardwareConfig";
pub const HARDWARE_CONFIG_VALUE: &str = "LastConfig";

/// The identity the device claims when it registers (SMBIOS UUID and/or MAC), normalized as the
/// document writes them (`8-4-4-4-12` upper case; `AA:BB:CC:DD:EE:FF`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HardwareIdentity {
    pub smbios_guid: Option<String>,
    pub mac: Option<String>,
}

/// A value given on the command line that is not an identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "--smbios-guid: `{0}` is not an SMBIOS UUID; give 8-4-4-4-12 hex digits, as `osdgate-agent identity` prints them"
    )]
    SmbiosGuid(String),
    #[error(
        "--smbios-guid: `{0}` is the placeholder of firmware without a UUID and identifies no device; give --mac instead"
    )]
    PlaceholderGuid(String),
    #[error(
        "--mac: `{0}` is not a MAC address; give six hex octets (AA:BB:CC:DD:EE:FF or AA-BB-CC-DD-EE-FF)"
    )]
    Mac(String),
}

impl HardwareIdentity {
    /// The identity given on the command line, checked with the model's identifier rules.
    pub fn given(smbios_guid: Option<&str>, mac: Option<&str>) -> Result<Self, IdentityError> {
        let smbios_guid = match smbios_guid {
            None => None,
            Some(text) => {
                let guid =
                    normalize_guid(text).ok_or_else(|| IdentityError::SmbiosGuid(text.into()))?;
                if is_placeholder_guid(&guid) {
                    return Err(IdentityError::PlaceholderGuid(text.into()));
                }
                Some(guid)
            }
        };
        let mac = match mac {
            None => None,
            Some(text) => Some(normalize_mac(text).ok_or_else(|| IdentityError::Mac(text.into()))?),
        };
        Ok(HardwareIdentity { smbios_guid, mac })
    }

    /// Reads this machine's identity (see the module documentation for where from). Whatever cannot
    /// be read is `None`.
    pub fn of_this_machine() -> Self {
        #[cfg(windows)]
        {
            let smbios_guid =
                capture("reg.exe", &["query", HARDWARE_CONFIG_KEY, "/v", HARDWARE_CONFIG_VALUE])
                    .and_then(|output| smbios_guid_in_reg_query(&output));
            let mac = capture("ipconfig.exe", &["/all"])
                .and_then(|output| first_mac_in_ipconfig(&output));
            HardwareIdentity { smbios_guid, mac }
        }
        #[cfg(target_os = "linux")]
        {
            let smbios_guid = std::fs::read_to_string("/sys/class/dmi/id/product_uuid")
                .ok()
                .and_then(|text| normalize_guid(&text))
                .filter(|guid| !is_placeholder_guid(guid));
            let mut adapters: Vec<_> = std::fs::read_dir("/sys/class/net")
                .map(|entries| entries.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            adapters.sort();
            let mac = adapters.iter().find_map(|path| {
                let text = std::fs::read_to_string(path.join("address")).ok()?;
                normalize_mac(&text).filter(|mac| !is_zero_mac(mac))
            });
            HardwareIdentity { smbios_guid, mac }
        }
        #[cfg(not(any(windows, target_os = "linux")))]
        HardwareIdentity::default()
    }

    pub fn is_empty(&self) -> bool {
        self.smbios_guid.is_none() && self.mac.is_none()
    }
}

/// The SMBIOS UUID in the output of `reg query HKLM\SYSTEM\HardwareConfig /v LastConfig`
/// (`{4C4C4544-0042-3510-8052-B4C04F4B4E32}`), unless it is missing, malformed or a placeholder.
pub fn smbios_guid_in_reg_query(output: &str) -> Option<String> {
    let (_, data) = parse_reg_query(output, HARDWARE_CONFIG_VALUE)?;
    normalize_guid(&data).filter(|guid| !is_placeholder_guid(guid))
}

/// The first real adapter's MAC in `ipconfig /all` output: the first value that is six
/// dash-separated octets and not all zero. Labels are localized (`Physical Address`,
/// `Physikalische Adresse`, `Fysiek adres`), so only values are matched; IPv6 addresses use colons
/// and tunnel adapters' eight octets do not match.
pub fn first_mac_in_ipconfig(output: &str) -> Option<String> {
    output.lines().find_map(|line| {
        let (_, value) = line.split_once(':')?;
        let value = value.trim();
        if value.len() != 17 || value.split('-').count() != 6 {
            return None;
        }
        normalize_mac(value).filter(|mac| !is_zero_mac(mac))
    })
}

fn is_zero_mac(mac: &str) -> bool {
    mac.bytes().all(|b| b == b'0' || b == b':')
}

/// The standard output of a program that exited with 0.
#[cfg(windows)]
fn capture(program: &str, arguments: &[&str]) -> Option<String> {
    let output = std::process::Command::new(program)
        .args(arguments)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_uuid_windows_pe_keeps() {
        let output = "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\HardwareConfig\r\n    LastConfig    REG_SZ    {4c4c4544-0042-3510-8052-b4c04f4b4e32}\r\n\r\n";
        assert_eq!(
            smbios_guid_in_reg_query(output).as_deref(),
            Some("4C4C4544-0042-3510-8052-B4C04F4B4E32")
        );
        let zeros = output.replace(
            "4c4c4544-0042-3510-8052-b4c04f4b4e32",
            "00000000-0000-0000-0000-000000000000",
        );
        assert_eq!(smbios_guid_in_reg_query(&zeros), None, "a placeholder is no identity");
        assert_eq!(
            smbios_guid_in_reg_query(
                "ERROR: The system was unable to find the specified registry key or value."
            ),
            None
        );
    }

    #[test]
    fn finds_the_first_physical_address_in_any_language() {
        let english = "Windows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : MININT-1\r\n\r\nEthernet adapter Ethernet:\r\n\r\n   Description . . . . . . . . . . . : Intel(R) Ethernet\r\n   Physical Address. . . . . . . . . : 00-15-5d-01-02-03\r\n   Link-local IPv6 Address . . . . . : fe80::1c2b:3a4d:5e6f:7a8b%4(Preferred)\r\n\r\nTunnel adapter isatap:\r\n   Physical Address. . . . . . . . . : 00-00-00-00-00-00-00-E0\r\n";
        assert_eq!(first_mac_in_ipconfig(english).as_deref(), Some("00:15:5D:01:02:03"));
        let german = "Tunneladapter Teredo:\r\n   Physikalische Adresse . . . . . . : 00-00-00-00-00-00-00-E0\r\nEthernet-Adapter Ethernet 2:\r\n   Physikalische Adresse . . . . . . : 00-00-00-00-00-00\r\nEthernet-Adapter Ethernet:\r\n   Physikalische Adresse . . . . . . : A4-BB-6D-11-22-33\r\n";
        assert_eq!(first_mac_in_ipconfig(german).as_deref(), Some("A4:BB:6D:11:22:33"));
        assert_eq!(first_mac_in_ipconfig("   IPv6 Address. . . : fe80::1:2:3:4:5\r\n"), None);
    }

    #[test]
    fn given_values_are_checked_and_normalized() {
        assert_eq!(
            HardwareIdentity::given(
                Some("{4c4c4544-0042-3510-8052-b4c04f4b4e32}"),
                Some("a4-bb-6d-11-22-33")
            ),
            Ok(HardwareIdentity {
                smbios_guid: Some("4C4C4544-0042-3510-8052-B4C04F4B4E32".into()),
                mac: Some("A4:BB:6D:11:22:33".into())
            })
        );
        let error = HardwareIdentity::given(Some("4c4c"), None).unwrap_err();
        assert!(error.to_string().starts_with("--smbios-guid: `4c4c`"), "{error}");
        assert!(matches!(
            HardwareIdentity::given(Some("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"), None),
            Err(IdentityError::PlaceholderGuid(_))
        ));
        assert!(matches!(HardwareIdentity::given(None, Some("a4:bb")), Err(IdentityError::Mac(_))));
    }
}
