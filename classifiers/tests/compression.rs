//! Compressed objects are classified by their content, whatever their name, with the
//! compression recorded; broken streams are UNKNOWN with a reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use lakecat_classifiers::formats::builtins;
use lakecat_classifiers::{Classification, Compression, InMemoryObject, Outcome, Registry};

fn classify(path: &str, bytes: Vec<u8>) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(Registry::new([], builtins()).classify(&InMemoryObject::new(path, bytes)))
}

fn classified(path: &str, bytes: Vec<u8>) -> Classification {
    match classify(path, bytes) {
        Outcome::Classified(found) => *found,
        other @ Outcome::Unknown { .. } => panic!("{path}: {other:?}"),
    }
}

fn csv_text() -> Vec<u8> {
    let mut text = String::from("id,name,amount\n");
    for i in 0..200 {
        text.push_str(&format!("{i},name {i},{}.5\n", i * 3));
    }
    text.into_bytes()
}

fn json_text() -> Vec<u8> {
    (0..200)
        .map(|i| format!("{{\"id\": {i}, \"tags\": [\"t{i}\"], \"ok\": true}}\n"))
        .collect::<String>()
        .into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

fn lz4(data: &[u8]) -> Vec<u8> {
    let mut encoder = lz4_flex::frame::FrameEncoder::new(Vec::new());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn snappy_framed(data: &[u8]) -> Vec<u8> {
    let mut encoder = snap::write::FrameEncoder::new(Vec::new());
    encoder.write_all(data).unwrap();
    encoder.into_inner().unwrap()
}

fn snappy_raw(data: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new().compress_vec(data).unwrap()
}

/// Hadoop's block format: for each block, its length, then (chunk length, chunk) pairs.
fn snappy_hadoop(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for block in data.chunks(1000) {
        out.extend_from_slice(&(block.len() as u32).to_be_bytes());
        let compressed = snap::raw::Encoder::new().compress_vec(block).unwrap();
        out.extend_from_slice(&(compressed.len() as u32).to_be_bytes());
        out.extend_from_slice(&compressed);
    }
    out
}

fn zip_entry(name: &str, data: &[u8], deflate: bool) -> Vec<u8> {
    let body = if deflate {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    } else {
        data.to_vec()
    };
    let mut out = b"PK\x03\x04".to_vec();
    out.extend_from_slice(&20u16.to_le_bytes()); // version
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&(if deflate { 8u16 } else { 0 }).to_le_bytes());
    out.extend_from_slice(&[0; 8]); // time, date, crc
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&body);
    out
}

fn columns(found: &Classification) -> Vec<String> {
    found
        .schema
        .fields
        .iter()
        .map(|f| format!("{}:{}", f.name, f.data_type))
        .collect()
}

#[test]
fn every_codec_round_trips() {
    type Codec = (&'static str, fn(&[u8]) -> Vec<u8>, Compression);
    let codecs: [Codec; 8] = [
        ("gzip", gzip, Compression::Gzip),
        ("bzip2", bzip2, Compression::Bzip2),
        ("zstd", zstd, Compression::Zstd),
        ("lz4", lz4, Compression::Lz4),
        ("snappy-framed", snappy_framed, Compression::Snappy),
        ("snappy-hadoop", snappy_hadoop, Compression::Snappy),
        (
            "zip-deflate",
            |d| zip_entry("data.csv", d, true),
            Compression::Zip,
        ),
        (
            "zip-stored",
            |d| zip_entry("data.csv", d, false),
            Compression::Zip,
        ),
    ];
    let plain_csv = classified("plain.csv", csv_text());
    let plain_json = classified("plain.json", json_text());
    assert_eq!(plain_csv.properties.compression, Compression::None);
    for (name, compress, compression) in codecs {
        // Names that say nothing: the content decides.
        for (plain, text) in [(&plain_csv, csv_text()), (&plain_json, json_text())] {
            let found = classified(&format!("object-{name}"), compress(&text));
            assert_eq!(found.classification, plain.classification, "{name}");
            assert_eq!(columns(&found), columns(plain), "{name}");
            assert_eq!(found.properties.compression, compression, "{name}");
            assert_eq!(
                found.properties.record_count, plain.properties.record_count,
                "{name}"
            );
        }
    }
    // Raw snappy has no magic; it is recognized by name and checked by decoding.
    let found = classified("part-0.csv.snappy", snappy_raw(&csv_text()));
    assert_eq!(
        (found.properties.compression, columns(&found)),
        (Compression::Snappy, columns(&plain_csv))
    );
}

#[test]
fn broken_streams_and_archives_are_unknown_with_a_reason() {
    let reason = |outcome: Outcome| match outcome {
        Outcome::Unknown { reasons } => reasons.join("; "),
        other @ Outcome::Classified(_) => panic!("{other:?}"),
    };
    let mut broken = gzip(&csv_text());
    let len = broken.len();
    broken[10..len - 10].fill(0x55);
    assert!(reason(classify("x.gz", broken)).starts_with("corrupt gzip object"));

    let mut two = zip_entry("a.csv", &csv_text(), true);
    two.extend(zip_entry("b.csv", &csv_text(), true));
    assert!(reason(classify("x.zip", two)).contains("several files"));

    assert!(
        reason(classify("x.snappy", b"not snappy at all".to_vec()))
            .starts_with("corrupt snappy object")
    );
}

#[test]
fn large_objects_are_sampled_and_their_size_estimated() {
    let mut text = String::from("id,value\n");
    let mut rows = 0u64;
    while text.len() < 30 * 1024 * 1024 {
        // Rows of equal width, so that the first rows are representative.
        text.push_str(&format!(
            "{},{}\n",
            10_000_000 + rows,
            20_000_000 + rows * 7
        ));
        rows += 1;
    }
    let found = classified("big.csv.gz", gzip(text.as_bytes()));
    assert_eq!(columns(&found), ["id:bigint", "value:bigint"]);
    assert!(found.properties.record_count_estimated);
    let estimate = found.properties.record_count.unwrap() as f64;
    assert!(
        (estimate / rows as f64 - 1.0).abs() < 0.25,
        "{estimate} vs {rows}"
    );
}
