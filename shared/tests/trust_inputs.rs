//! Reading certificates in every form (issue 4, item 1), lint (item 2) and the gateway chain check.

use std::path::{Path, PathBuf};

use osdgate_model::trust::chain::{check_gateway, verify_signature};
use osdgate_model::trust::lint::{CertificateRole, LintContext, Severity, lint};
use osdgate_model::trust::{CertificateReadError, TrustCertificate, read_certificates};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/trust")
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(corpus().join(name)).unwrap()
}

fn certs(name: &str) -> Vec<TrustCertificate> {
    read_certificates(&bytes(name), name).unwrap().certificates
}

fn one(name: &str) -> TrustCertificate {
    let mut all = certs(name);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

/// 2030-01-01T00:00:00Z: inside every fixture's validity except `expired`.
const NOW: u64 = 1_893_456_000;

fn context() -> LintContext {
    LintContext { now_unix: NOW, media_expiry_unix: None }
}

#[test]
fn pem_bundles_and_pkcs7_in_pem_and_der() {
    let two = certs("two-roots.pem");
    assert_eq!(two, vec![one("rsa2048-sha256.der"), one("ec256-sha256.der")]);

    let root = one("chain-root.der");
    let intermediate = one("chain-intermediate.der");
    for (file, container) in [("bundle.p7b", "PKCS#7 (PEM)"), ("bundle.p7c", "PKCS#7 (DER)")] {
        let read = read_certificates(&bytes(file), file).unwrap();
        assert_eq!(read.container, container);
        assert_eq!(read.certificates.len(), 2, "{file}");
        assert!(read.certificates.contains(&root) && read.certificates.contains(&intermediate));
    }

    // CRLF line ends, a UTF-8 BOM and text around the blocks (as Windows' certutil writes).
    let pem = String::from_utf8(bytes("ec384-sha384.pem")).unwrap();
    let windowsish =
        format!("\u{feff}Bag Attributes\r\nsubject=x\r\n{}", pem.replace('\n', "\r\n"));
    assert_eq!(certs_from(windowsish.as_bytes()), vec![one("ec384-sha384.der")]);
}

fn certs_from(bytes: &[u8]) -> Vec<TrustCertificate> {
    read_certificates(bytes, "inline").unwrap().certificates
}

#[test]
fn private_keys_and_pfx_are_refused_with_a_reason() {
    for file in [
        "private-pkcs8.key",
        "private-rsa.key",
        "private-pkcs8-der.key",
        "private-pkcs8-encrypted-der.key",
        "private-rsa-der.key",
        "private-ec-sec1-der.key",
    ] {
        let err = read_certificates(&bytes(file), file).unwrap_err();
        assert!(matches!(err, CertificateReadError::PrivateKey { .. }), "{file}: {err}");
        let message = err.to_string();
        assert!(message.contains(file) && message.contains("never belongs in boot media"));
    }
    let err = read_certificates(&bytes("nonca.pfx"), "nonca.pfx").unwrap_err();
    assert!(matches!(err, CertificateReadError::Pfx { .. }), "{err}");

    // A certificate and its key in one PEM file: still refused (the key must not travel).
    let mut mixed = bytes("nonca.pem");
    mixed.extend(bytes("private-pkcs8.key"));
    assert!(matches!(
        read_certificates(&mixed, "mixed.pem"),
        Err(CertificateReadError::PrivateKey { .. })
    ));
}

#[test]
fn damaged_inputs_name_the_problem() {
    let mut der = bytes("rsa2048-sha256.der");
    der.truncate(der.len() - 10);
    let err = read_certificates(&der, "cut.cer").unwrap_err().to_string();
    assert!(err.contains("cut.cer"), "{err}");
    let pem = String::from_utf8(bytes("rsa2048-sha256.pem")).unwrap();
    let broken = pem.replace("-----END CERTIFICATE-----", "");
    let err = read_certificates(broken.as_bytes(), "broken.pem").unwrap_err().to_string();
    assert!(err.contains("END CERTIFICATE"), "{err}");
}

#[test]
fn lint_flags_each_rule() {
    let codes = |name: &str| -> Vec<String> {
        lint(&one(name), context()).findings.into_iter().map(|f| f.rule).collect()
    };
    let good = lint(&one("rsa2048-sha256.der"), context());
    assert!(good.usable_as_root && good.findings.is_empty(), "{:?}", good.findings);
    assert_eq!(good.role, CertificateRole::Root);

    let weak = lint(&one("rsa1024-sha1.der"), context());
    assert!(weak.usable_as_root);
    assert_eq!(
        weak.findings.iter().map(|f| (f.rule.as_str(), f.severity)).collect::<Vec<_>>(),
        vec![("OSDG-ROOT-009", Severity::Warning), ("OSDG-ROOT-012", Severity::Warning)]
    );

    let leaf = lint(&one("nonca.der"), context());
    assert!(!leaf.usable_as_root);
    assert_eq!(leaf.role, CertificateRole::Leaf);
    assert_eq!(codes("nonca.der"), vec!["OSDG-ROOT-001", "OSDG-ROOT-002"]);

    let intermediate = lint(&one("chain-intermediate.der"), context());
    assert_eq!(intermediate.role, CertificateRole::Intermediate);
    assert_eq!(codes("chain-intermediate.der"), vec!["OSDG-ROOT-006"]);

    assert_eq!(codes("expired.der"), vec!["OSDG-CERT-004"]);
    let early = LintContext { now_unix: 1_000_000_000, media_expiry_unix: None };
    assert!(
        lint(&one("ec256-sha256.der"), early).findings.iter().any(|f| f.rule == "OSDG-ROOT-007")
    );

    let later = LintContext { now_unix: NOW, media_expiry_unix: Some(NOW + 40 * 365 * 86_400) };
    let report = lint(&one("ec384-sha384.der"), later);
    assert!(report.usable_as_root);
    assert_eq!(
        report.findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        vec!["OSDG-CERT-003"]
    );
    assert_eq!(report.public_key, "ECC P-384");
    assert_eq!(report.signature_algorithm, "sha384ECDSA");
}

/// The roots only OpenSSL makes (`corpus/trust/lint/make-fixtures.sh`): every `OSDG-ROOT-*` rule in
/// the catalog fires for some certificate of the corpus, with its own severity, a certificate field
/// as its path and the rule's fix.
#[test]
fn every_root_rule_fires_for_some_corpus_certificate() {
    let v1 = lint(&one("lint/rsa512-md5-v1.der"), context());
    let rules = |report: &osdgate_model::trust::lint::CertificateReport| -> Vec<String> {
        report.findings.iter().map(|f| f.rule.clone()).collect()
    };
    assert_eq!(rules(&v1), ["OSDG-ROOT-003", "OSDG-ROOT-008", "OSDG-ROOT-011"]);
    assert!(!v1.usable_as_root, "a 512-bit RSA key is blocked by Windows");
    let ed25519 = lint(&one("lint/ed25519-root.der"), context());
    for expected in ["OSDG-ROOT-005", "OSDG-ROOT-010", "OSDG-ROOT-013", "OSDG-ROOT-014"] {
        assert!(
            rules(&ed25519).iter().any(|r| r == expected),
            "{expected}: {:?}",
            ed25519.findings
        );
    }
    let early = LintContext { now_unix: 1_000_000_000, media_expiry_unix: None };
    let mut seen: Vec<String> = rules(&v1).into_iter().chain(rules(&ed25519)).collect();
    for (name, context) in [
        ("nonca.der", context()),
        ("chain-intermediate.der", context()),
        ("rsa1024-sha1.der", context()),
        ("ec256-sha256.der", early),
    ] {
        seen.extend(rules(&lint(&one(name), context)));
    }
    let mut damaged_der = bytes("ec256-sha256.der");
    let last = damaged_der.len() - 5;
    damaged_der[last] ^= 1;
    seen.extend(rules(&lint(&TrustCertificate::from_der(&damaged_der).unwrap(), context())));
    for rule in osdgate_model::preflight::RULES.iter().filter(|r| r.id.starts_with("OSDG-ROOT-")) {
        assert!(seen.iter().any(|id| id == rule.id), "{} never fires in the corpus", rule.id);
    }
    for finding in v1.findings.iter().chain(&ed25519.findings) {
        let rule = osdgate_model::preflight::rule(&finding.rule).unwrap();
        assert_eq!((finding.severity, finding.fix.as_str()), (rule.severity, rule.fix));
        assert!(
            finding.path.starts_with("tbsCertificate") || finding.path.starts_with("signature")
        );
    }
}

#[test]
fn self_signatures_verify_for_every_algorithm() {
    for name in [
        "rsa1024-sha1",
        "rsa2048-sha1",
        "rsa2048-sha256",
        "rsa4096-sha1",
        "rsa4096-sha256",
        "rsa3072-sha384",
        "ec256-sha256",
        "ec384-sha384",
        "chain-root",
    ] {
        let cert = one(&format!("{name}.der"));
        assert_eq!(verify_signature(&cert, &cert), Ok(()), "{name}");
    }
    // A certificate does not verify with another key.
    assert!(verify_signature(&one("rsa2048-sha256.der"), &one("rsa2048-sha1.der")).is_err());
    // A flipped bit in the signature is caught.
    let mut der = bytes("ec256-sha256.der");
    let last = der.len() - 5;
    der[last] ^= 1;
    let damaged = TrustCertificate::from_der(&der).unwrap();
    assert!(verify_signature(&damaged, &damaged).is_err());
    let report = lint(&damaged, context());
    assert!(report.findings.iter().any(|f| f.rule == "OSDG-ROOT-004"));
    assert!(!report.usable_as_root);
}

#[test]
fn gateway_chain_is_trusted_only_through_the_right_root() {
    let gateway = certs("chain-gateway.pem");
    let root = one("chain-root.der");
    let other = one("other-root.der");

    let trusted = check_gateway(std::slice::from_ref(&root), &gateway, NOW);
    assert!(trusted.trusted, "{:?}", trusted.reasons);
    assert_eq!(
        trusted.path.iter().map(|s| s.role).collect::<Vec<_>>(),
        vec!["gateway", "intermediate", "root"]
    );

    let untrusted = check_gateway(std::slice::from_ref(&other), &gateway, NOW);
    assert!(!untrusted.trusted);
    assert!(untrusted.reasons[0].contains("CN=Contoso Chain Root"), "{:?}", untrusted.reasons);

    // Leaf alone, intermediate missing: says which issuer is missing.
    let leaf_only = check_gateway(std::slice::from_ref(&root), &gateway[..1], NOW);
    assert!(!leaf_only.trusted);
    assert!(leaf_only.reasons[0].contains("CN=Contoso Issuing CA"), "{:?}", leaf_only.reasons);

    // The intermediate given as a "root" also anchors it (it is in the chosen set).
    let via_intermediate = check_gateway(&[gateway[1].clone()], &gateway[..1], NOW);
    assert!(via_intermediate.trusted);

    // Expired path: after the leaf's notAfter.
    let late = check_gateway(std::slice::from_ref(&root), &gateway, NOW + 20 * 365 * 86_400);
    assert!(!late.trusted);
    assert!(late.reasons.iter().any(|r| r.contains("expired")), "{:?}", late.reasons);

    // A chain that ends in a root the admin did not choose.
    let mut with_root = gateway.clone();
    with_root.push(root.clone());
    let unchosen = check_gateway(std::slice::from_ref(&other), &with_root, NOW);
    assert!(!unchosen.trusted);
    assert!(unchosen.reasons[0].contains("not among the chosen roots"), "{:?}", unchosen.reasons);

    // A chosen root given as the gateway certificate is anchored by itself.
    let itself = check_gateway(std::slice::from_ref(&root), std::slice::from_ref(&root), NOW);
    assert!(itself.trusted, "{:?}", itself.reasons);
}
