//! The platform's customer reference (a phone number, an email, its own customer id) is never
//! stored: only an HMAC-SHA256 of it under a random key of ours, scoped to the service account,
//! so erasure and access requests can find a customer's escalations and a copy of the
//! database alone cannot tell who they were (a plain hash of a phone number is reversible by
//! trying them all). The key is kept sealed with the data key, so rotating the data key keeps
//! every stored hash valid.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::data_key::{DataKey, Purpose};
use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::ids::ServiceAccountId;
use crate::models::{app_setting, db_time};

/// Where the sealed key is kept (`app_settings`).
pub const KEY_SETTING: &str = "customer_ref_key";

#[derive(Clone)]
pub struct CustomerRefs {
    key: Vec<u8>,
}

impl std::fmt::Debug for CustomerRefs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomerRefs(..)")
    }
}

impl CustomerRefs {
    /// The key kept in the database, created (and sealed) by the first instance to need it.
    pub async fn load_or_create(db: &Db, data_key: &DataKey) -> anyhow::Result<CustomerRefs> {
        let key = data_key.clone();
        let created = db.write(move |conn| stored_or_new(conn, &key)).await;
        let sealed = match created {
            Ok(sealed) => sealed,
            // Another instance stored its key at the same moment: use that one.
            Err(_) => db
                .read(|conn| Ok(app_setting::get(conn, KEY_SETTING)?))
                .await
                .map_err(anyhow::Error::new)?
                .ok_or_else(|| anyhow::anyhow!("the customer reference key could not be stored"))?,
        };
        let opened = data_key.open(Purpose::CustomerRefKey, &sealed)?;
        Ok(CustomerRefs { key: hex::decode(opened)? })
    }

    /// The stored form of `customer_ref` for `service`: 64 hex characters.
    pub fn hash(&self, service: ServiceAccountId, customer_ref: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(format!("{service}:{}", customer_ref.trim()).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn stored_or_new(conn: &mut DbConn, data_key: &DataKey) -> Result<String, AppError> {
    if let Some(sealed) = app_setting::get(conn, KEY_SETTING)? {
        return Ok(sealed);
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the operating system provides randomness");
    let sealed = data_key.seal(Purpose::CustomerRefKey, &hex::encode(key));
    app_setting::set(conn, KEY_SETTING, &sealed, db_time(chrono::Utc::now()))?;
    Ok(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_hashes_the_same_each_time_and_differently_per_service_account() {
        let refs = CustomerRefs { key: vec![9; 32] };
        let a = refs.hash(ServiceAccountId(1), "+46 70 123 45 67");
        assert_eq!(a, refs.hash(ServiceAccountId(1), " +46 70 123 45 67 "));
        assert_ne!(a, refs.hash(ServiceAccountId(2), "+46 70 123 45 67"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("4670"));
    }
}
