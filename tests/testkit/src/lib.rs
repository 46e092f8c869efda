//! Test and benchmark support: a real S3-protocol server on a loopback port, backed by a
//! folder (the `s3s-fs` crate), and generators of lakes (Parquet, CSV, JSON files in
//! partition folders).

pub mod faults;
pub mod lake;
pub mod s3;
