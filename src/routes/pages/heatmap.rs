//! A week as a heatmap: one row per local day, one cell per half hour, for the coverage pages.
//! Cells carry a CSS class (the colour) and a title and label saying what they mean, so the
//! picture is readable without colour too.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

pub struct Cell {
    pub class: String,
    pub label: String,
}

pub struct Row {
    pub day: String,
    pub cells: Vec<Cell>,
}

pub struct Heatmap {
    pub rows: Vec<Row>,
    /// Column headings: the hours, every other column.
    pub hours: Vec<String>,
}

/// Lays `cells` (each for the half hour starting at its instant) out by local day and time in
/// `tz`; half hours without a cell are blank.
pub fn lay_out(cells: Vec<(DateTime<Utc>, Cell)>, tz: Tz) -> Heatmap {
    let mut days: Vec<(NaiveDate, Vec<Option<Cell>>)> = Vec::new();
    for (at, cell) in cells {
        let local = at.with_timezone(&tz);
        let (date, column) = (local.date_naive(), (local.hour() * 2 + local.minute() / 30) as usize);
        if days.last().is_none_or(|(d, _)| *d != date) {
            days.push((date, (0..48).map(|_| None).collect()));
        }
        if let Some((_, row)) = days.last_mut() {
            row[column] = Some(cell);
        }
    }
    let rows = days
        .into_iter()
        .map(|(date, cells)| Row {
            day: date.format("%a %d %b").to_string(),
            cells: cells
                .into_iter()
                .enumerate()
                .map(|(i, cell)| {
                    cell.unwrap_or_else(|| Cell {
                        class: "blank".into(),
                        label: format!("{} {:02}:{:02}: no data", date.format("%a"), i / 2, (i % 2) * 30),
                    })
                })
                .collect(),
        })
        .collect();
    Heatmap { rows, hours: (0..24).map(|h| format!("{h:02}")).collect() }
}

/// "Tue 09:30" in `tz`.
pub fn when(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%a %H:%M").to_string()
}

/// "Tue 09:30–10:00" in `tz`.
pub fn half_hour(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{}–{}", local.format("%a %d %b %H:%M"), (local + Duration::minutes(30)).format("%H:%M"))
}
