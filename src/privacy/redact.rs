//! Redaction at intake: payment card numbers (13 to 19 digits, in any common spacing, passing
//! the Luhn check), IBANs (passing their checksum) and staff-configured patterns are replaced by
//! a marker that keeps the last four characters (`[card •••• 4242]`) before anything is
//! stored or sent on. Numbers that fail their check (order numbers, phone numbers) stay as
//! typed: a false positive hides what the agent needs.

use std::sync::LazyLock;

use regex::Regex;

use super::patterns::StaffPattern;

/// Runs of digits with single spaces or dashes between them: where card numbers hide.
static DIGIT_RUNS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d(?:[ \-]?\d)*").expect("a valid pattern"));
/// Two letters, two check digits and up to 30 letters or digits, with optional single spaces.
static IBAN_CANDIDATES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}").expect("a valid pattern"));

/// Redacted text and how many things were hidden in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub count: usize,
}

/// What to look for: the built-in checks and the staff's patterns.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    patterns: Vec<StaffPattern>,
}

impl Redactor {
    pub fn new(patterns: Vec<StaffPattern>) -> Redactor {
        Redactor { patterns }
    }

    /// `text` with every card number, IBAN and staff pattern replaced by its marker.
    pub fn redact(&self, text: &str) -> Redacted {
        let mut count = 0;
        // IBANs first: the digits of a spaced IBAN could otherwise be read as a card.
        let mut text = replace_ibans(text, &mut count);
        text = replace_cards(&text, &mut count);
        for pattern in &self.patterns {
            text = pattern.replace(&text, &mut count);
        }
        Redacted { text, count }
    }
}

/// `[kind •••• last4]`, the last four letters or digits of what was hidden.
pub fn marker(kind: &str, hidden: &str) -> String {
    let kept: Vec<char> = hidden.chars().filter(char::is_ascii_alphanumeric).collect();
    let last: String = kept[kept.len().saturating_sub(4)..].iter().collect();
    format!("[{kind} •••• {last}]")
}

/// Card numbers within each run of digits. A run may hold more than a card (a card written
/// right after a phone number, say), so every stretch of whole groups with 13 to 19 digits is
/// tried, longest first, leftmost first.
fn replace_cards(text: &str, count: &mut usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for run in DIGIT_RUNS.find_iter(text) {
        // A run glued to letters (an IBAN's digits, a reference like AB1234…) is not a card.
        let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
        if glued(text[..run.start()].chars().next_back()) || glued(text[run.end()..].chars().next()) {
            continue;
        }
        out.push_str(&text[last..run.start()]);
        out.push_str(&cards_in_run(run.as_str(), count));
        last = run.end();
    }
    out.push_str(&text[last..]);
    out
}

/// Group boundaries of a run: (byte offset where a group starts, where it ends).
fn groups(run: &str) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut start = None;
    for (i, c) in run.char_indices() {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                groups.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        groups.push((s, run.len()));
    }
    groups
}

fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn is_card(digits: &str) -> bool {
    (13..=19).contains(&digits.len()) && luhn::valid(digits)
}

fn cards_in_run(run: &str, count: &mut usize) -> String {
    let groups = groups(run);
    // A run without separators is one group: its digits are tried whole, and, when longer than
    // a card, not split (a 20-digit reference is not a card with a digit in front).
    let mut out = String::new();
    let mut done = 0; // index of the first group not yet written
    let mut g = 0;
    while g < groups.len() {
        let found = (g..groups.len()).rev().find(|&end| is_card(&digits_of(&run[groups[g].0..groups[end].1])));
        match found {
            Some(end) => {
                out.push_str(&run[groups[done].0.min(groups[g].0)..groups[g].0]);
                let hidden = &run[groups[g].0..groups[end].1];
                out.push_str(&marker("card", hidden));
                *count += 1;
                done = end + 1;
                g = end + 1;
                if done < groups.len() {
                    // Keep the separator after the card as typed.
                    out.push_str(&run[groups[end].1..groups[done].0]);
                }
            }
            None => {
                g += 1;
            }
        }
    }
    if done == 0 {
        return run.to_string();
    }
    if done < groups.len() {
        out.push_str(&run[groups[done].0..]);
    }
    out
}

fn replace_ibans(text: &str, count: &mut usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for candidate in IBAN_CANDIDATES.find_iter(text) {
        // The pattern may run into the next word: the longest prefix that is a valid IBAN wins.
        let found = candidate
            .as_str()
            .char_indices()
            .filter(|(_, c)| c.is_ascii_alphanumeric())
            .map(|(i, c)| i + c.len_utf8())
            .rev()
            .find(|&end| is_iban(&candidate.as_str()[..end]));
        let Some(end) = found else { continue };
        out.push_str(&text[last..candidate.start()]);
        out.push_str(&marker("iban", &candidate.as_str()[..end]));
        *count += 1;
        last = candidate.start() + end;
    }
    out.push_str(&text[last..]);
    out
}

fn is_iban(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| *c != ' ').collect::<String>().to_ascii_uppercase();
    compact.len() >= 15 && compact.parse::<iban::Iban>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn redact(text: &str) -> Redacted {
        Redactor::default().redact(text)
    }

    #[test]
    fn a_card_in_common_spacings_is_hidden_but_its_last_four_kept() {
        for typed in ["4242424242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", "4242 4242-4242 4242"] {
            let out = redact(&format!("my card is {typed}, thanks"));
            assert_eq!(out.text, "my card is [card •••• 4242], thanks", "{typed}");
            assert_eq!(out.count, 1);
        }
        let amex = redact("amex 3782 822463 10005");
        assert_eq!(amex.text, "amex [card •••• 0005]");
    }

    #[test]
    fn numbers_that_fail_the_check_stay_as_typed() {
        for text in ["order 4242 4242 4242 4241", "call +46 70 123 45 67", "ref 12345678901234567890123", "1234"] {
            assert_eq!(redact(text), Redacted { text: text.into(), count: 0 });
        }
    }

    #[test]
    fn a_card_right_after_other_digits_is_still_found() {
        let out = redact("ticket 77 4111 1111 1111 1111 ok");
        assert_eq!(out.text, "ticket 77 [card •••• 1111] ok");
    }

    #[test]
    fn ibans_with_or_without_spaces_are_hidden() {
        for typed in ["DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "gb82 west 1234 5698 7654 32"] {
            let out = redact(&format!("pay to {typed} please"));
            assert!(
                out.text.starts_with("pay to [iban •••• ") && out.text.ends_with("] please"),
                "{typed}: {}",
                out.text
            );
            assert_eq!(out.count, 1);
        }
        let wrong = "DE89 3704 0044 0532 0130 01";
        assert_eq!(redact(wrong).text, wrong);
    }

    /// Digits of a Luhn-valid number of `len` digits, from `body`.
    fn luhn_number(body: &[u8], len: usize) -> String {
        let mut digits: Vec<u8> = body.iter().take(len - 1).map(|d| d % 10).collect();
        while digits.len() < len - 1 {
            digits.push(0);
        }
        for check in 0..10 {
            let candidate: String =
                digits.iter().chain(std::iter::once(&check)).map(|d| char::from(b'0' + d)).collect();
            if luhn::valid(&candidate) {
                return candidate;
            }
        }
        unreachable!("one check digit makes any number Luhn-valid")
    }

    fn spaced(digits: &str, group: usize, separator: &str) -> String {
        digits.as_bytes().chunks(group).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(separator)
    }

    proptest! {
        #[test]
        fn any_luhn_valid_number_in_any_common_spacing_is_redacted_and_the_text_around_it_kept(
            body in proptest::collection::vec(0u8..10, 18),
            len in 13usize..=19,
            group in 3usize..=6,
            separator in prop_oneof![Just(""), Just(" "), Just("-")],
            before in "[a-zA-Z .,:!?]{0,20}",
            after in "[a-zA-Z .,:!?]{0,20}",
        ) {
            let number = luhn_number(&body, len);
            let typed = spaced(&number, group, separator);
            // Text around the number ends in a non-letter so the number is not glued to a word.
            let text = format!("{before} {typed} {after}");
            let out = redact(&text);
            prop_assert!(!digits_of(&out.text).contains(&number), "{} -> {}", text, out.text);
            prop_assert_eq!(out.text, format!("{before} [card •••• {}] {after}", &number[len - 4..]));
        }

        /// Up to 16 digits in groups of four (or none): no shorter stretch of whole groups has the
        /// 13 digits of a card, so only the whole number is checked. (A longer run may hold a
        /// card within it, and that is hidden on purpose.)
        #[test]
        fn numbers_failing_the_check_are_left_alone(
            body in proptest::collection::vec(0u8..10, 18),
            len in 13usize..=16,
            separator in prop_oneof![Just(""), Just(" ")],
        ) {
            let valid = luhn_number(&body, len);
            let last = valid.as_bytes()[len - 1] - b'0';
            let invalid = format!("{}{}", &valid[..len - 1], (last + 1) % 10);
            let text = format!("order {} shipped", spaced(&invalid, 4, separator));
            prop_assert_eq!(redact(&text).count, 0);
            prop_assert_eq!(redact(&text).text, text);
        }
    }
}
