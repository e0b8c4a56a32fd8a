//! Placing agents: their country and region from their location, and the staff-editable
//! regions with the market rules that say which regions may serve a market.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::ids::UserId;
use crate::models::{agent, app_setting, audit, db_time, region};
use crate::places::{self, Location, RegionShape, regions::shape_of_countries};

/// Marks that the default regions were created once, so deleting them all sticks.
const DEFAULT_REGIONS_SEEDED: &str = "default_regions_seeded";

/// Every region ready for lookups (country lists by membership, drawn regions by outline).
pub fn load_shapes(conn: &mut DbConn) -> Result<Vec<RegionShape>, AppError> {
    let mut shapes = Vec::new();
    for stored in region::all(conn)? {
        let countries = stored.countries.as_deref().map(split_codes);
        let shape = match (&countries, &stored.geometry) {
            (Some(_), _) => geo::MultiPolygon::new(vec![]), // membership decides; no outline needed
            (None, Some(text)) => {
                parse_geometry(text).map_err(|e| anyhow::anyhow!("stored region {}: {e}", stored.name))?
            }
            (None, None) => continue,
        };
        shapes.push(RegionShape { name: stored.name, countries, shape });
    }
    Ok(shapes)
}

fn split_codes(text: &str) -> Vec<String> {
    text.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect()
}

fn parse_geometry(text: &str) -> Result<geo::MultiPolygon<f64>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    geometry_from_json(value)
}

fn geometry_from_json(value: serde_json::Value) -> Result<geo::MultiPolygon<f64>, String> {
    let geometry: geojson::Geometry = value.to_string().parse().map_err(|e| format!("not a GeoJSON geometry: {e}"))?;
    places::countries::to_multipolygon(&geometry).ok_or_else(|| "must be a Polygon or MultiPolygon".to_string())
}

/// The country (ISO alpha-2) and region a location falls in.
pub fn place(conn: &mut DbConn, location: Location) -> Result<(Option<&'static str>, Option<String>), AppError> {
    let country = places::country_at(location.point()).map(|c| c.code);
    let shapes = load_shapes(conn)?;
    Ok((country, places::region_for(&shapes, location.point(), country)))
}

/// Creates the default regions on a fresh installation, once.
pub fn ensure_default_regions(conn: &mut DbConn, now: DateTime<Utc>) -> Result<bool, AppError> {
    if app_setting::get(conn, DEFAULT_REGIONS_SEEDED)?.is_some() {
        return Ok(false);
    }
    for (name, codes) in places::default_regions() {
        region::insert(conn, name, Some(&codes.join(",")), None, db_time(now))?;
    }
    app_setting::set(conn, DEFAULT_REGIONS_SEEDED, "true", db_time(now))?;
    Ok(true)
}

/// Regions and market rules as the API shows and takes them: a GeoJSON FeatureCollection
/// whose features name a region and give either a list of countries or a geometry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegionsDocument {
    pub regions: RegionCollection,
    /// Market (ISO alpha-2) → regions whose agents may serve it. Markets not listed may be
    /// served from anywhere.
    pub markets: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegionCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
    pub features: Vec<RegionFeature>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegionFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub kind: String,
    pub properties: RegionProperties,
    /// A GeoJSON Polygon or MultiPolygon for a drawn region; null for a list of countries
    /// (their outlines are in /static/geo/countries-50m.geojson).
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegionProperties {
    pub name: String,
    /// ISO 3166-1 alpha-2 codes, for a region made of whole countries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub countries: Option<Vec<String>>,
}

/// The regions and rules now in force.
pub fn document(conn: &mut DbConn) -> Result<RegionsDocument, AppError> {
    let features = region::all(conn)?
        .into_iter()
        .map(|stored| RegionFeature {
            kind: "Feature".into(),
            properties: RegionProperties { name: stored.name, countries: stored.countries.as_deref().map(split_codes) },
            geometry: stored.geometry.and_then(|text| serde_json::from_str(&text).ok()),
        })
        .collect();
    let mut markets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (market, region_name) in region::rules(conn)? {
        markets.entry(market).or_default().push(region_name);
    }
    Ok(RegionsDocument { regions: RegionCollection { kind: "FeatureCollection".into(), features }, markets })
}

fn is_region_name(name: &str) -> bool {
    (1..=50).contains(&name.len()) && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks a document and returns, per region, its country list or its GeoJSON text.
fn check(doc: &RegionsDocument) -> Result<Vec<(String, Option<String>, Option<String>)>, AppError> {
    let mut errors = Vec::new();
    let mut checked = Vec::new();
    if doc.regions.kind != "FeatureCollection" {
        errors.push(FieldError::new("regions.type", "must be FeatureCollection"));
    }
    for (i, feature) in doc.regions.features.iter().enumerate() {
        let at = |field: &str| format!("regions.features[{i}].{field}");
        let name = &feature.properties.name;
        if !is_region_name(name) {
            errors.push(FieldError::new(at("properties.name"), "use 1 to 50 lower-case letters, digits or _"));
        } else if doc.regions.features[..i].iter().any(|f| &f.properties.name == name) {
            errors.push(FieldError::new(at("properties.name"), "each region name may appear once"));
        }
        match (&feature.properties.countries, &feature.geometry) {
            (Some(codes), None) => {
                if codes.is_empty() {
                    errors.push(FieldError::new(at("properties.countries"), "list at least one country"));
                }
                if let Err(unknown) = shape_of_countries(codes) {
                    errors.push(FieldError::new(
                        at("properties.countries"),
                        format!("`{unknown}` is not a country we have boundaries for"),
                    ));
                }
                checked.push((name.clone(), Some(codes.join(",")), None));
            }
            (None, Some(geometry)) => match geometry_from_json(geometry.clone()) {
                Ok(_) => checked.push((name.clone(), None, Some(geometry.to_string()))),
                Err(problem) => errors.push(FieldError::new(at("geometry"), problem)),
            },
            _ => {
                errors.push(FieldError::new(at("geometry"), "give either properties.countries or a geometry, not both"))
            }
        }
    }
    for (market, names) in &doc.markets {
        if isocountry::CountryCode::for_alpha2(market).is_err() {
            errors
                .push(FieldError::new(format!("markets.{market}"), "markets are ISO 3166-1 alpha-2 codes such as SE"));
        }
        for name in names {
            if !doc.regions.features.iter().any(|f| &f.properties.name == name) {
                errors
                    .push(FieldError::new(format!("markets.{market}"), format!("`{name}` is not one of the regions")));
            }
        }
    }
    if errors.is_empty() { Ok(checked) } else { Err(AppError::Validation(errors)) }
}

/// Replaces all regions and rules, places every agent again, and records who did it.
pub fn replace(conn: &mut DbConn, doc: &RegionsDocument, actor: UserId, now: DateTime<Utc>) -> Result<usize, AppError> {
    let checked = check(doc)?;
    region::delete_all(conn)?;
    for (name, countries, geometry) in &checked {
        region::insert(conn, name, countries.as_deref(), geometry.as_deref(), db_time(now))?;
    }
    for (market, names) in &doc.markets {
        for name in names {
            region::insert_rule(conn, market, name)?;
        }
    }
    let shapes = load_shapes(conn)?;
    let mut moved = 0;
    for (agent_id, lat, lon, country) in agent::locations(conn)? {
        let point = Location { lat, lon }.point();
        let placed = places::region_for(&shapes, point, country.as_deref());
        moved += agent::set_region(conn, agent_id, placed.as_deref())?;
    }
    let summary = format!("{} regions, {} market rules", checked.len(), doc.markets.len());
    audit::record(
        conn,
        &audit::NewAuditEntry {
            actor_id: Some(actor),
            subject_kind: "settings",
            subject_id: None,
            action: "regions_replaced",
            detail: Some(&summary),
            created_at: db_time(now),
        },
    )?;
    Ok(moved)
}
