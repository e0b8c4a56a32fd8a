//! Helpers for HTML forms: reading posted fields and showing field errors next to inputs.

use std::collections::HashMap;

use crate::error::{AppError, FieldError};

/// The fields of a posted form (`application/x-www-form-urlencoded`), last value wins.
#[derive(Debug, Default, Clone)]
pub struct Fields(pub HashMap<String, String>);

impl Fields {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Fields {
        Fields(pairs.into_iter().collect())
    }

    /// The trimmed value of a field, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(|v| v.trim()).unwrap_or("")
    }

    pub fn is_checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }
}

/// Field errors keyed by field path, for templates.
#[derive(Debug, Default, Clone)]
pub struct FormErrors {
    by_field: HashMap<String, String>,
    /// Errors not tied to one field (a taken email, say).
    pub general: Option<String>,
}

impl FormErrors {
    /// Sorts an error from the domain into field messages or a general message.
    pub fn from_error(error: &AppError) -> Option<FormErrors> {
        let fields: &[FieldError] = match error {
            AppError::Validation(fields) | AppError::BadRequest { errors: fields, .. } if !fields.is_empty() => fields,
            AppError::Conflict(_) | AppError::TooManyRequests { .. } => {
                return Some(FormErrors { general: Some(message_of(error)), ..FormErrors::default() });
            }
            _ => return None,
        };
        let mut errors = FormErrors::default();
        for field in fields {
            errors.by_field.entry(field.field.clone()).or_insert_with(|| field.message.clone());
        }
        Some(errors)
    }

    pub fn add(&mut self, field: &str, message: &str) {
        self.by_field.entry(field.to_string()).or_insert_with(|| message.to_string());
    }

    /// The message for one field (`email`, `languages[0].code`).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.by_field.get(field).map(String::as_str)
    }

    /// The first message for a field or anything beneath it (`skills` covers `skills[2].skill`).
    pub fn under(&self, prefix: &str) -> Option<&str> {
        let mut keys: Vec<&String> = self.by_field.keys().filter(|k| k.starts_with(prefix)).collect();
        keys.sort();
        keys.first().map(|k| self.by_field[*k].as_str())
    }

    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.by_field.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// These errors as a 422, so a form and the API refuse alike.
    pub fn into_error(self) -> AppError {
        let mut fields: Vec<FieldError> = self.by_field.into_iter().map(|(f, m)| FieldError::new(f, m)).collect();
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        AppError::Validation(fields)
    }

    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_none()
    }

    pub fn count(&self) -> usize {
        self.by_field.len()
    }
}

fn message_of(error: &AppError) -> String {
    match error {
        AppError::Conflict(message) => message.clone(),
        AppError::TooManyRequests { retry_after_s } => {
            format!("Too many attempts; try again in {retry_after_s} seconds.")
        }
        _ => String::new(),
    }
}
