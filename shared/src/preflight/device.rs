//! Devices (`OSDG-DEVICE-*`).

use std::collections::HashMap;

use super::Context;
use super::rules::{
    DEVICE_IDENTITY_FORMAT, DEVICE_WITHOUT_IDENTITY, DUPLICATE_DEVICE_IDENTITY, ENTRA_NOT_REJOINED,
};
use crate::model::{Scenario, is_placeholder_guid, normalize_guid, normalize_mac};

pub(super) fn check(cx: &mut Context<'_>) {
    let doc = cx.document;
    let mut findings = Vec::new();
    let mut guids: HashMap<String, &str> = HashMap::new();
    let mut macs: HashMap<String, &str> = HashMap::new();
    for (i, device) in doc.devices.iter().enumerate() {
        if device.smbios_guid.is_none() && device.mac_addresses.is_empty() {
            findings.push((
                &DEVICE_WITHOUT_IDENTITY,
                format!("devices[{i}]"),
                format!("device `{}` has neither an SMBIOS GUID nor a MAC address, so the gateway cannot recognize it", device.id),
            ));
        }
        if let Some(guid) = &device.smbios_guid {
            match normalize_guid(guid) {
                None => findings.push((
                    &DEVICE_IDENTITY_FORMAT,
                    format!("devices[{i}].smbios_guid"),
                    format!("`{guid}` is not an SMBIOS GUID"),
                )),
                Some(normal) if is_placeholder_guid(&normal) => findings.push((
                    &DEVICE_IDENTITY_FORMAT,
                    format!("devices[{i}].smbios_guid"),
                    format!("`{guid}` is the placeholder of firmware without a UUID and identifies no device; give its MAC addresses instead"),
                )),
                Some(normal) => {
                    if let Some(other) = guids.get(&normal) {
                        findings.push((
                            &DUPLICATE_DEVICE_IDENTITY,
                            format!("devices[{i}].smbios_guid"),
                            format!(
                                "device `{}` has the SMBIOS GUID of device `{other}`",
                                device.id
                            ),
                        ));
                    } else {
                        guids.insert(normal, &device.id);
                    }
                }
            }
        }
        for (j, mac) in device.mac_addresses.iter().enumerate() {
            match normalize_mac(mac) {
                None => findings.push((
                    &DEVICE_IDENTITY_FORMAT,
                    format!("devices[{i}].mac_addresses[{j}]"),
                    format!("`{mac}` is not a MAC address"),
                )),
                Some(normal) => {
                    if let Some(other) = macs.get(&normal) {
                        if *other != device.id {
                            findings.push((
                                &DUPLICATE_DEVICE_IDENTITY,
                                format!("devices[{i}].mac_addresses[{j}]"),
                                format!(
                                    "device `{}` has the MAC address {normal} of device `{other}`",
                                    device.id
                                ),
                            ));
                        }
                    } else {
                        macs.insert(normal, &device.id);
                    }
                }
            }
        }
    }
    for (_, deployment, sequence) in cx.deployments() {
        let imaging = matches!(
            deployment.scenario,
            Scenario::BootMediaOverGateway | Scenario::SoftwareCenter
        ) && sequence.is_some_and(|(_, ts)| ts.boot_image_id.is_some());
        if !imaging {
            continue;
        }
        for (i, device) in cx.devices_in(&deployment.collection_id) {
            if device.entra_joined {
                findings.push((
                    &ENTRA_NOT_REJOINED,
                    format!("devices[{i}].entra_joined"),
                    format!("device `{}` is Entra-joined; after deployment `{}` installs a new OS it is not Entra-joined any more (it stays managed)", device.id, deployment.id),
                ));
            }
        }
    }
    for (rule, path, message) in findings {
        cx.report(rule, path, message);
    }
}
