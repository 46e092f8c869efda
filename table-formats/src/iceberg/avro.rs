//! Writing Avro object container files (Avro specification 1.11, "Object Container Files"):
//! the header (`Obj\x01`, a metadata map with the writer's schema, a 16-byte sync marker)
//! and blocks of records, each followed by the marker. Only what Iceberg's manifests and
//! manifest lists need is here: records are encoded by their caller with [`Encoder`], in the
//! order of the schema it passes, and blocks are not compressed (`avro.codec` `null`, which
//! every reader must accept). See docs/decisions/0004-iceberg-rest-catalog.md §3.8 for why
//! this is hand-written rather than taken from a crate.

/// Records per block: readers hold one block at a time, so blocks stay small.
const RECORDS_PER_BLOCK: usize = 1000;

/// The binary encoding of Avro values, appended to a buffer.
#[derive(Debug, Default, Clone)]
pub(crate) struct Encoder {
    bytes: Vec<u8>,
}

impl Encoder {
    /// A `long` (and an `int`: both are zig-zag variable-length integers).
    pub(crate) fn long(&mut self, value: i64) {
        let mut n = ((value << 1) ^ (value >> 63)) as u64;
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.bytes.push(byte);
                return;
            }
            self.bytes.push(byte | 0x80);
        }
    }

    /// An `int`.
    pub(crate) fn int(&mut self, value: i32) {
        self.long(i64::from(value));
    }

    /// A `boolean`.
    pub(crate) fn boolean(&mut self, value: bool) {
        self.bytes.push(u8::from(value));
    }

    /// `bytes`: the length, then the bytes.
    pub(crate) fn bytes(&mut self, value: &[u8]) {
        self.long(value.len() as i64);
        self.bytes.extend_from_slice(value);
    }

    /// A `string`: its UTF-8 bytes, as `bytes`.
    pub(crate) fn string(&mut self, value: &str) {
        self.bytes(value.as_bytes());
    }

    /// The branch of a union, by its position in the union's schema.
    pub(crate) fn branch(&mut self, index: i64) {
        self.long(index);
    }

    /// A `["null", T]` union: `null`, or the value written by `write`.
    pub(crate) fn optional<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match value {
            None => self.branch(0),
            Some(value) => {
                self.branch(1);
                write(self, value);
            }
        }
    }

    /// An array (or an Iceberg map, which is an array of key-value records) of `items`, as
    /// one block followed by the empty block that ends it.
    pub(crate) fn array<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Self, &T)) {
        if !items.is_empty() {
            self.long(items.len() as i64);
            for item in items {
                write(self, item);
            }
        }
        self.long(0);
    }

    /// What was written.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }
}

/// Writes an object container file of `records` (each already encoded against `schema`),
/// with `metadata` as extra header entries (`avro.schema` and `avro.codec` are added).
/// `sync` is the file's 16-byte marker, which must not be predictable from the data alone
/// (a random one per file, as every writer makes).
pub(crate) fn container(
    schema: &str,
    metadata: &[(&str, &[u8])],
    records: &[Vec<u8>],
    sync: [u8; 16],
) -> Vec<u8> {
    let mut out = Encoder::default();
    out.bytes.extend_from_slice(b"Obj\x01");
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("avro.schema", schema.as_bytes()),
        ("avro.codec", b"null".as_slice()),
    ];
    entries.extend_from_slice(metadata);
    // The metadata is a map of bytes: one block of entries, then the empty block.
    out.array(&entries, |out, (key, value)| {
        out.string(key);
        out.bytes(value);
    });
    out.bytes.extend_from_slice(&sync);
    for block in records.chunks(RECORDS_PER_BLOCK) {
        let size: usize = block.iter().map(Vec::len).sum();
        out.long(block.len() as i64);
        out.long(size as i64);
        let start = out.len();
        for record in block {
            out.bytes.extend_from_slice(record);
        }
        debug_assert_eq!(out.len() - start, size);
        out.bytes.extend_from_slice(&sync);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (value, encoding) from the Avro specification's table of zig-zag examples.
    #[test]
    fn longs_are_zigzag_varints() {
        let cases: [(i64, &[u8]); 8] = [
            (0, &[0x00]),
            (-1, &[0x01]),
            (1, &[0x02]),
            (-2, &[0x03]),
            (2, &[0x04]),
            (-64, &[0x7f]),
            (64, &[0x80, 0x01]),
            (
                i64::MIN,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ];
        for (value, expected) in cases {
            let mut encoder = Encoder::default();
            encoder.long(value);
            assert_eq!(encoder.into_bytes(), expected, "{value}");
        }
    }

    #[test]
    fn strings_unions_and_arrays_follow_the_specification() {
        let mut encoder = Encoder::default();
        encoder.string("foo");
        encoder.optional(None::<i64>, Encoder::long);
        encoder.optional(Some(1), Encoder::long);
        encoder.array(&[1i64, 2], |e, v| e.long(*v));
        encoder.array(&[] as &[i64], |e, v| e.long(*v));
        encoder.boolean(true);
        assert_eq!(
            encoder.into_bytes(),
            [6, b'f', b'o', b'o', 0, 2, 2, 4, 2, 4, 0, 0, 1]
        );
    }

    #[test]
    fn containers_have_a_header_and_blocks_ending_in_the_marker() {
        let sync = [7u8; 16];
        let records: Vec<Vec<u8>> = (0..RECORDS_PER_BLOCK + 1).map(|_| vec![2]).collect();
        let file = container("\"long\"", &[("k", b"v")], &records, sync);
        assert!(file.starts_with(b"Obj\x01"));
        assert!(file.ends_with(&sync));
        // Two blocks: the marker after the header and after each block.
        let markers = file.windows(16).filter(|w| *w == sync).count();
        assert_eq!(markers, 3);
        let text = String::from_utf8_lossy(&file);
        assert!(text.contains("avro.schema") && text.contains("avro.codec"));
    }
}
