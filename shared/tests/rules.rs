//! Every rule has a case: start from a correct example, break one thing, and exactly that rule
//! (and no other new one) fires. The correct example does not have the finding.

use std::collections::BTreeSet;

use osdgate_model::model::*;
use osdgate_model::preflight::{self, RULES};

fn example(scenario: &str) -> Document {
    let path = format!("{}/../examples/{scenario}.toml", env!("CARGO_MANIFEST_DIR"));
    Document::from_toml(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn now() -> Timestamp {
    Timestamp::parse("2026-11-22T00:00:00Z").unwrap()
}

fn rules_of(doc: &Document) -> BTreeSet<String> {
    preflight::check_at(doc, now()).findings.into_iter().map(|f| f.rule).collect()
}

const BOOT: &str = "boot-media-over-gateway";
const CLOUD: &str = "cloud-content-from-boot-media";
const UPGRADE: &str = "in-place-upgrade-over-gateway";
const CENTER: &str = "software-center";

type Mutation = fn(&mut Document);

fn step_mut(doc: &mut Document, step_type: StepType) -> &mut Step {
    fn find<'a>(nodes: &'a mut [Node], step_type: &StepType) -> Option<&'a mut Step> {
        for node in nodes {
            match node {
                Node::Step(step) if step.step_type == *step_type => return Some(step),
                Node::Group(group) => {
                    if let Some(step) = find(&mut group.children, step_type) {
                        return Some(step);
                    }
                }
                _ => {}
            }
        }
        None
    }
    find(&mut doc.task_sequences[0].steps, &step_type).expect("step in example")
}

fn set_variable(step: &mut Step, name: &str, value: &str) {
    let index = step.variable_index(name).expect("variable in example");
    step.variables[index].value = value.to_owned();
}

/// (rule, example, mutation, other rules the same mistake rightly triggers)
fn cases() -> Vec<(&'static str, &'static str, Mutation, &'static [&'static str])> {
    vec![
        ("OSDG-DOC-001", BOOT, |d| d.collections.push(d.collections[0].clone()), &[]),
        (
            "OSDG-DOC-002",
            BOOT,
            |d| d.boundary_groups[0].distribution_points.push("dp-nowhere".into()),
            &[],
        ),
        ("OSDG-SITE-001", BOOT, |d| d.site.code = "ABCD".into(), &[]),
        ("OSDG-VERSION-001", BOOT, |d| d.site.version = SiteVersion::UpTo2002, &[]),
        (
            "OSDG-VERSION-002",
            CENTER,
            |d| d.site.version = SiteVersion::UpTo2002,
            &["OSDG-VERSION-003"],
        ),
        (
            "OSDG-VERSION-003",
            UPGRADE,
            |d| d.deployments[0].make_available_to = MakeAvailableTo::ClientsMediaAndPxe,
            &["OSDG-DEPLOY-005"],
        ),
        ("OSDG-VERSION-004", CLOUD, |d| d.site.version = SiteVersion::UpTo2002, &[]),
        ("OSDG-VERSION-005", CLOUD, |d| d.site.version = SiteVersion::V2006, &[]),
        ("OSDG-VERSION-006", BOOT, |d| d.site.version = SiteVersion::V2006, &[]),
        (
            "OSDG-MP-001",
            BOOT,
            |d| {
                d.site.version = SiteVersion::V2010;
                d.site.management_point_connection = ManagementPointConnection::InternetOnly;
            },
            &[],
        ),
        (
            "OSDG-GATEWAY-001",
            BOOT,
            |d| d.gateways[0].public_url = "http://relay.contoso.example".into(),
            &[],
        ),
        (
            "OSDG-GATEWAY-002",
            UPGRADE,
            |d| {
                d.gateways.clear();
                d.content[0].distributed_to.clear();
            },
            &["OSDG-CONTENT-001"],
        ),
        ("OSDG-CONTENT-001", BOOT, |d| d.content[3].distributed_to = vec!["dp-hq".into()], &[]),
        (
            "OSDG-CONTENT-002",
            UPGRADE,
            |d| d.gateways[0].content_enabled = false,
            &["OSDG-GATEWAY-002"],
        ),
        (
            "OSDG-CONTENT-003",
            BOOT,
            |d| {
                d.task_sequences[0]
                    .references
                    .push(Reference { package: "ABC000FF".into(), attributes: vec![] })
            },
            &[],
        ),
        ("OSDG-CONTENT-004", BOOT, |d| d.content[3].id = "DRIVERS".into(), &["OSDG-CONTENT-003"]),
        ("OSDG-CONTENT-005", BOOT, |d| d.content[1].files[0].sha256 = "abc".into(), &[]),
        ("OSDG-CONTENT-006", BOOT, |d| d.content[2].files.clear(), &[]),
        (
            "OSDG-CLIENT-001",
            BOOT,
            |d| {
                d.client_settings[1].cloud_services = Some(CloudServices {
                    allow_cloud_distribution_point: false,
                    enable_cloud_management_gateway: true,
                })
            },
            &[],
        ),
        (
            "OSDG-CLIENT-002",
            BOOT,
            |d| {
                d.client_settings[1].cloud_services = Some(CloudServices {
                    allow_cloud_distribution_point: true,
                    enable_cloud_management_gateway: false,
                })
            },
            &[],
        ),
        (
            "OSDG-CLIENT-003",
            UPGRADE,
            |d| {
                d.client_settings[0].cloud_services = Some(CloudServices {
                    allow_cloud_distribution_point: true,
                    enable_cloud_management_gateway: false,
                })
            },
            &[],
        ),
        (
            "OSDG-BOUNDARY-001",
            CLOUD,
            |d| d.boundary_groups[0].gateways.clear(),
            &["OSDG-BOUNDARY-003"],
        ),
        (
            "OSDG-BOUNDARY-002",
            CLOUD,
            |d| d.boundary_groups[0].prefer_cloud_sources = false,
            &["OSDG-BOUNDARY-003"],
        ),
        (
            "OSDG-BOUNDARY-003",
            CLOUD,
            |d| d.devices[0].ip_addresses = vec!["172.16.0.9".parse().unwrap()],
            &[],
        ),
        (
            "OSDG-BOUNDARY-004",
            CLOUD,
            |d| {
                d.boundary_groups[0].boundaries.push(Boundary::Range {
                    start: "10.0.0.1".parse().unwrap(),
                    end: "::1".parse().unwrap(),
                })
            },
            &[],
        ),
        (
            "OSDG-TS-001",
            BOOT,
            |d| {
                set_variable(step_mut(d, StepType::ApplyNetworkSettings), "OSDNetworkJoinType", "0")
            },
            &[],
        ),
        (
            "OSDG-TS-002",
            BOOT,
            |d| {
                let mut step = Step::new(StepType::JoinDomainOrWorkgroup, "Join Domain");
                step.variables.push(StepVariable {
                    name: "OSDJoinType".into(),
                    property: "JoinType".into(),
                    hidden: false,
                    value: "0".into(),
                });
                d.task_sequences[0].steps.push(Node::Step(step));
            },
            &[],
        ),
        ("OSDG-TS-003", BOOT, |d| d.task_sequences[0].boot_image_id = None, &[]),
        (
            "OSDG-TS-004",
            BOOT,
            |d| {
                set_variable(
                    step_mut(d, StepType::SetupWindowsAndConfigMgr),
                    "SMSClientInstallProperties",
                    "SMSSITECODE=ABC",
                )
            },
            &[],
        ),
        (
            "OSDG-TS-005",
            BOOT,
            |d| {
                set_variable(
                    step_mut(d, StepType::SetupWindowsAndConfigMgr),
                    "SMSClientInstallProperties",
                    "CCMHOSTNAME=old-cmg.cloudapp.net/CCM_Proxy_MutualAuth/1",
                )
            },
            &[],
        ),
        (
            "OSDG-TS-006",
            UPGRADE,
            |d| step_mut(d, StepType::UpgradeOperatingSystem).disabled = true,
            &[],
        ),
        (
            "OSDG-TS-007",
            UPGRADE,
            |d| {
                let mut step = Step::new(StepType::PartitionDisk, "Partition Disk");
                step.run_in = Some(RunIn::WinPe);
                d.task_sequences[0].steps.push(Node::Step(step));
            },
            &["OSDG-VERSION-003"],
        ),
        ("OSDG-DEPLOY-001", BOOT, |d| d.deployments[0].allow_internet = false, &[]),
        (
            "OSDG-DEPLOY-002",
            BOOT,
            |d| d.deployments[0].make_available_to = MakeAvailableTo::ClientsOnly,
            &[],
        ),
        (
            "OSDG-DEPLOY-003",
            BOOT,
            |d| d.deployments[0].deployment_option = DeploymentOption::DownloadAllBeforeStarting,
            &[],
        ),
        (
            "OSDG-DEPLOY-004",
            UPGRADE,
            |d| d.deployments[0].deployment_option = DeploymentOption::AccessContentDirectly,
            &[],
        ),
        (
            "OSDG-DEPLOY-005",
            UPGRADE,
            |d| {
                d.site.version = SiteVersion::From2107;
                d.deployments[0].make_available_to = MakeAvailableTo::MediaAndPxe;
            },
            &[],
        ),
        (
            "OSDG-DEPLOY-006",
            CENTER,
            |d| d.deployments[0].make_available_to = MakeAvailableTo::MediaAndPxeHidden,
            &[],
        ),
        (
            "OSDG-DEPLOY-007",
            BOOT,
            |d| {
                d.deployments[0].run_another_program_first = Some(ProgramReference {
                    package_id: "ABC00011".into(),
                    program: "Prepare".into(),
                })
            },
            &[],
        ),
        ("OSDG-DEPLOY-008", UPGRADE, |d| d.deployments[0].high_risk_acknowledged = false, &[]),
        ("OSDG-DEPLOY-009", UPGRADE, |d| d.deployments[0].deadline = None, &[]),
        (
            "OSDG-DEPLOY-010",
            UPGRADE,
            |d| d.deployments[0].deadline = Timestamp::parse("2026-10-01T00:00:00Z").ok(),
            &[],
        ),
        ("OSDG-MEDIA-001", BOOT, |d| d.media.clear(), &[]),
        ("OSDG-MEDIA-002", BOOT, |d| d.media[0].management = MediaManagement::Dynamic, &[]),
        ("OSDG-MEDIA-003", BOOT, |d| d.media[0].protection = MediaProtection::Unattended, &[]),
        (
            "OSDG-MEDIA-004",
            BOOT,
            |d| {
                let mut media = d.media[0].clone();
                media.id = "usb-spare".into();
                media.boot_image_id = None;
                d.media.push(media);
            },
            // A medium without a boot image cannot carry its deployment's boot image either.
            &["OSDG-MEDIA-011"],
        ),
        (
            "OSDG-MEDIA-005",
            BOOT,
            |d| {
                d.media[0].management_points =
                    vec![ManagementPoint::Intranet("mp01.corp.contoso.example".into())]
            },
            &[],
        ),
        (
            "OSDG-MEDIA-006",
            BOOT,
            |d| {
                d.media[0].certificate = MediaCertificate::Pki {
                    hash_algorithm: HashAlgorithm::Sha256,
                    key_provider: KeyProvider::MicrosoftStrongCryptographic,
                    thumbprint: None,
                }
            },
            &[],
        ),
        (
            "OSDG-MEDIA-007",
            BOOT,
            |d| d.media[0].expires_at = Timestamp::parse("2026-11-01T00:00:00Z").ok(),
            &[],
        ),
        ("OSDG-MEDIA-008", BOOT, |d| d.media[0].management = MediaManagement::InternetBased, &[]),
        ("OSDG-MEDIA-009", BOOT, |d| d.media[0].legacy_password = Some(LegacyPassword), &[]),
        ("OSDG-MEDIA-010", CLOUD, |d| d.media[0].deployments.clear(), &[]),
        (
            "OSDG-MEDIA-011",
            UPGRADE,
            |d| {
                // A medium for the in-place upgrade, which runs on installed clients.
                let mut media = example(CLOUD).media.remove(0);
                media.boot_image_id = None;
                media.deployments = vec![d.deployments[0].id.clone()];
                d.media.push(media);
            },
            &[],
        ),
        ("OSDG-CERT-001", BOOT, |d| d.gateways[0].certificate.trusted_roots.clear(), &[]),
        ("OSDG-CERT-002", BOOT, |d| d.boot_images[0].trusted_roots.clear(), &[]),
        (
            "OSDG-CERT-003",
            BOOT,
            |d| {
                d.gateways[0].certificate.trusted_roots[0].not_after =
                    Timestamp::parse("2027-06-01T00:00:00Z").ok()
            },
            &[],
        ),
        (
            "OSDG-CERT-004",
            BOOT,
            |d| {
                d.gateways[0].certificate.trusted_roots[0].not_after =
                    Timestamp::parse("2026-06-01T00:00:00Z").ok()
            },
            &[],
        ),
        (
            "OSDG-CERT-005",
            BOOT,
            |d| d.boot_images[0].trusted_roots.push("not-a-thumbprint".into()),
            &[],
        ),
        ("OSDG-NET-001", BOOT, |_| {}, &[]),
        ("OSDG-NET-002", CLOUD, |_| {}, &[]),
        (
            "OSDG-DEVICE-001",
            BOOT,
            |d| {
                d.devices[0].smbios_guid = None;
                d.devices[0].mac_addresses.clear();
            },
            &[],
        ),
        ("OSDG-DEVICE-002", BOOT, |d| d.devices[0].mac_addresses.push("00:1A:2B".into()), &[]),
        (
            "OSDG-DEVICE-002",
            BOOT,
            |d| d.devices[0].smbios_guid = Some("{ffffffff-ffff-ffff-ffff-ffffffffffff}".into()),
            &[],
        ),
        (
            "OSDG-DEVICE-003",
            BOOT,
            |d| {
                let mut twin = d.devices[0].clone();
                twin.id = "pc-0043".into();
                twin.mac_addresses.clear();
                d.devices.push(twin);
            },
            &[],
        ),
        ("OSDG-DEVICE-004", CENTER, |_| {}, &[]),
    ]
}

/// Rules that hold in the correct example by design (the advice a scenario always gets).
const ALWAYS_IN_EXAMPLE: &[&str] = &["OSDG-NET-001", "OSDG-NET-002", "OSDG-DEVICE-004"];

#[test]
fn every_rule_fires_alone_on_its_mistake() {
    let mut failures = Vec::new();
    for (rule, scenario, mutate, companions) in cases() {
        let base = example(scenario);
        let before = rules_of(&base);
        let mut broken = base.clone();
        mutate(&mut broken);
        let after = rules_of(&broken);
        let new: BTreeSet<String> = after.difference(&before).cloned().collect();
        let mut expected: BTreeSet<String> = companions.iter().map(|s| s.to_string()).collect();
        if ALWAYS_IN_EXAMPLE.contains(&rule) {
            // Advice the scenario always gets: it is in the correct example and has a path.
            if !before.contains(rule) {
                failures.push(format!("{rule}: expected in the correct {scenario} example"));
            }
            continue;
        }
        expected.insert(rule.to_owned());
        if before.contains(rule) {
            failures.push(format!("{rule}: already fires on the correct {scenario} example"));
        }
        if new != expected {
            failures
                .push(format!("{rule} on {scenario}: new rules {new:?}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn always_present_advice_goes_away_with_its_cause() {
    // NET-001 belongs to boot media deployments; NET-002 disappears when media use the gateway;
    // DEVICE-004 disappears when the device is not Entra-joined.
    let mut doc = example(BOOT);
    doc.deployments[0].scenario = Scenario::SoftwareCenter;
    doc.deployments[0].make_available_to = MakeAvailableTo::ClientsOnly;
    assert!(!rules_of(&doc).contains("OSDG-NET-001"));
    let mut doc = example(CLOUD);
    doc.media[0].management_points.push(ManagementPoint::Gateway("gw-relay".into()));
    assert!(!rules_of(&doc).contains("OSDG-NET-002"));
    let mut doc = example(CENTER);
    doc.devices[0].entra_joined = false;
    doc.devices[0].token_auth = true;
    assert!(!rules_of(&doc).contains("OSDG-DEVICE-004"));
}

#[test]
fn every_rule_in_the_catalog_has_a_case_and_docs() {
    let mut covered: BTreeSet<&str> = cases().iter().map(|c| c.0).collect();
    // Relay state, not the document: `content_not_uploaded_is_reported_per_file` below and the
    // relay's scenario test cover it.
    covered.insert("OSDG-CONTENT-007");
    // Import, not the document: `tests/tasksequence.rs` covers it.
    covered.insert("OSDG-TS-008");
    // Certificates, not documents: `tests/trust_inputs.rs` makes every root rule fire.
    covered.extend(RULES.iter().map(|r| r.id).filter(|id| id.starts_with("OSDG-ROOT-")));
    let docs =
        std::fs::read_to_string(format!("{}/../docs/preflight.md", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_default();
    for rule in RULES {
        assert!(covered.contains(rule.id), "{} has no test case", rule.id);
        assert!(
            docs.contains(&format!("`{}`", rule.id)),
            "{} is not documented in docs/preflight.md",
            rule.id
        );
    }
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), RULES.len(), "rule IDs are unique");
}

#[test]
fn disabled_steps_do_not_count() {
    let mut doc = example(BOOT);
    let step = step_mut(&mut doc, StepType::ApplyNetworkSettings);
    set_variable(step, "OSDNetworkJoinType", "0");
    step.disabled = true;
    assert!(!rules_of(&doc).contains("OSDG-TS-001"));
}

#[test]
fn time_rules_need_a_time() {
    let mut doc = example(BOOT);
    doc.media[0].expires_at = Timestamp::parse("2020-01-01T00:00:00Z").ok();
    assert!(!preflight::check(&doc).has_rule("OSDG-MEDIA-007"));
    assert!(preflight::check_at(&doc, now()).has_rule("OSDG-MEDIA-007"));
    assert_eq!(preflight::check_at(&doc, now()).checked_at, Some(now()));
}

/// Item 5 of issue 14: both scenarios whose first version the seeds disagree on are gated the same
/// way, and each rule's title, check and fix name the one version the check uses.
#[test]
fn version_gates_treat_both_seed_splits_alike() {
    for (scenario, error, warning) in [
        (BOOT, "OSDG-VERSION-001", "OSDG-VERSION-006"),
        (CLOUD, "OSDG-VERSION-004", "OSDG-VERSION-005"),
    ] {
        let at = |version| {
            let mut doc = example(scenario);
            doc.site.version = version;
            rules_of(&doc)
        };
        let early = at(SiteVersion::UpTo2002);
        assert!(early.contains(error) && !early.contains(warning), "{scenario} at 2002: {early:?}");
        let middle = at(SiteVersion::V2006);
        assert!(
            middle.contains(warning) && !middle.contains(error),
            "{scenario} at 2006: {middle:?}"
        );
        let current = at(SiteVersion::V2010);
        assert!(!current.contains(error) && !current.contains(warning), "{scenario} at 2010");

        let error = preflight::rule(error).unwrap();
        let warning = preflight::rule(warning).unwrap();
        assert!(error.title.contains("2006") && !error.title.contains("2010"), "{}", error.title);
        assert!(error.fix.contains("2006") && !error.fix.contains("2010"), "{}", error.fix);
        assert!(warning.fix.contains("2010") && !warning.fix.contains("2006"), "{}", warning.fix);
        // The warning names both seeds and the version each one gives.
        let mut doc = example(scenario);
        doc.site.version = SiteVersion::V2006;
        let report = preflight::check(&doc);
        let finding = report.findings.iter().find(|f| f.rule == warning.id).unwrap();
        let earlier = if scenario == BOOT { "seed 000" } else { "seed 001" };
        assert!(
            finding.message.contains(earlier) && finding.message.contains("seed 002"),
            "{}",
            finding.message
        );
        assert_eq!(finding.seed.as_ref().unwrap().file, "002_d27a6ceb6a6f25eb.txt");
    }
}

/// Item 6: "Internet-based media" (seed 000, 003, 004) is site-based media under its old name.
#[test]
fn internet_based_media_are_site_based_media_with_a_note() {
    let mut doc = example(BOOT);
    doc.media[0].management = MediaManagement::InternetBased;
    let report = preflight::check_at(&doc, now());
    assert!(!report.has_errors(), "{}", report.to_human());
    let note = report.findings.iter().find(|f| f.rule == "OSDG-MEDIA-008").unwrap();
    assert_eq!(note.severity, preflight::Severity::Advice);
    assert!(doc.validate_at(now()).is_ok());
}

/// Item 7: the gateway setting is quoted by its whole name wherever a rule names it.
#[test]
fn the_content_gateway_setting_is_quoted_whole() {
    const NAME: &str =
        "Allow CMG to function as a cloud distribution point and serve content from Azure storage";
    for id in ["OSDG-GATEWAY-002", "OSDG-CONTENT-002"] {
        let rule = preflight::rule(id).unwrap();
        assert!(rule.fix.contains(NAME), "{id}: {}", rule.fix);
    }
    for rule in RULES {
        for text in [rule.title, rule.fix] {
            if let Some(at) = text.find("Allow CMG to function") {
                assert!(text[at..].starts_with(NAME), "{}: {text}", rule.id);
            }
        }
    }
}

/// Item 8: every rule with a seed cites a section whose heading exists in that seed, and "Run
/// another program first" follows the seed ("doesn't apply": a warning, not an error).
#[test]
fn every_seed_section_is_a_real_heading_of_its_seed() {
    let seeds = format!("{}/../../shared/seeds", env!("CARGO_MANIFEST_DIR"));
    let Ok(entries) = std::fs::read_dir(&seeds) else {
        panic!("the seeds are not at {seeds}");
    };
    let texts: std::collections::BTreeMap<String, String> = entries
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    for rule in RULES {
        let Some(seed) = rule.seed else { continue };
        let text =
            texts.get(seed.file).unwrap_or_else(|| panic!("{}: no seed {}", rule.id, seed.file));
        let headings: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| {
                let l = l.trim_start_matches('#').trim();
                // Drop an HTML anchor such as `<a name="x"></a>`.
                match l.find("</a>") {
                    Some(end) => l[end + 4..].trim().to_owned(),
                    None => l.to_owned(),
                }
            })
            .collect();
        for part in seed.section.split(" > ") {
            assert!(
                headings.iter().any(|h| h == part),
                "{}: `{part}` is not a heading of {}",
                rule.id,
                seed.file
            );
        }
    }
    let run_first = preflight::rule("OSDG-DEPLOY-007").unwrap();
    assert_eq!(run_first.severity, preflight::Severity::Warning);
}

/// Item 9: a root listed only on the media does not count as in the boot image until media import
/// roots at boot.
#[test]
fn roots_on_media_do_not_count_until_media_import_them() {
    // Update this test when the media launcher imports roots at boot.
    const { assert!(!MEDIA_IMPORT_TRUSTED_ROOTS_AT_BOOT) };
    let mut doc = example(BOOT);
    let roots = std::mem::take(&mut doc.boot_images[0].trusted_roots);
    doc.media[0].trusted_roots = roots;
    let report = preflight::check_at(&doc, now());
    let finding = report.findings.iter().find(|f| f.rule == "OSDG-CERT-002").unwrap();
    assert!(finding.message.contains("usb-remote"), "{}", finding.message);
    assert!(!preflight::rule("OSDG-CERT-002").unwrap().fix.contains("or the media"));
}

/// Item 10: CCMHOSTNAME is for the ConfigMgr client, so it names the organisation's CMG; a rule
/// never advises pointing it at an osdgate relay, and pointing it there is reported.
#[test]
fn ccmhostname_names_the_configmgr_cmg_never_a_relay() {
    for id in ["OSDG-TS-004", "OSDG-TS-005"] {
        let rule = preflight::rule(id).unwrap();
        assert!(rule.fix.contains("site.cloud_management_gateway"), "{id}: {}", rule.fix);
        assert!(!rule.fix.contains("public_url"), "{id}: {}", rule.fix);
    }
    for scenario in [BOOT, CENTER] {
        let mut doc = example(scenario);
        set_variable(
            step_mut(&mut doc, StepType::SetupWindowsAndConfigMgr),
            "SMSClientInstallProperties",
            "CCMHOSTNAME=relay.contoso.example/CCM_Proxy_MutualAuth/1 SMSSITECODE=ABC",
        );
        let report = preflight::check_at(&doc, now());
        let finding = report.findings.iter().find(|f| f.rule == "OSDG-TS-005").unwrap();
        assert!(finding.message.contains("osdgate relay `gw-relay`"), "{}", finding.message);
        // Without the CMG on record, the value cannot be checked: said, not silently accepted.
        let mut doc = example(scenario);
        doc.site.cloud_management_gateway = None;
        assert!(rules_of(&doc).contains("OSDG-TS-005"), "{scenario}");
    }
}

/// `docs/preflight.md` lists every rule exactly as the catalog has it (severity, title, seed
/// section, fix), so the documentation cannot drift from the rules.
#[test]
fn the_docs_table_matches_the_catalog() {
    let docs =
        std::fs::read_to_string(format!("{}/../docs/preflight.md", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let mut missing = Vec::new();
    for rule in RULES {
        let seed = match rule.seed {
            Some(seed) => format!("{} › {}", &seed.file[..3], seed.section),
            None => "— (document consistency)".to_owned(),
        };
        let row = format!(
            "| `{}` | {} | {} | {} | {} |",
            rule.id, rule.severity, rule.title, seed, rule.fix
        );
        if !docs.lines().any(|line| line == row) {
            missing.push(row);
        }
    }
    assert!(missing.is_empty(), "rows missing from docs/preflight.md:\n{}", missing.join("\n"));
}

/// Item 3: `OSDG-CONTENT-007` names each file of each package the relay must serve and does not
/// hold, with its package; `check` alone (no relay state) never reports it.
#[test]
fn content_not_uploaded_is_reported_per_file() {
    let doc = example(BOOT);
    assert!(!rules_of(&doc).contains("OSDG-CONTENT-007"));
    let gateway = preflight::relay_gateway(&doc, None).unwrap().unwrap();
    let needed = preflight::files_to_upload(&doc, gateway);
    // The boot image, the OS image, the client and the drivers: all on the gateway.
    assert_eq!(needed.len(), 4, "{needed:?}");
    let none = preflight::check_uploaded(&doc, gateway, |_| false);
    assert_eq!(none.len(), 4);
    assert!(none.iter().all(|f| f.rule == "OSDG-CONTENT-007" && f.message.contains("ABC2000")));
    assert!(none.iter().any(|f| f.message.contains("package `ABC00012`")));
    let all = preflight::check_uploaded(&doc, gateway, |_| true);
    assert!(all.is_empty());
    // A package on the intranet distribution point only is not the relay's to serve.
    let mut doc = example(BOOT);
    doc.content[2].distributed_to = vec!["dp-hq".into()];
    let gateway = preflight::relay_gateway(&doc, None).unwrap().unwrap();
    assert_eq!(preflight::files_to_upload(&doc, gateway).len(), 3);
    // A deployment the gateway does not serve needs nothing uploaded.
    let mut doc = example(BOOT);
    doc.deployments[0].allow_internet = false;
    let gateway = preflight::relay_gateway(&doc, None).unwrap().unwrap();
    assert!(preflight::files_to_upload(&doc, gateway).is_empty());
}

/// Item 1: the conditions a gateway serves a deployment under are preflight's, per scenario: cloud
/// content for intranet boot media needs no "Allow task sequence to run for client on the
/// internet".
#[test]
fn the_gateway_serves_what_preflight_accepts() {
    for scenario in [BOOT, CLOUD, UPGRADE, CENTER] {
        let doc = example(scenario);
        for deployment in &doc.deployments {
            assert!(deployment.gateway_refusals().is_empty(), "{scenario}: {:?}", deployment.id);
        }
    }
    let cloud = example(CLOUD);
    assert!(!cloud.deployments[0].allow_internet, "the cloud example does not set it");
    let mut boot = example(BOOT);
    boot.deployments[0].allow_internet = false;
    assert_eq!(boot.deployments[0].gateway_refusals(), vec![GatewayRefusal::InternetNotAllowed]);
    assert!(rules_of(&boot).contains("OSDG-DEPLOY-001"));
}
