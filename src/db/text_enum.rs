//! States stored as text. [`text_enum!`] declares an enum whose values are stored in a Text
//! column as their snake_case names (the same strings API.md documents), read back on both
//! backends, and serialised to JSON as those names: an unknown value in the database is a
//! deserialisation error, never a silently wrong state.

/// Declares a text-stored state enum: `text_enum! { /// doc \n pub enum Name { Variant => "text", ... } }`.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and documented) name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                $name::parse(&text).ok_or_else(|| format!("unknown {} `{}`", stringify!($name), text).into())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::models::escalation::EscalationState;
    use crate::models::offer::OfferState;
    use crate::models::user::UserStatus;

    #[test]
    fn every_state_reads_back_from_its_stored_name_and_nothing_else_does() {
        for state in EscalationState::ALL {
            assert_eq!(EscalationState::parse(state.as_str()), Some(*state));
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        for state in OfferState::ALL {
            assert_eq!(OfferState::parse(&state.to_string()), Some(*state));
        }
        for status in UserStatus::ALL {
            assert_eq!(UserStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(UserStatus::Active.as_str(), "active");
        assert_eq!(EscalationState::parse("Queued"), None, "names are exact");
        assert_eq!(OfferState::parse(""), None);
    }
}
