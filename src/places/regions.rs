//! Regions: named groups of countries (or drawn shapes) that staff allow to serve a market.

use geo::{Contains, MultiPolygon, Point};

use super::countries;

/// A region ready for lookups.
#[derive(Debug, Clone)]
pub struct RegionShape {
    pub name: String,
    /// Set when the region is defined as a list of countries (ISO alpha-2): membership is then
    /// decided by the agent's country, which already allows for generalised coastlines.
    pub countries: Option<Vec<String>>,
    /// The outline, for regions drawn as GeoJSON (and, for country lists, their union).
    pub shape: MultiPolygon<f64>,
}

/// The first region (by name) that holds the location.
pub fn region_for(regions: &[RegionShape], point: Point<f64>, country: Option<&str>) -> Option<String> {
    let mut holding: Vec<&RegionShape> = regions
        .iter()
        .filter(|region| match &region.countries {
            Some(codes) => country.is_some_and(|c| codes.iter().any(|code| code == c)),
            None => region.shape.contains(&point),
        })
        .collect();
    holding.sort_by(|a, b| a.name.cmp(&b.name));
    holding.first().map(|region| region.name.clone())
}

/// The outline of a list of countries, or the first code we have no shape for.
pub fn shape_of_countries(codes: &[String]) -> Result<MultiPolygon<f64>, String> {
    let mut polygons = Vec::new();
    for code in codes {
        let country = countries::by_code(code).ok_or_else(|| code.clone())?;
        polygons.extend(country.shape.0.iter().cloned());
    }
    Ok(MultiPolygon::new(polygons))
}

/// The regions a fresh installation starts with, as country lists.
pub fn default_regions() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("nordics", vec!["SE", "NO", "DK", "FI", "IS"]),
        ("british_isles", vec!["GB", "IE"]),
        ("western_europe", vec!["DE", "AT", "CH", "NL", "BE", "LU", "FR"]),
        ("southern_europe", vec!["ES", "PT", "IT", "GR", "CY"]),
        ("central_eastern_europe", vec!["PL", "CZ", "SK", "HU", "RO", "BG", "HR", "SI", "EE", "LV", "LT"]),
        ("north_america", vec!["US", "CA"]),
        ("latin_america", vec!["MX", "BR", "AR", "CL", "CO", "PE"]),
        ("oceania", vec!["AU", "NZ"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country_list(name: &str, codes: &[&str]) -> RegionShape {
        let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        RegionShape { name: name.into(), shape: shape_of_countries(&codes).unwrap(), countries: Some(codes) }
    }

    #[test]
    fn every_default_region_country_has_a_shape() {
        for (name, codes) in default_regions() {
            let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
            assert!(shape_of_countries(&codes).is_ok(), "{name}");
        }
    }

    #[test]
    fn a_country_list_region_holds_its_countries_agents() {
        let regions = vec![country_list("nordics", &["SE", "NO"]), country_list("dach", &["DE", "AT", "CH"])];
        let stockholm = Point::new(18.0686, 59.3293);
        assert_eq!(region_for(&regions, stockholm, Some("SE")).as_deref(), Some("nordics"));
        assert_eq!(region_for(&regions, stockholm, Some("FR")), None);
        assert_eq!(region_for(&regions, stockholm, None), None);
    }

    #[test]
    fn a_drawn_region_holds_the_points_inside_it() {
        let square = geo::Polygon::new(
            geo::LineString::from(vec![(10.0, 50.0), (20.0, 50.0), (20.0, 60.0), (10.0, 60.0), (10.0, 50.0)]),
            vec![],
        );
        let regions = vec![RegionShape { name: "box".into(), countries: None, shape: MultiPolygon::new(vec![square]) }];
        assert_eq!(region_for(&regions, Point::new(15.0, 55.0), None).as_deref(), Some("box"));
        assert_eq!(region_for(&regions, Point::new(25.0, 55.0), None), None);
    }
}
