//! Country boundaries from Natural Earth 1:50m (see static/geo/LICENSE.md), compiled into the
//! binary and parsed once on first use.

use std::sync::OnceLock;

use geo::{BoundingRect, Closest, Contains, Distance, Haversine, HaversineClosestPoint, MultiPolygon, Point, Rect};

const COUNTRIES_GEOJSON: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/static/geo/countries-50m.geojson"));

/// A point this close to a country's coastline counts as in it: coastal cities can fall just
/// outside a generalised coastline.
const COASTAL_TOLERANCE_M: f64 = 25_000.0;
/// Bounding boxes are widened by this much (degrees) when looking for a nearby coastline.
const NEARBY_DEGREES: f64 = 0.5;

/// One country's shape.
pub struct Country {
    /// ISO 3166-1 alpha-2, for example `SE`.
    pub code: &'static str,
    pub name: String,
    pub shape: MultiPolygon<f64>,
    bounds: Rect<f64>,
}

/// Every shipped country (Natural Earth features without an ISO code are left out).
pub fn all() -> &'static [Country] {
    static COUNTRIES: OnceLock<Vec<Country>> = OnceLock::new();
    COUNTRIES.get_or_init(|| parse(COUNTRIES_GEOJSON))
}

fn parse(text: &str) -> Vec<Country> {
    let collection: geojson::FeatureCollection = text.parse().expect("the shipped country file is valid GeoJSON");
    let mut countries = Vec::with_capacity(collection.features.len());
    for feature in collection.features {
        let numeric = feature.property("numeric").and_then(|v| v.as_str()).and_then(|v| v.parse::<u32>().ok());
        let Some(code) = numeric.and_then(|n| isocountry::CountryCode::for_id(n).ok()).map(|c| c.alpha2()) else {
            continue;
        };
        let name = feature.property("name").and_then(|v| v.as_str()).unwrap_or(code).to_string();
        let Some(geometry) = feature.geometry.as_ref() else {
            continue;
        };
        let Some(shape) = to_multipolygon(geometry) else {
            continue;
        };
        let Some(bounds) = shape.bounding_rect() else {
            continue;
        };
        countries.push(Country { code, name, shape, bounds });
    }
    countries
}

/// A Polygon or MultiPolygon GeoJSON geometry as a MultiPolygon; `None` for other kinds.
pub fn to_multipolygon(geometry: &geojson::Geometry) -> Option<MultiPolygon<f64>> {
    match geo::Geometry::<f64>::try_from(geometry).ok()? {
        geo::Geometry::Polygon(polygon) => Some(MultiPolygon::new(vec![polygon])),
        geo::Geometry::MultiPolygon(multi) => Some(multi),
        _ => None,
    }
}

/// The country with this alpha-2 code, if we have its shape.
pub fn by_code(code: &str) -> Option<&'static Country> {
    all().iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

fn widened(bounds: &Rect<f64>, by: f64) -> Rect<f64> {
    Rect::new((bounds.min().x - by, bounds.min().y - by), (bounds.max().x + by, bounds.max().y + by))
}

/// The country containing `point`, or the one whose coast is within 25 km of it (a city on a
/// generalised coastline); `None` at sea.
pub fn country_at(point: Point<f64>) -> Option<&'static Country> {
    let countries = all();
    if let Some(inside) = countries.iter().find(|c| c.bounds.contains(&point) && c.shape.contains(&point)) {
        return Some(inside);
    }
    countries
        .iter()
        .filter(|c| widened(&c.bounds, NEARBY_DEGREES).contains(&point))
        .filter_map(|c| {
            let nearest = match c.shape.haversine_closest_point(&point) {
                Closest::Intersection(p) | Closest::SinglePoint(p) => p,
                Closest::Indeterminate => return None,
            };
            Some((c, Haversine.distance(point, nearest)))
        })
        .filter(|(_, metres)| *metres <= COASTAL_TOLERANCE_M)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(country, _)| country)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> Option<&'static str> {
        country_at(Point::new(lon, lat)).map(|c| c.code)
    }

    #[test]
    fn cities_fall_in_their_countries() {
        assert_eq!(at(59.3293, 18.0686), Some("SE"), "Stockholm");
        assert_eq!(at(59.9139, 10.7522), Some("NO"), "Oslo");
        assert_eq!(at(55.6761, 12.5683), Some("DK"), "Copenhagen, on the coast");
        assert_eq!(at(52.5200, 13.4050), Some("DE"), "Berlin");
        assert_eq!(at(40.7128, -74.0060), Some("US"), "New York");
        assert_eq!(at(-33.8688, 151.2093), Some("AU"), "Sydney");
    }

    #[test]
    fn points_near_a_border_land_on_the_right_side() {
        // Haparanda (SE) and Tornio (FI) face each other across the Torne river.
        assert_eq!(at(65.8355, 24.1368), Some("SE"), "Haparanda");
        assert_eq!(at(65.8481, 24.1466 + 0.05), Some("FI"), "Tornio");
        // Strasbourg (FR) and Kehl (DE) across the Rhine.
        assert_eq!(at(48.5734, 7.7521), Some("FR"), "Strasbourg");
        assert_eq!(at(48.5700, 7.8150), Some("DE"), "Kehl");
    }

    #[test]
    fn the_open_sea_is_in_no_country() {
        assert_eq!(at(56.0, 19.0), None, "the Baltic between Gotland and Lithuania");
        assert_eq!(at(30.0, -40.0), None, "mid-Atlantic");
    }
}
