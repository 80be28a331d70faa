//! Trust: any root certificate → a WinPE registry patch that Windows accepts, byte for byte
//! (issue 4; formats in `windows-artifacts.md` §1–3).
//!
//! - [`certificate`]: read PEM/DER/PKCS#7, refuse private keys and PFX.
//! - [`names`]: subject/issuer strings as Windows shows them.
//! - [`blob`]: the registry `Blob` property list (encoder with profiles, decoder/checker).
//! - [`reg`]: the `reg export` file format (writer and reader, re-targeting).
//! - [`lint`]: is a certificate usable as a trusted root; [`chain`]: does a set of roots make the
//!   gateway's certificate trusted.
//! - [`patch`]: a patch assembled from certificate files and `.reg` exports, as `osdgate trust reg`
//!   and the console write it.
//! - [`scripts`]: PowerShell and `.cmd` scripts that apply `.reg` patches to a `boot.wim`.
//!
//! Nothing here does I/O; time is passed in as seconds since the Unix epoch.

pub mod blob;
pub mod certificate;
pub mod chain;
pub mod lint;
pub mod names;
pub mod patch;
pub mod reg;
pub mod scripts;

pub use blob::{BlobProfile, DecodedBlob, EncodedBlob, decode_blob, encode_blob};
pub use certificate::{CertificateReadError, TrustCertificate, read_certificates};
pub use reg::{
    Hive, RegCertificateEntry, RegDocument, Store, read_reg, write_certificates, write_reg,
};
