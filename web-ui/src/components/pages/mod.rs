mod not_found;
mod on_demand_page;
mod overview;
mod section;
mod site_and_gateways;

pub use not_found::NotFound;
pub use on_demand_page::OnDemandPage;
pub use overview::Overview;
pub use section::SectionPage;
pub use site_and_gateways::SiteAndGateways;
