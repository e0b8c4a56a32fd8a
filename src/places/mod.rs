//! Where agents are: the country a location falls in (shipped Natural Earth boundaries) and
//! the staff-defined region (a list of countries, or a drawn GeoJSON geometry).
//! Pure code over plain data: no actix, no diesel.

pub mod cities;
pub mod countries;
pub mod regions;

pub use countries::{Country, country_at};
pub use regions::{RegionShape, default_regions, region_for};

/// A location as the API sends it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Location {
    /// Degrees north, -90 to 90.
    pub lat: f64,
    /// Degrees east, -180 to 180.
    pub lon: f64,
}

impl Location {
    /// The geo point (GeoJSON order: longitude first).
    pub fn point(self) -> geo::Point<f64> {
        geo::Point::new(self.lon, self.lat)
    }

    pub fn is_valid(self) -> bool {
        (-90.0..=90.0).contains(&self.lat) && (-180.0..=180.0).contains(&self.lon)
    }
}
