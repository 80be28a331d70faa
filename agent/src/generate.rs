//! The files the executors hand to Windows tools, as pure functions: the `diskpart` script of a
//! Format and Partition Disk step and the `unattend.xml` that Setup Windows and ConfigMgr places for
//! Windows Setup (with the settings of Apply Windows Settings and Apply Network Settings).
//!
//! Partition settings are read as ConfigMgr's Format and Partition Disk step writes them:
//! `OSDDiskIndex`, `OSDPartitionStyle` (`GPT`/`MBR`) and, per partition `n` from 0,
//! `OSDPartitions{n}Type` (`Primary`, `EFI`, `MSR`, `Recovery`, `Extended`, `Logical`),
//! `OSDPartitions{n}FileSystem`, `OSDPartitions{n}Size`, `OSDPartitions{n}SizeUnits` (`MB`, `GB`,
//! `%`), `OSDPartitions{n}VolumeName`, `OSDPartitions{n}QuickFormat`,
//! `OSDPartitions{n}VolumeLetterVariable`, `OSDPartitions{n}Bootable`.

use std::fmt::Write as _;

/// Why a partition layout cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct LayoutError {
    /// The step setting at fault (`OSDPartitions1Size`).
    pub setting: String,
    pub problem: String,
}

/// `OSDPartitionStyle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionStyle {
    Gpt,
    Mbr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionType {
    Primary,
    Efi,
    Msr,
    Recovery,
    Extended,
    Logical,
}

/// The size of a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionSize {
    Megabytes(u64),
    /// The rest of the disk (`100` with the unit `%`).
    Remaining,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub partition_type: PartitionType,
    pub size: PartitionSize,
    /// `NTFS`, `FAT32`, or `None` for no format (MSR, extended).
    pub file_system: Option<String>,
    pub volume_name: String,
    pub quick_format: bool,
    pub bootable: bool,
    /// The task sequence variable that receives the drive letter (`OSDisk`).
    pub letter_variable: Option<String>,
}

/// A Format and Partition Disk step's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskLayout {
    pub disk_index: u32,
    pub style: PartitionStyle,
    pub partitions: Vec<Partition>,
}

/// The drive letters the agent assigns (see [`DiskLayout::letters`]): letters Windows PE itself
/// does not use (`X:` is the RAM disk, the boot medium is usually `D:`–`F:`).
pub const ASSIGNABLE_LETTERS: &[char] = &['W', 'S', 'R', 'T', 'U', 'V'];

impl DiskLayout {
    /// Reads the layout from a step's settings (`setting(name)` returns a setting by variable or
    /// property name). Every problem names the setting and the fix.
    pub fn from_settings(setting: &dyn Fn(&str) -> Option<String>) -> Result<Self, LayoutError> {
        let fail =
            |setting: &str, problem: String| LayoutError { setting: setting.to_owned(), problem };
        let disk_index = match setting("OSDDiskIndex").filter(|v| !v.trim().is_empty()) {
            Some(v) => v.trim().parse::<u32>().map_err(|_| {
                fail(
                    "OSDDiskIndex",
                    format!("{v:?} is not a disk number; use 0 for the first disk"),
                )
            })?,
            None => 0,
        };
        let style = match setting("OSDPartitionStyle")
            .map(|s| s.trim().to_ascii_uppercase())
            .as_deref()
        {
            None | Some("") | Some("GPT") => PartitionStyle::Gpt,
            Some("MBR") => PartitionStyle::Mbr,
            Some(other) => {
                return Err(fail("OSDPartitionStyle", format!("{other:?} is neither GPT nor MBR")));
            }
        };
        let mut partitions = Vec::new();
        for n in 0.. {
            let name = |field: &str| format!("OSDPartitions{n}{field}");
            let Some(type_text) = setting(&name("Type")).filter(|v| !v.trim().is_empty()) else {
                break;
            };
            let partition_type = match type_text.trim().to_ascii_lowercase().as_str() {
                "primary" => PartitionType::Primary,
                "efi" => PartitionType::Efi,
                "msr" => PartitionType::Msr,
                "recovery" => PartitionType::Recovery,
                "extended" => PartitionType::Extended,
                "logical" => PartitionType::Logical,
                other => {
                    return Err(fail(
                        &name("Type"),
                        format!(
                            "{other:?} is not one of Primary, EFI, MSR, Recovery, Extended, Logical"
                        ),
                    ));
                }
            };
            let valid_for_style = match style {
                PartitionStyle::Gpt => {
                    !matches!(partition_type, PartitionType::Extended | PartitionType::Logical)
                }
                PartitionStyle::Mbr => {
                    !matches!(partition_type, PartitionType::Efi | PartitionType::Msr)
                }
            };
            if !valid_for_style {
                return Err(fail(
                    &name("Type"),
                    format!("a {type_text} partition does not exist on a {style:?} disk"),
                ));
            }
            let units = setting(&name("SizeUnits")).unwrap_or_default().trim().to_ascii_uppercase();
            let size_text = setting(&name("Size")).unwrap_or_default();
            let amount = size_text.trim().parse::<u64>().ok();
            let size = match (units.as_str(), amount) {
                ("%", Some(100)) => PartitionSize::Remaining,
                ("%", _) => {
                    return Err(fail(&name("Size"), "only 100 % (the rest of the disk) is supported as a percentage; give other sizes in MB or GB".to_owned()));
                }
                ("" | "MB", Some(mb)) if mb > 0 => PartitionSize::Megabytes(mb),
                ("GB", Some(gb)) if gb > 0 => PartitionSize::Megabytes(gb.saturating_mul(1024)),
                (_, None) if size_text.trim().is_empty() => {
                    return Err(fail(
                        &name("Size"),
                        "the size is missing; give it in MB or GB, or 100 with the unit %"
                            .to_owned(),
                    ));
                }
                ("" | "MB" | "GB", _) => {
                    return Err(fail(
                        &name("Size"),
                        format!("{size_text:?} is not a size greater than 0"),
                    ));
                }
                (other, _) => {
                    return Err(fail(&name("SizeUnits"), format!("{other:?} is not MB, GB or %")));
                }
            };
            let file_system = match setting(&name("FileSystem"))
                .map(|s| s.trim().to_ascii_uppercase())
            {
                _ if matches!(partition_type, PartitionType::Msr | PartitionType::Extended) => None,
                None => None,
                Some(fs) if fs.is_empty() => None,
                Some(fs) if ["NTFS", "FAT32", "FAT", "EXFAT"].contains(&fs.as_str()) => Some(fs),
                Some(fs) => {
                    return Err(fail(
                        &name("FileSystem"),
                        format!("{fs:?} is not NTFS, FAT32, FAT or exFAT"),
                    ));
                }
            };
            let volume_name = setting(&name("VolumeName")).unwrap_or_default();
            if volume_name.contains(['"', '\r', '\n']) || volume_name.chars().count() > 32 {
                return Err(fail(
                    &name("VolumeName"),
                    "a volume label has at most 32 characters and no quotes or line breaks"
                        .to_owned(),
                ));
            }
            let flag = |field: &str, default: bool| {
                setting(&name(field)).map_or(default, |v| v.trim().eq_ignore_ascii_case("true"))
            };
            partitions.push(Partition {
                partition_type,
                size,
                file_system,
                volume_name,
                quick_format: flag("QuickFormat", true),
                bootable: flag("Bootable", false),
                letter_variable: setting(&name("VolumeLetterVariable"))
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty()),
            });
        }
        if partitions.is_empty() {
            partitions = match style {
                PartitionStyle::Gpt => DiskLayout::recommended_uefi(disk_index).partitions,
                PartitionStyle::Mbr => {
                    return Err(fail(
                        "OSDPartitions0Type",
                        "the MBR step defines no partition; add at least the Windows partition"
                            .to_owned(),
                    ));
                }
            };
        }
        if let Some(position) = partitions.iter().position(|p| p.size == PartitionSize::Remaining)
            && position + 1 != partitions.len()
        {
            return Err(fail(
                &format!("OSDPartitions{position}Size"),
                "only the last partition can take the rest of the disk (100 %)".to_owned(),
            ));
        }
        Ok(DiskLayout { disk_index, style, partitions })
    }

    /// Microsoft's recommended UEFI/GPT layout, used when a GPT Format and Partition Disk step
    /// lists no partitions (the examples' "Partition Disk 0 - UEFI" step carries only the disk
    /// number): a 100 MB FAT32 system (EFI) partition, a 16 MB MSR and the rest NTFS for Windows,
    /// whose letter goes to `OSDisk`. No recovery partition: list partitions in the step for one.
    pub fn recommended_uefi(disk_index: u32) -> Self {
        let partition = |partition_type,
                         size,
                         file_system: Option<&str>,
                         volume_name: &str,
                         letter_variable: Option<&str>| Partition {
            partition_type,
            size,
            file_system: file_system.map(str::to_owned),
            volume_name: volume_name.to_owned(),
            quick_format: true,
            bootable: false,
            letter_variable: letter_variable.map(str::to_owned),
        };
        DiskLayout {
            disk_index,
            style: PartitionStyle::Gpt,
            partitions: vec![
                partition(
                    PartitionType::Efi,
                    PartitionSize::Megabytes(100),
                    Some("FAT32"),
                    "System",
                    None,
                ),
                partition(PartitionType::Msr, PartitionSize::Megabytes(16), None, "", None),
                partition(
                    PartitionType::Primary,
                    PartitionSize::Remaining,
                    Some("NTFS"),
                    "Windows",
                    Some("OSDisk"),
                ),
            ],
        }
    }

    /// The drive letter each partition gets (`None`: no letter), in partition order: `W` for the
    /// Windows partition, `S` for the system partition (bcdboot writes the boot files there), and
    /// the next of `R T U V` for any other partition with a letter variable.
    pub fn letters(&self) -> Vec<Option<char>> {
        let windows = self.windows_partition();
        let system = self.system_partition().filter(|s| Some(*s) != windows);
        let mut others = ASSIGNABLE_LETTERS.iter().copied().filter(|l| !matches!(l, 'W' | 'S'));
        self.partitions
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if Some(i) == windows {
                    Some('W')
                } else if Some(i) == system {
                    Some('S')
                } else if p.letter_variable.is_some() {
                    others.next()
                } else {
                    None
                }
            })
            .collect()
    }

    /// The partition Windows is applied to: the formatted primary partition with a letter variable
    /// (`OSDisk`), else the one that takes the rest of the disk, else the first formatted primary.
    pub fn windows_partition(&self) -> Option<usize> {
        let candidate =
            |p: &Partition| p.partition_type == PartitionType::Primary && p.file_system.is_some();
        self.partitions
            .iter()
            .position(|p| candidate(p) && p.letter_variable.is_some())
            .or_else(|| {
                self.partitions
                    .iter()
                    .position(|p| candidate(p) && p.size == PartitionSize::Remaining)
            })
            .or_else(|| self.partitions.iter().position(candidate))
    }

    /// The system (boot) partition: the EFI partition on GPT, the bootable one (or the Windows one)
    /// on MBR.
    pub fn system_partition(&self) -> Option<usize> {
        match self.style {
            PartitionStyle::Gpt => {
                self.partitions.iter().position(|p| p.partition_type == PartitionType::Efi)
            }
            PartitionStyle::Mbr => {
                self.partitions.iter().position(|p| p.bootable).or_else(|| self.windows_partition())
            }
        }
    }
}

/// The `diskpart /s` script for `layout`: clean the disk, convert it, create, format and letter
/// each partition. Recovery partitions get Windows' recovery type (GPT: the GUID and the
/// "required, no drive letter" attributes; MBR: id 27).
pub fn diskpart_script(layout: &DiskLayout) -> String {
    let mut script = String::new();
    let mut line = |text: String| {
        script.push_str(&text);
        script.push_str("\r\n");
    };
    line(format!("select disk {}", layout.disk_index));
    line("clean".to_owned());
    line(match layout.style {
        PartitionStyle::Gpt => "convert gpt".to_owned(),
        PartitionStyle::Mbr => "convert mbr".to_owned(),
    });
    let letters = layout.letters();
    for (partition, letter) in layout.partitions.iter().zip(letters) {
        let kind = match partition.partition_type {
            PartitionType::Efi => "efi",
            PartitionType::Msr => "msr",
            PartitionType::Extended => "extended",
            PartitionType::Logical => "logical",
            PartitionType::Primary | PartitionType::Recovery => "primary",
        };
        let mut create = format!("create partition {kind}");
        if let PartitionSize::Megabytes(mb) = partition.size {
            let _ = write!(create, " size={mb}");
        }
        line(create);
        if partition.partition_type == PartitionType::Recovery {
            match layout.style {
                PartitionStyle::Gpt => {
                    line("set id=\"de94bba4-06d1-4d40-a16a-bfd50179d6ac\"".to_owned());
                    line("gpt attributes=0x8000000000000001".to_owned());
                }
                PartitionStyle::Mbr => line("set id=27".to_owned()),
            }
        }
        if let Some(fs) = &partition.file_system {
            let mut format = String::from("format");
            if partition.quick_format {
                format.push_str(" quick");
            }
            let _ = write!(format, " fs={}", fs.to_ascii_lowercase());
            if !partition.volume_name.is_empty() {
                let _ = write!(format, " label=\"{}\"", partition.volume_name);
            }
            line(format);
        }
        if partition.bootable && layout.style == PartitionStyle::Mbr {
            line("active".to_owned());
        }
        if let Some(letter) = letter {
            line(format!("assign letter={letter}"));
        }
    }
    line("exit".to_owned());
    script
}

/// What goes into `unattend.xml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnattendSettings {
    /// `OSDComputerName`; `*` (or empty) lets Windows choose a random name.
    pub computer_name: String,
    /// `OSDWorkgroupName` of Apply Network Settings (seed 000: join a workgroup).
    pub workgroup: String,
    /// `OSDRegisteredUserName`.
    pub registered_owner: String,
    /// `OSDRegisteredOrgName`.
    pub registered_organization: String,
    /// `OSDTimeZone`, a Windows time-zone ID such as `W. Europe Standard Time`.
    pub time_zone: String,
    /// `OSDProductKey`.
    pub product_key: String,
    /// `OSDLocalAdminPassword`; `None` leaves the administrator account disabled (ConfigMgr's
    /// "randomly generate the local administrator password and disable the account").
    pub administrator_password: Option<String>,
}

fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A password as Windows System Image Manager hides it (`PlainText` false): Base64 of the UTF-16LE
/// text of the password followed by the element name (`AdministratorPassword`). This hides the
/// password from a casual look; it is not encryption.
pub fn hidden_password(password: &str, element: &str) -> String {
    let bytes: Vec<u8> =
        format!("{password}{element}").encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64(&bytes)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const COMPONENT_ATTRIBUTES: &str = "processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\" xmlns:wcm=\"http://schemas.microsoft.com/WMIConfig/2002/State\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

/// `unattend.xml` for Windows Setup after the image is applied (amd64): the specialize pass names the
/// computer, joins the workgroup and sets owner, organization, time zone and product key; the
/// oobeSystem pass sets the administrator password (or leaves the account disabled) and skips the
/// out-of-box screens, so the device reaches the logon screen unattended. UTF-8, CRLF.
pub fn unattend_xml(settings: &UnattendSettings) -> String {
    let mut xml = String::new();
    let mut line = |indent: usize, text: &str| {
        xml.push_str(&"  ".repeat(indent));
        xml.push_str(text);
        xml.push_str("\r\n");
    };
    let optional = |element: &str, value: &str| -> Option<String> {
        (!value.trim().is_empty())
            .then(|| format!("<{element}>{}</{element}>", xml_text(value.trim())))
    };
    line(0, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    line(0, "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">");
    line(1, "<settings pass=\"specialize\">");
    line(2, &format!("<component name=\"Microsoft-Windows-Shell-Setup\" {COMPONENT_ATTRIBUTES}>"));
    let computer_name =
        if settings.computer_name.trim().is_empty() { "*" } else { settings.computer_name.trim() };
    line(3, &format!("<ComputerName>{}</ComputerName>", xml_text(computer_name)));
    for (element, value) in [
        ("RegisteredOwner", &settings.registered_owner),
        ("RegisteredOrganization", &settings.registered_organization),
        ("TimeZone", &settings.time_zone),
        ("ProductKey", &settings.product_key),
    ] {
        if let Some(text) = optional(element, value) {
            line(3, &text);
        }
    }
    line(2, "</component>");
    if !settings.workgroup.trim().is_empty() {
        line(
            2,
            &format!(
                "<component name=\"Microsoft-Windows-UnattendedJoin\" {COMPONENT_ATTRIBUTES}>"
            ),
        );
        line(3, "<Identification>");
        line(4, &format!("<JoinWorkgroup>{}</JoinWorkgroup>", xml_text(settings.workgroup.trim())));
        line(3, "</Identification>");
        line(2, "</component>");
    }
    line(1, "</settings>");
    line(1, "<settings pass=\"oobeSystem\">");
    line(2, &format!("<component name=\"Microsoft-Windows-Shell-Setup\" {COMPONENT_ATTRIBUTES}>"));
    line(3, "<OOBE>");
    for element in [
        "HideEULAPage",
        "HideOEMRegistrationScreen",
        "HideOnlineAccountScreens",
        "HideWirelessSetupInOOBE",
        "SkipMachineOOBE",
        "SkipUserOOBE",
    ] {
        line(4, &format!("<{element}>true</{element}>"));
    }
    line(4, "<ProtectYourPC>3</ProtectYourPC>");
    line(3, "</OOBE>");
    if let Some(password) = &settings.administrator_password {
        line(3, "<UserAccounts>");
        line(4, "<AdministratorPassword>");
        line(5, &format!("<Value>{}</Value>", hidden_password(password, "AdministratorPassword")));
        line(5, "<PlainText>false</PlainText>");
        line(4, "</AdministratorPassword>");
        line(3, "</UserAccounts>");
    }
    line(2, "</component>");
    line(1, "</settings>");
    line(0, "</unattend>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, output) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(input.as_bytes()), output);
        }
    }
}
