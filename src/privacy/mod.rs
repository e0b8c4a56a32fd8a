//! Customer data protection: redaction at intake (`redact`, with the staff's `patterns`), the
//! customer reference kept as a keyed hash (`customer_ref`), and erasure and access by that
//! reference (`erasure`), and removing what is kept past its time (`retention`).

pub mod agent_archive;
pub mod anonymise;
pub mod customer_ref;
pub mod erasure;
pub mod patterns;
pub mod redact;
pub mod retention;
