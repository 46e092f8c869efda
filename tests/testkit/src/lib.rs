//! Test and benchmark support: a real S3-protocol server on a loopback port, backed by a
//! folder (the `s3s-fs` crate), moto's server, and generators of lakes (Parquet, CSV, JSON files in
//! partition folders).

pub mod faults;
pub mod lake;
pub mod moto;
pub mod s3;
