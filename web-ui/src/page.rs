//! The console's pages: their URLs and which parts of the document each one shows, so the preflight
//! panel can list exactly the findings of what is on screen and a finding can lead to its page.

/// One page of the console, in the order of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    Overview,
    SiteAndGateways,
    BoundaryGroups,
    ClientSettings,
    Content,
    BootImages,
    TaskSequences,
    Deployments,
    Media,
    Devices,
    Certificates,
}

impl Page {
    /// Every page, in navigation order.
    pub const ALL: [Page; 11] = [
        Page::Overview,
        Page::SiteAndGateways,
        Page::BoundaryGroups,
        Page::ClientSettings,
        Page::Content,
        Page::BootImages,
        Page::TaskSequences,
        Page::Deployments,
        Page::Media,
        Page::Devices,
        Page::Certificates,
    ];

    /// The page's URL path.
    pub fn path(self) -> &'static str {
        match self {
            Page::Overview => "/",
            Page::SiteAndGateways => "/site",
            Page::BoundaryGroups => "/boundary-groups",
            Page::ClientSettings => "/client-settings",
            Page::Content => "/content",
            Page::BootImages => "/boot-images",
            Page::TaskSequences => "/task-sequences",
            Page::Deployments => "/deployments",
            Page::Media => "/media",
            Page::Devices => "/devices",
            Page::Certificates => "/certificates",
        }
    }

    /// The page at `path` (a trailing slash is ignored).
    pub fn from_path(path: &str) -> Option<Page> {
        let trimmed = path.trim_end_matches('/');
        let path = if trimmed.is_empty() { "/" } else { trimmed };
        Page::ALL.into_iter().find(|page| page.path() == path)
    }

    /// The top-level document sections (`Document` field names) this page edits.
    fn sections(self) -> &'static [&'static str] {
        match self {
            Page::Overview => &[],
            Page::SiteAndGateways => &["site", "gateways", "distribution_points"],
            Page::BoundaryGroups => &["boundary_groups"],
            Page::ClientSettings => &["client_settings"],
            Page::Content => &["content"],
            Page::BootImages => &["boot_images"],
            Page::TaskSequences => &["task_sequences"],
            Page::Deployments => &["deployments", "collections"],
            Page::Media => &["media"],
            Page::Devices => &["devices"],
            Page::Certificates => &[],
        }
    }

    /// Whether a finding at `path` (a preflight JSON path such as `gateways[0].certificate.kind`)
    /// concerns what this page shows. The overview shows everything; the certificates page shows
    /// every certificate and trusted root wherever it is configured.
    pub fn shows(self, path: &str) -> bool {
        match self {
            Page::Overview => true,
            Page::Certificates => is_certificate_path(path),
            _ => self.sections().contains(&section_of(path)),
        }
    }

    /// The page where the field at `path` is edited: the owner of its section, the certificates
    /// page for nothing else, and the overview for paths outside every section (the whole document).
    pub fn owning(path: &str) -> Page {
        let section = section_of(path);
        Page::ALL
            .into_iter()
            .find(|page| page.sections().contains(&section))
            .unwrap_or(if is_certificate_path(path) { Page::Certificates } else { Page::Overview })
    }
}

/// The first segment of a preflight path: `deployments[0].purpose` → `deployments`.
pub fn section_of(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}

fn is_certificate_path(path: &str) -> bool {
    path.contains("certificate") || path.contains("trusted_roots")
}

/// `path` and each of its ancestors, longest first:
/// `deployments[0].purpose` → `deployments[0].purpose`, `deployments[0]`, `deployments`.
/// The console looks for the most specific element on the page that carries one of them.
pub fn path_and_ancestors(path: &str) -> Vec<&str> {
    let mut out = vec![path];
    let mut end = path.len();
    while let Some(cut) = path[..end].rfind(['.', '[']) {
        end = cut;
        if end == 0 {
            break;
        }
        out.push(&path[..end]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_and_are_distinct() {
        for page in Page::ALL {
            assert_eq!(Page::from_path(page.path()), Some(page));
        }
        assert_eq!(Page::from_path("/site/"), Some(Page::SiteAndGateways));
        assert_eq!(Page::from_path(""), Some(Page::Overview));
        assert_eq!(Page::from_path("/nope"), None);
    }

    #[test]
    fn findings_belong_to_the_page_that_shows_their_section() {
        assert!(Page::SiteAndGateways.shows("site.code"));
        assert!(Page::SiteAndGateways.shows("gateways[1].public_url"));
        assert!(!Page::SiteAndGateways.shows("deployments[0].purpose"));
        assert!(Page::Deployments.shows("deployments[0].purpose"));
        assert!(Page::Deployments.shows("collections[2].id"));
        assert!(Page::Overview.shows("anything"));
        assert!(Page::Certificates.shows("gateways[0].certificate.trusted_roots[0].thumbprint"));
        assert!(!Page::Certificates.shows("gateways[0].public_url"));
        // `content` is its own section, not a prefix match of `content_...`.
        assert!(!Page::Content.shows("contents"));
    }

    #[test]
    fn every_path_has_an_owning_page() {
        assert_eq!(Page::owning("site.version"), Page::SiteAndGateways);
        assert_eq!(Page::owning("media[0].protection"), Page::Media);
        assert_eq!(Page::owning("gateways[0].certificate.kind"), Page::SiteAndGateways);
        assert_eq!(Page::owning("schema"), Page::Overview);
    }

    #[test]
    fn ancestors_go_from_the_field_to_its_section() {
        assert_eq!(
            path_and_ancestors("deployments[0].purpose"),
            vec!["deployments[0].purpose", "deployments[0]", "deployments"]
        );
        assert_eq!(
            path_and_ancestors("gateways[0].certificate.trusted_roots[1].thumbprint"),
            vec![
                "gateways[0].certificate.trusted_roots[1].thumbprint",
                "gateways[0].certificate.trusted_roots[1]",
                "gateways[0].certificate.trusted_roots",
                "gateways[0].certificate",
                "gateways[0]",
                "gateways"
            ]
        );
        assert_eq!(path_and_ancestors("site"), vec!["site"]);
    }
}
