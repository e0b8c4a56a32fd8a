//! Customer data protection: redaction at intake (`redact`, with the staff's `patterns`), the
//! customer reference kept as a keyed hash (`customer_ref`), and erasure and access by that
//! reference (`erasure`).

pub mod customer_ref;
pub mod erasure;
pub mod patterns;
pub mod redact;
