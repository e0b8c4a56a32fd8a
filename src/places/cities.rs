//! A short list of cities in the pilot's markets, so applicants can pick where they are
//! instead of typing coordinates. Coordinates are city centres; time zones are IANA names.

/// A city applicants can pick on the /register page.
#[derive(Debug, Clone, Copy)]
pub struct City {
    pub name: &'static str,
    /// ISO 3166-1 alpha-2.
    pub country: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub timezone: &'static str,
}

const fn city(name: &'static str, country: &'static str, lat: f64, lon: f64, timezone: &'static str) -> City {
    City { name, country, lat, lon, timezone }
}

/// Sorted by country, then name.
pub const CITIES: &[City] = &[
    city("Vienna", "AT", 48.2082, 16.3738, "Europe/Vienna"),
    city("Sydney", "AU", -33.8688, 151.2093, "Australia/Sydney"),
    city("Melbourne", "AU", -37.8136, 144.9631, "Australia/Melbourne"),
    city("Brussels", "BE", 50.8503, 4.3517, "Europe/Brussels"),
    city("Toronto", "CA", 43.6532, -79.3832, "America/Toronto"),
    city("Zurich", "CH", 47.3769, 8.5417, "Europe/Zurich"),
    city("Prague", "CZ", 50.0755, 14.4378, "Europe/Prague"),
    city("Berlin", "DE", 52.5200, 13.4050, "Europe/Berlin"),
    city("Hamburg", "DE", 53.5511, 9.9937, "Europe/Berlin"),
    city("Munich", "DE", 48.1351, 11.5820, "Europe/Berlin"),
    city("Copenhagen", "DK", 55.6761, 12.5683, "Europe/Copenhagen"),
    city("Aarhus", "DK", 56.1629, 10.2039, "Europe/Copenhagen"),
    city("Madrid", "ES", 40.4168, -3.7038, "Europe/Madrid"),
    city("Barcelona", "ES", 41.3874, 2.1686, "Europe/Madrid"),
    city("Helsinki", "FI", 60.1699, 24.9384, "Europe/Helsinki"),
    city("Oulu", "FI", 65.0121, 25.4651, "Europe/Helsinki"),
    city("Paris", "FR", 48.8566, 2.3522, "Europe/Paris"),
    city("Lyon", "FR", 45.7640, 4.8357, "Europe/Paris"),
    city("London", "GB", 51.5074, -0.1278, "Europe/London"),
    city("Manchester", "GB", 53.4808, -2.2426, "Europe/London"),
    city("Athens", "GR", 37.9838, 23.7275, "Europe/Athens"),
    city("Dublin", "IE", 53.3498, -6.2603, "Europe/Dublin"),
    city("Milan", "IT", 45.4642, 9.1900, "Europe/Rome"),
    city("Rome", "IT", 41.9028, 12.4964, "Europe/Rome"),
    city("Mexico City", "MX", 19.4326, -99.1332, "America/Mexico_City"),
    city("Amsterdam", "NL", 52.3676, 4.9041, "Europe/Amsterdam"),
    city("Oslo", "NO", 59.9139, 10.7522, "Europe/Oslo"),
    city("Bergen", "NO", 60.3913, 5.3221, "Europe/Oslo"),
    city("Tromsø", "NO", 69.6492, 18.9553, "Europe/Oslo"),
    city("Auckland", "NZ", -36.8485, 174.7633, "Pacific/Auckland"),
    city("Warsaw", "PL", 52.2297, 21.0122, "Europe/Warsaw"),
    city("Lisbon", "PT", 38.7223, -9.1393, "Europe/Lisbon"),
    city("Stockholm", "SE", 59.3293, 18.0686, "Europe/Stockholm"),
    city("Gothenburg", "SE", 57.7089, 11.9746, "Europe/Stockholm"),
    city("Malmö", "SE", 55.6050, 13.0038, "Europe/Stockholm"),
    city("Umeå", "SE", 63.8258, 20.2630, "Europe/Stockholm"),
    city("Kiruna", "SE", 67.8558, 20.2253, "Europe/Stockholm"),
    city("Östersund", "SE", 63.1792, 14.6357, "Europe/Stockholm"),
    city("New York", "US", 40.7128, -74.0060, "America/New_York"),
    city("Chicago", "US", 41.8781, -87.6298, "America/Chicago"),
    city("Denver", "US", 39.7392, -104.9903, "America/Denver"),
    city("Los Angeles", "US", 34.0522, -118.2437, "America/Los_Angeles"),
];

/// The city with this name, as the /register page submits it.
pub fn by_name(name: &str) -> Option<&'static City> {
    CITIES.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_city_lies_in_its_country_and_has_a_real_time_zone() {
        for city in CITIES {
            let found = crate::places::country_at(geo::Point::new(city.lon, city.lat)).map(|c| c.code);
            assert_eq!(found, Some(city.country), "{}", city.name);
            assert!(city.timezone.parse::<chrono_tz::Tz>().is_ok(), "{}", city.timezone);
        }
    }
}
