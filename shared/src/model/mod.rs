//! The model: what an admin configures, as plain data with serde (JSON and TOML) and a JSON Schema.
//!
//! [`Document`] is raw input; [`Plan`] is a document that passed preflight. One file per concern.

mod boot_image;
mod boundary;
mod client_settings;
mod condition_edit;
mod content;
mod deployment;
mod device;
mod document;
mod gateway;
mod media;
mod plan;
mod site;
mod step_settings;
mod step_tree;
mod task_sequence;
pub(crate) mod time;

pub use boot_image::{Architecture, BootImage};
pub use boundary::{Boundary, BoundaryGroup, IpCidr, IpCidrError};
pub use client_settings::{
    ClientSettings, CloudServices, EffectiveCloudServices, effective_cloud_services,
};
pub use condition_edit::{ConditionEditError, ExpressionField};
pub use content::{ContentFile, ContentKind, ContentPackage};
pub use deployment::{
    Deployment, DeploymentOption, GatewayRefusal, MakeAvailableTo, ProgramReference, Purpose,
    Scenario,
};
pub use device::{
    Collection, Device, DeviceVariable, is_placeholder_guid, normalize_guid, normalize_mac,
};
pub use document::{Document, DocumentError, DocumentFormat, SCHEMA_ID, SchemaTag, line_column};
pub use gateway::{CertificateKind, DistributionPoint, Gateway, GatewayCertificate, TrustedRoot};
pub use media::{
    HashAlgorithm, KeyProvider, LegacyPassword, MEDIA_IMPORT_TRUSTED_ROOTS_AT_BOOT,
    ManagementPoint, Media, MediaCertificate, MediaDeploymentRefusal, MediaFormat, MediaManagement,
    MediaProtection, PrestartCommand,
};
pub use plan::Plan;
pub use site::{ManagementPointConnection, Site, SiteVersion};
pub use step_settings::{
    SettingChoice, SettingKind, SettingPlace, SettingProblem, SettingRule, SettingSpec,
    computer_name_problem, install_properties_problem, package_id_problem, product_key_problem,
    variable_name_problem, windows_path_problem, workgroup_name_problem,
};
pub use step_tree::{Placement, TreeEditError};
pub use task_sequence::{
    Attribute, Condition, ConditionExpression, ConditionItem, ConditionOperator, ExpressionType,
    GlobalVariable, Group, LogicalOperator, NetworkJoin, Node, Reference, RunIn, Step, StepRef,
    StepType, StepVariable, TaskSequence, VerbatimXml, install_property,
};
pub use time::{Timestamp, TimestampError};
