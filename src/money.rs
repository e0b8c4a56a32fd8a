//! Money as integer minor units plus an ISO 4217 currency; never floats.

/// Decimal places of a currency's minor unit (2 for SEK and EUR, 0 for JPY).
pub fn exponent(currency: &str) -> u32 {
    currency.parse::<iso_currency::Currency>().ok().and_then(|c| c.exponent()).unwrap_or(2) as u32
}

/// `22050, "SEK"` → `"220.50"`: the amount written in major units, exactly.
pub fn decimal(minor: i64, currency: &str) -> String {
    let places = exponent(currency);
    if places == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(places);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / scale as u64, abs % scale as u64, width = places as usize)
}

/// `22050, "SEK"` → `"220.50 SEK"`, for people.
pub fn display(minor: i64, currency: &str) -> String {
    format!("{} {currency}", decimal(minor, currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_are_written_exactly() {
        assert_eq!(decimal(22050, "SEK"), "220.50");
        assert_eq!(decimal(5, "EUR"), "0.05");
        assert_eq!(decimal(-1234, "EUR"), "-12.34");
        assert_eq!(decimal(1500, "JPY"), "1500");
        assert_eq!(decimal(1234, "BHD"), "1.234");
        assert_eq!(display(100, "GBP"), "1.00 GBP");
    }
}
