//! The diskpart script and unattend.xml generators against golden files (`tests/golden/`), and
//! their refusals naming the setting at fault.

use osdgate_agent::generate::{
    DiskLayout, PartitionStyle, UnattendSettings, diskpart_script, hidden_password, unattend_xml,
};

fn settings(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |name: &str| {
        pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }
}

fn golden(name: &str) -> String {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn gpt_layout_with_recovery_matches_golden() {
    let layout = DiskLayout::from_settings(&settings(&[
        ("OSDDiskIndex", "0"),
        ("OSDPartitionStyle", "GPT"),
        ("OSDPartitions0Type", "EFI"),
        ("OSDPartitions0FileSystem", "FAT32"),
        ("OSDPartitions0Size", "500"),
        ("OSDPartitions0SizeUnits", "MB"),
        ("OSDPartitions0VolumeName", "Boot"),
        ("OSDPartitions1Type", "MSR"),
        ("OSDPartitions1Size", "128"),
        ("OSDPartitions1SizeUnits", "MB"),
        ("OSDPartitions2Type", "Recovery"),
        ("OSDPartitions2FileSystem", "NTFS"),
        ("OSDPartitions2Size", "1"),
        ("OSDPartitions2SizeUnits", "GB"),
        ("OSDPartitions2VolumeName", "Windows RE"),
        ("OSDPartitions2QuickFormat", "false"),
        ("OSDPartitions3Type", "Primary"),
        ("OSDPartitions3FileSystem", "NTFS"),
        ("OSDPartitions3Size", "100"),
        ("OSDPartitions3SizeUnits", "%"),
        ("OSDPartitions3VolumeName", "Windows"),
        ("OSDPartitions3VolumeLetterVariable", "OSDisk"),
    ]))
    .unwrap();
    assert_eq!(diskpart_script(&layout), golden("diskpart-gpt.txt"));
    assert_eq!(layout.letters(), vec![Some('S'), None, None, Some('W')]);
    assert_eq!(layout.windows_partition(), Some(3));
    assert_eq!(layout.system_partition(), Some(0));
}

#[test]
fn mbr_layout_and_the_default_uefi_layout_match_golden() {
    let layout = DiskLayout::from_settings(&settings(&[
        ("OSDDiskIndex", "1"),
        ("OSDPartitionStyle", "MBR"),
        ("OSDPartitions0Type", "Primary"),
        ("OSDPartitions0FileSystem", "NTFS"),
        ("OSDPartitions0Size", "350"),
        ("OSDPartitions0VolumeName", "System Reserved"),
        ("OSDPartitions0Bootable", "true"),
        ("OSDPartitions1Type", "Primary"),
        ("OSDPartitions1FileSystem", "NTFS"),
        ("OSDPartitions1Size", "100"),
        ("OSDPartitions1SizeUnits", "%"),
        ("OSDPartitions1VolumeLetterVariable", "OSDisk"),
    ]))
    .unwrap();
    assert_eq!(diskpart_script(&layout), golden("diskpart-mbr.txt"));
    let default = DiskLayout::from_settings(&settings(&[("OSDDiskIndex", "0")])).unwrap();
    assert_eq!(default, DiskLayout::recommended_uefi(0));
    assert_eq!(default.style, PartitionStyle::Gpt);
    assert_eq!(diskpart_script(&default), golden("diskpart-default-uefi.txt"));
}

#[test]
fn layout_errors_name_the_setting() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("OSDDiskIndex", "first")], "OSDDiskIndex"),
        (&[("OSDPartitionStyle", "APM")], "OSDPartitionStyle"),
        (
            &[
                ("OSDPartitions0Type", "Primary"),
                ("OSDPartitions0Size", "50"),
                ("OSDPartitions0SizeUnits", "%"),
            ],
            "OSDPartitions0Size",
        ),
        (
            &[
                ("OSDPartitions0Type", "Primary"),
                ("OSDPartitions0Size", "10"),
                ("OSDPartitions0SizeUnits", "TB"),
            ],
            "OSDPartitions0SizeUnits",
        ),
        (&[("OSDPartitions0Type", "Primary")], "OSDPartitions0Size"),
        (&[("OSDPartitions0Type", "Primary"), ("OSDPartitions0Size", "0")], "OSDPartitions0Size"),
        (&[("OSDPartitions0Type", "Swap"), ("OSDPartitions0Size", "10")], "OSDPartitions0Type"),
        (
            &[
                ("OSDPartitionStyle", "MBR"),
                ("OSDPartitions0Type", "EFI"),
                ("OSDPartitions0Size", "10"),
            ],
            "OSDPartitions0Type",
        ),
        (&[("OSDPartitionStyle", "MBR")], "OSDPartitions0Type"),
        (
            &[
                ("OSDPartitions0Type", "Primary"),
                ("OSDPartitions0Size", "10"),
                ("OSDPartitions0FileSystem", "ext4"),
            ],
            "OSDPartitions0FileSystem",
        ),
        (
            &[
                ("OSDPartitions0Type", "Primary"),
                ("OSDPartitions0Size", "10"),
                ("OSDPartitions0VolumeName", "a\"b"),
            ],
            "OSDPartitions0VolumeName",
        ),
        (
            &[
                ("OSDPartitions0Type", "Primary"),
                ("OSDPartitions0Size", "100"),
                ("OSDPartitions0SizeUnits", "%"),
                ("OSDPartitions1Type", "Primary"),
                ("OSDPartitions1Size", "10"),
            ],
            "OSDPartitions0Size",
        ),
    ];
    for (pairs, setting) in cases {
        let error = DiskLayout::from_settings(&settings(pairs)).unwrap_err();
        assert_eq!(error.setting, *setting, "{pairs:?}: {error}");
    }
}

#[test]
fn unattend_matches_golden_and_escapes_text() {
    let settings = UnattendSettings {
        computer_name: "LAPTOP-0042".into(),
        workgroup: "REMOTE".into(),
        registered_owner: "Contoso & Partners <IT>".into(),
        registered_organization: "Contoso".into(),
        time_zone: "W. Europe Standard Time".into(),
        product_key: String::new(),
        administrator_password: Some("P@ssw0rd".into()),
    };
    assert_eq!(unattend_xml(&settings), golden("unattend-workgroup.xml"));
    let minimal = UnattendSettings::default();
    assert_eq!(unattend_xml(&minimal), golden("unattend-minimal.xml"));
    // Windows System Image Manager's hiding: Base64 of UTF-16LE password + element name (value
    // computed with Python's base64 and utf-16-le codec).
    assert_eq!(
        hidden_password("P@ssw0rd", "AdministratorPassword"),
        "UABAAHMAcwB3ADAAcgBkAEEAZABtAGkAbgBpAHMAdAByAGEAdABvAHIAUABhAHMAcwB3AG8AcgBkAA=="
    );
}
