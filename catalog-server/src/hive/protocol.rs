//! Apache Thrift's binary protocol (TBinaryProtocol, strict form), as far as a Hive Metastore
//! server needs it: message headers, structs read field by field with unknown fields skipped,
//! lists, sets and maps, and `TApplicationException`.
//!
//! The specification is Apache Thrift's `doc/specs/thrift-binary-protocol.md`: every integer
//! is big-endian, strings and binaries are an `i32` length and the bytes, a struct is a
//! sequence of (type byte, `i16` field id, value) ended by a zero byte, a list or set is an
//! element type byte and an `i32` count, a map two type bytes and a count.
//!
//! The [`Reader`] reads from a byte slice that may hold only the start of a message (an
//! unframed client's bytes arrive in pieces); running out of bytes is
//! [`ProtocolError::Incomplete`], so the caller reads more and starts again.

use std::collections::BTreeMap;

/// Thrift's type ids on the wire.
pub(crate) mod ttype {
    /// End of a struct's fields.
    pub(crate) const STOP: u8 = 0;
    /// `bool`, one byte.
    pub(crate) const BOOL: u8 = 2;
    /// `byte` (`i8`).
    pub(crate) const BYTE: u8 = 3;
    /// `double`, eight bytes.
    pub(crate) const DOUBLE: u8 = 4;
    /// `i16`.
    pub(crate) const I16: u8 = 6;
    /// `i32` (and enums).
    pub(crate) const I32: u8 = 8;
    /// `i64`.
    pub(crate) const I64: u8 = 10;
    /// `string` and `binary`.
    pub(crate) const STRING: u8 = 11;
    /// A struct (also exceptions and unions).
    pub(crate) const STRUCT: u8 = 12;
    /// `map<K, V>`.
    pub(crate) const MAP: u8 = 13;
    /// `set<T>`.
    pub(crate) const SET: u8 = 14;
    /// `list<T>`.
    pub(crate) const LIST: u8 = 15;
}

/// Message types of a message header.
pub(crate) mod message_type {
    /// A call that expects a reply.
    pub(crate) const CALL: u8 = 1;
    /// A reply: the method's result struct.
    pub(crate) const REPLY: u8 = 2;
    /// A `TApplicationException` instead of a reply.
    pub(crate) const EXCEPTION: u8 = 3;
    /// A call that expects no reply (fb303's `shutdown`).
    pub(crate) const ONEWAY: u8 = 4;
}

/// `TApplicationException` kinds (Apache Thrift `TApplicationException.java`).
pub(crate) mod application_error {
    /// The server does not know the method.
    pub(crate) const UNKNOWN_METHOD: i32 = 1;
    /// The message is not a call.
    pub(crate) const INVALID_MESSAGE_TYPE: i32 = 2;
    /// The server failed in a way the method declares no exception for.
    pub(crate) const INTERNAL_ERROR: i32 = 6;
    /// The arguments could not be read.
    pub(crate) const PROTOCOL_ERROR: i32 = 7;
}

/// The version bits of a strict binary message header (`0x8001` then the message type).
const VERSION_1: u32 = 0x8001_0000;
const VERSION_MASK: u32 = 0xffff_0000;

/// Largest message accepted, in bytes: the REST API's largest body. Hive's own server
/// defaults to 100 MiB (`hive.thrift.client.max.message.size`); a catalog call is far
/// smaller (100 partitions take about 100 KB), and this bounds what one client can make the
/// server hold.
pub(crate) const MAX_MESSAGE_BYTES: usize = crate::body_budget::MAX_BODY_BYTES;

/// How deeply structs, lists and maps may nest. Hive's deepest struct (column statistics
/// inside a table inside a request) nests about 8 levels; the bound keeps a hostile message
/// from exhausting the stack while it is skipped.
const MAX_DEPTH: usize = 64;

/// Why bytes could not be read as a message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ProtocolError {
    /// The bytes end before the message does; more may complete it.
    #[error("the message is incomplete")]
    Incomplete,
    /// The bytes are not a valid message.
    #[error("{0}")]
    Invalid(String),
}

/// A message header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageHeader {
    /// The method's name.
    pub(crate) name: String,
    /// One of [`message_type`].
    pub(crate) kind: u8,
    /// The client's sequence id, echoed in the reply.
    pub(crate) seqid: i32,
}

/// Reads binary-protocol values from a byte slice.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            position: 0,
            depth: 0,
        }
    }

    /// How many bytes were read.
    pub(crate) fn position(&self) -> usize {
        self.position
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ProtocolError> {
        let end = self
            .position
            .checked_add(n)
            .ok_or_else(|| ProtocolError::Invalid("length overflows".into()))?;
        let taken = self
            .bytes
            .get(self.position..end)
            .ok_or(ProtocolError::Incomplete)?;
        self.position = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ProtocolError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Reads a `byte`.
    pub(crate) fn read_byte(&mut self) -> Result<i8, ProtocolError> {
        Ok(i8::from_be_bytes(self.array()?))
    }

    /// Reads a `bool`.
    pub(crate) fn read_bool(&mut self) -> Result<bool, ProtocolError> {
        Ok(self.read_byte()? != 0)
    }

    /// Reads an `i16`.
    pub(crate) fn read_i16(&mut self) -> Result<i16, ProtocolError> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    /// Reads an `i32`.
    pub(crate) fn read_i32(&mut self) -> Result<i32, ProtocolError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    /// Reads an `i64`.
    pub(crate) fn read_i64(&mut self) -> Result<i64, ProtocolError> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// Reads a `double`.
    pub(crate) fn read_double(&mut self) -> Result<f64, ProtocolError> {
        Ok(f64::from_bits(u64::from_be_bytes(self.array()?)))
    }

    /// A length or count: negative or beyond [`MAX_MESSAGE_BYTES`] cannot be in a message
    /// this server accepts, so it is refused before anything is allocated for it.
    fn read_size(&mut self, what: &str) -> Result<usize, ProtocolError> {
        let size = self.read_i32()?;
        match usize::try_from(size) {
            Ok(size) if size <= MAX_MESSAGE_BYTES => Ok(size),
            _ => Err(ProtocolError::Invalid(format!(
                "invalid {what} size {size}"
            ))),
        }
    }

    /// Reads a `binary`.
    pub(crate) fn read_binary(&mut self) -> Result<&'a [u8], ProtocolError> {
        let length = self.read_size("string")?;
        self.take(length)
    }

    /// Reads a `string` (UTF-8).
    pub(crate) fn read_string(&mut self) -> Result<String, ProtocolError> {
        let bytes = self.read_binary()?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ProtocolError::Invalid("a string is not UTF-8".into()))
    }

    /// Reads a strict message header. Old clients' non-strict headers (no version) are
    /// refused: every Hive, Spark and PyIceberg client writes strict ones.
    pub(crate) fn read_message_header(&mut self) -> Result<MessageHeader, ProtocolError> {
        let first = self.read_i32()? as u32;
        if first & VERSION_MASK != VERSION_1 {
            return Err(ProtocolError::Invalid(format!(
                "not a strict binary protocol message (header {first:#010x})"
            )));
        }
        let kind = (first & 0xff) as u8;
        let name = self.read_string()?;
        let seqid = self.read_i32()?;
        Ok(MessageHeader { name, kind, seqid })
    }

    /// Reads a field header: `None` at the end of the struct, else (type, field id).
    pub(crate) fn read_field(&mut self) -> Result<Option<(u8, i16)>, ProtocolError> {
        let kind = self.read_byte()? as u8;
        if kind == ttype::STOP {
            return Ok(None);
        }
        Ok(Some((kind, self.read_i16()?)))
    }

    /// Reads a list or set header: (element type, count).
    pub(crate) fn read_list_header(&mut self) -> Result<(u8, usize), ProtocolError> {
        let kind = self.read_byte()? as u8;
        Ok((kind, self.read_size("list")?))
    }

    /// Reads a map header: (key type, value type, count).
    pub(crate) fn read_map_header(&mut self) -> Result<(u8, u8, usize), ProtocolError> {
        let key = self.read_byte()? as u8;
        let value = self.read_byte()? as u8;
        Ok((key, value, self.read_size("map")?))
    }

    fn enter(&mut self) -> Result<(), ProtocolError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ProtocolError::Invalid(format!(
                "values nest more than {MAX_DEPTH} deep"
            )));
        }
        Ok(())
    }

    /// Reads past a value of type `kind`, whatever it holds.
    pub(crate) fn skip(&mut self, kind: u8) -> Result<(), ProtocolError> {
        match kind {
            ttype::BOOL | ttype::BYTE => self.take(1).map(drop),
            ttype::I16 => self.take(2).map(drop),
            ttype::I32 => self.take(4).map(drop),
            ttype::DOUBLE | ttype::I64 => self.take(8).map(drop),
            ttype::STRING => self.read_binary().map(drop),
            ttype::STRUCT => {
                self.enter()?;
                while let Some((kind, _)) = self.read_field()? {
                    self.skip(kind)?;
                }
                self.depth -= 1;
                Ok(())
            }
            ttype::LIST | ttype::SET => {
                self.enter()?;
                let (kind, count) = self.read_list_header()?;
                for _ in 0..count {
                    self.skip(kind)?;
                }
                self.depth -= 1;
                Ok(())
            }
            ttype::MAP => {
                self.enter()?;
                let (key, value, count) = self.read_map_header()?;
                for _ in 0..count {
                    self.skip(key)?;
                    self.skip(value)?;
                }
                self.depth -= 1;
                Ok(())
            }
            other => Err(ProtocolError::Invalid(format!("unknown type id {other}"))),
        }
    }

    /// Reads a `list<string>` (or `set<string>`) whose header said `kind`; a list of another
    /// element type is an error.
    pub(crate) fn read_string_list(&mut self) -> Result<Vec<String>, ProtocolError> {
        let (kind, count) = self.read_list_header()?;
        expect_type("list element", ttype::STRING, kind)?;
        // Each string takes at least its 4-byte length, which bounds a lying count.
        let mut out = Vec::with_capacity(count.min(self.bytes.len() / 4));
        for _ in 0..count {
            out.push(self.read_string()?);
        }
        Ok(out)
    }

    /// Reads a `map<string, string>`.
    pub(crate) fn read_string_map(&mut self) -> Result<BTreeMap<String, String>, ProtocolError> {
        let (key, value, count) = self.read_map_header()?;
        if count > 0 {
            expect_type("map key", ttype::STRING, key)?;
            expect_type("map value", ttype::STRING, value)?;
        }
        let mut out = BTreeMap::new();
        for _ in 0..count {
            let k = self.read_string()?;
            out.insert(k, self.read_string()?);
        }
        Ok(out)
    }

    /// Reads a `list<struct>`, each element with `read` (which reads up to and including the
    /// element's stop byte).
    pub(crate) fn read_struct_list<T>(
        &mut self,
        mut read: impl FnMut(&mut Reader<'a>) -> Result<T, ProtocolError>,
    ) -> Result<Vec<T>, ProtocolError> {
        let (kind, count) = self.read_list_header()?;
        if count > 0 {
            expect_type("list element", ttype::STRUCT, kind)?;
        }
        // Each struct takes at least its stop byte, which bounds a lying count.
        let mut out = Vec::with_capacity(count.min(self.bytes.len()));
        for _ in 0..count {
            self.enter()?;
            out.push(read(self)?);
            self.depth -= 1;
        }
        Ok(out)
    }
}

/// A container being skimmed: a struct's fields, or a list's, set's or map's values (a map
/// alternates key and value types).
#[derive(Debug, Clone, Copy)]
enum Frame {
    Struct,
    Values {
        kinds: [u8; 2],
        next: usize,
        len: usize,
    },
}

/// Finds where a message ends in bytes that arrive in pieces, without holding them as
/// values, resuming where the previous call stopped: an unframed client gives no length, so
/// the message's end is where its argument struct ends. Each byte is looked at once however
/// many pieces the message arrives in.
#[derive(Debug, Default)]
pub(crate) struct MessageSkimmer {
    position: usize,
    stack: Vec<Frame>,
    started: bool,
}

impl MessageSkimmer {
    /// A skimmer at the start of a message.
    pub(crate) fn new() -> MessageSkimmer {
        MessageSkimmer::default()
    }

    /// Reads on through `bytes` (the same bytes as before, and maybe more): the message's
    /// length once it is complete, `None` while it is not.
    pub(crate) fn advance(&mut self, bytes: &[u8]) -> Result<Option<usize>, ProtocolError> {
        match self.skim(bytes) {
            Err(ProtocolError::Incomplete) => Ok(None),
            other => other.map(Some),
        }
    }

    fn skim(&mut self, bytes: &[u8]) -> Result<usize, ProtocolError> {
        if !self.started {
            let mut reader = Reader::new(bytes);
            reader.read_message_header()?;
            self.position = reader.position();
            self.stack.push(Frame::Struct);
            self.started = true;
        }
        loop {
            let Some(top) = self.stack.last().copied() else {
                return Ok(self.position);
            };
            // Each step reads one field or value from the last committed position and
            // commits only when it was whole, so running out of bytes loses nothing.
            let mut reader = Reader::new(bytes);
            reader.position = self.position;
            let kind = match top {
                Frame::Struct => match reader.read_field()? {
                    None => {
                        self.position = reader.position;
                        self.stack.pop();
                        continue;
                    }
                    Some((kind, _)) => kind,
                },
                Frame::Values { next, len, .. } if next == len => {
                    self.stack.pop();
                    continue;
                }
                Frame::Values { kinds, next, .. } => kinds[next % 2],
            };
            let pushed = match kind {
                ttype::STRUCT => Some(Frame::Struct),
                ttype::LIST | ttype::SET => {
                    let (element, count) = reader.read_list_header()?;
                    Some(Frame::Values {
                        kinds: [element, element],
                        next: 0,
                        len: count,
                    })
                }
                ttype::MAP => {
                    let (key, value, count) = reader.read_map_header()?;
                    Some(Frame::Values {
                        kinds: [key, value],
                        next: 0,
                        len: count * 2,
                    })
                }
                other => {
                    reader.skip(other)?;
                    None
                }
            };
            self.position = reader.position;
            if let Some(Frame::Values { next, .. }) = self.stack.last_mut() {
                *next += 1;
            }
            if let Some(frame) = pushed {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(ProtocolError::Invalid(format!(
                        "values nest more than {MAX_DEPTH} deep"
                    )));
                }
                self.stack.push(frame);
            }
        }
    }
}

/// Checks that a value on the wire has the type the IDL gives it.
pub(crate) fn expect_type(what: &str, expected: u8, found: u8) -> Result<(), ProtocolError> {
    if expected == found {
        Ok(())
    } else {
        Err(ProtocolError::Invalid(format!(
            "{what} has type id {found}, expected {expected}"
        )))
    }
}

/// Writes binary-protocol values into a buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub(crate) fn new() -> Writer {
        Writer::default()
    }

    /// The bytes written.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Appends bytes another writer wrote.
    pub(crate) fn append(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// Writes a `byte`.
    pub(crate) fn byte(&mut self, value: i8) {
        self.bytes.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes a `bool`.
    pub(crate) fn bool(&mut self, value: bool) {
        self.byte(i8::from(value));
    }

    /// Writes an `i16`.
    pub(crate) fn i16(&mut self, value: i16) {
        self.bytes.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes an `i32`.
    pub(crate) fn i32(&mut self, value: i32) {
        self.bytes.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes an `i64`.
    pub(crate) fn i64(&mut self, value: i64) {
        self.bytes.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes a `double`.
    pub(crate) fn double(&mut self, value: f64) {
        self.bytes.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes a `binary`.
    pub(crate) fn binary(&mut self, value: &[u8]) {
        self.i32(i32::try_from(value.len()).unwrap_or(i32::MAX));
        self.bytes.extend_from_slice(value);
    }

    /// Writes a `string`. Lengths beyond `i32` cannot occur: values come from the catalog,
    /// whose limits are far below.
    pub(crate) fn string(&mut self, value: &str) {
        self.i32(i32::try_from(value.len()).unwrap_or(i32::MAX));
        self.bytes.extend_from_slice(value.as_bytes());
    }

    /// Writes a strict message header.
    pub(crate) fn message_header(&mut self, name: &str, kind: u8, seqid: i32) {
        self.i32((VERSION_1 | u32::from(kind)) as i32);
        self.string(name);
        self.i32(seqid);
    }

    /// Writes a field header.
    pub(crate) fn field(&mut self, kind: u8, id: i16) {
        self.bytes.push(kind);
        self.i16(id);
    }

    /// Ends a struct.
    pub(crate) fn stop(&mut self) {
        self.bytes.push(ttype::STOP);
    }

    /// Writes a list header.
    pub(crate) fn list_header(&mut self, kind: u8, count: usize) {
        self.bytes.push(kind);
        self.i32(i32::try_from(count).unwrap_or(i32::MAX));
    }

    /// Writes a map header.
    pub(crate) fn map_header(&mut self, key: u8, value: u8, count: usize) {
        self.bytes.push(key);
        self.bytes.push(value);
        self.i32(i32::try_from(count).unwrap_or(i32::MAX));
    }

    /// Writes a string field.
    pub(crate) fn string_field(&mut self, id: i16, value: &str) {
        self.field(ttype::STRING, id);
        self.string(value);
    }

    /// Writes a string field when there is a value; Thrift leaves absent optional fields out.
    pub(crate) fn optional_string_field(&mut self, id: i16, value: Option<&str>) {
        if let Some(value) = value {
            self.string_field(id, value);
        }
    }

    /// Writes an `i32` field.
    pub(crate) fn i32_field(&mut self, id: i16, value: i32) {
        self.field(ttype::I32, id);
        self.i32(value);
    }

    /// Writes an `i64` field.
    pub(crate) fn i64_field(&mut self, id: i16, value: i64) {
        self.field(ttype::I64, id);
        self.i64(value);
    }

    /// Writes a `bool` field.
    pub(crate) fn bool_field(&mut self, id: i16, value: bool) {
        self.field(ttype::BOOL, id);
        self.bool(value);
    }

    /// Writes a `list<string>` field.
    pub(crate) fn string_list_field(&mut self, id: i16, values: &[String]) {
        self.field(ttype::LIST, id);
        self.list_header(ttype::STRING, values.len());
        for value in values {
            self.string(value);
        }
    }

    /// Writes a `map<string, string>` field.
    pub(crate) fn string_map_field(&mut self, id: i16, map: &BTreeMap<String, String>) {
        self.field(ttype::MAP, id);
        self.map_header(ttype::STRING, ttype::STRING, map.len());
        for (key, value) in map {
            self.string(key);
            self.string(value);
        }
    }

    /// Writes a struct field whose body `write` writes (without the final stop, which this
    /// adds).
    pub(crate) fn struct_field(&mut self, id: i16, write: impl FnOnce(&mut Writer)) {
        self.field(ttype::STRUCT, id);
        write(self);
        self.stop();
    }

    /// Writes a `list<struct>` field, each element's body written by `write`.
    pub(crate) fn struct_list_field<T>(
        &mut self,
        id: i16,
        items: &[T],
        mut write: impl FnMut(&mut Writer, &T),
    ) {
        self.field(ttype::LIST, id);
        self.list_header(ttype::STRUCT, items.len());
        for item in items {
            write(self, item);
            self.stop();
        }
    }
}

/// A whole `TApplicationException` message: the answer to a call the server cannot serve.
pub(crate) fn application_exception(method: &str, seqid: i32, kind: i32, message: &str) -> Vec<u8> {
    let mut writer = Writer::new();
    writer.message_header(method, message_type::EXCEPTION, seqid);
    writer.string_field(1, message);
    writer.i32_field(2, kind);
    writer.stop();
    writer.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut writer = Writer::new();
        writer.message_header("get_table", message_type::CALL, 7);
        writer.string_field(1, "sales");
        writer.i32_field(2, -5);
        writer.i64_field(3, 1 << 40);
        writer.bool_field(4, true);
        writer.string_list_field(5, &["a".into(), "ü".into()]);
        let map = BTreeMap::from([("k".to_string(), "v".to_string())]);
        writer.string_map_field(6, &map);
        writer.struct_field(7, |w| w.string_field(1, "nested"));
        writer.stop();
        let bytes = writer.into_bytes();

        let mut reader = Reader::new(&bytes);
        let header = reader.read_message_header().unwrap();
        assert_eq!(
            header,
            MessageHeader {
                name: "get_table".into(),
                kind: message_type::CALL,
                seqid: 7
            }
        );
        assert_eq!(reader.read_field().unwrap(), Some((ttype::STRING, 1)));
        assert_eq!(reader.read_string().unwrap(), "sales");
        assert_eq!(reader.read_field().unwrap(), Some((ttype::I32, 2)));
        assert_eq!(reader.read_i32().unwrap(), -5);
        assert_eq!(reader.read_field().unwrap(), Some((ttype::I64, 3)));
        assert_eq!(reader.read_i64().unwrap(), 1 << 40);
        assert_eq!(reader.read_field().unwrap(), Some((ttype::BOOL, 4)));
        assert!(reader.read_bool().unwrap());
        assert_eq!(reader.read_field().unwrap(), Some((ttype::LIST, 5)));
        assert_eq!(reader.read_string_list().unwrap(), ["a", "ü"]);
        assert_eq!(reader.read_field().unwrap(), Some((ttype::MAP, 6)));
        assert_eq!(
            reader.read_map_header().unwrap(),
            (ttype::STRING, ttype::STRING, 1)
        );
        assert_eq!(
            (reader.read_string().unwrap(), reader.read_string().unwrap()),
            ("k".into(), "v".into())
        );
        assert_eq!(reader.read_field().unwrap(), Some((ttype::STRUCT, 7)));
        reader.skip(ttype::STRUCT).unwrap();
        assert_eq!(reader.read_field().unwrap(), None);
        assert_eq!(reader.position(), bytes.len());
    }

    #[test]
    fn the_wire_format_is_apache_thrifts() {
        // Bytes as Apache Thrift's Python TBinaryProtocol writes
        // `get_database(name="db")`, sequence id 0: the fixed reference for the codec.
        let mut writer = Writer::new();
        writer.message_header("get_database", message_type::CALL, 0);
        writer.string_field(1, "db");
        writer.stop();
        let mut expected = vec![0x80, 0x01, 0x00, 0x01, 0, 0, 0, 12];
        expected.extend_from_slice(b"get_database");
        expected.extend_from_slice(&[0, 0, 0, 0, 11, 0, 1, 0, 0, 0, 2, b'd', b'b', 0]);
        assert_eq!(writer.into_bytes(), expected);
    }

    #[test]
    fn every_prefix_of_a_message_is_incomplete_not_invalid() {
        let mut writer = Writer::new();
        writer.message_header("get_partitions_by_names", message_type::CALL, 3);
        writer.string_field(1, "db");
        writer.string_list_field(3, &["k=1".into(), "k=2".into()]);
        writer.struct_field(4, |w| {
            w.string_map_field(1, &BTreeMap::from([("a".into(), "b".into())]))
        });
        writer.stop();
        let bytes = writer.into_bytes();
        for end in 0..bytes.len() {
            let mut reader = Reader::new(&bytes[..end]);
            let result = reader
                .read_message_header()
                .and_then(|_| reader.skip(ttype::STRUCT));
            assert_eq!(
                result,
                Err(ProtocolError::Incomplete),
                "prefix of {end} bytes"
            );
        }
        let mut reader = Reader::new(&bytes);
        reader.read_message_header().unwrap();
        reader.skip(ttype::STRUCT).unwrap();
        assert_eq!(reader.position(), bytes.len());
    }

    #[test]
    fn the_skimmer_finds_the_end_of_a_message_arriving_in_pieces() {
        let mut writer = Writer::new();
        writer.message_header("add_partitions", message_type::CALL, 1);
        writer.struct_list_field(1, &["a", "b"], |w, v| {
            w.string_list_field(1, &[v.to_string()]);
            w.string_map_field(7, &BTreeMap::from([("k".into(), "v".into())]));
            w.struct_field(6, |w| w.i32_field(6, 4));
        });
        writer.field(ttype::MAP, 2);
        writer.map_header(ttype::STRING, ttype::LIST, 1);
        writer.string("key");
        writer.list_header(ttype::I64, 2);
        writer.i64(1);
        writer.i64(2);
        writer.stop();
        let mut bytes = writer.into_bytes();
        let length = bytes.len();
        // The next message's first bytes follow; they are not part of this one.
        bytes.extend_from_slice(&[0x80, 0x01]);
        for piece in [1, 2, 3, 7, length] {
            let mut skimmer = MessageSkimmer::new();
            let mut end = 0;
            let found = loop {
                end = (end + piece).min(bytes.len());
                match skimmer.advance(&bytes[..end]).unwrap() {
                    Some(found) => break found,
                    None => assert!(end < length, "complete at {end} bytes, piece {piece}"),
                }
            };
            assert_eq!(found, length, "pieces of {piece} bytes");
        }
        let mut skimmer = MessageSkimmer::new();
        assert!(matches!(
            skimmer.advance(&[0, 0, 0, 1, b'x', 0, 0, 0, 0]),
            Err(ProtocolError::Invalid(_))
        ));
    }

    #[test]
    fn hostile_sizes_and_nesting_are_refused() {
        type Read = fn(&mut Reader<'_>) -> Result<(), ProtocolError>;
        let nested: Vec<u8> = [ttype::LIST, 0, 0, 0, 1].repeat(100);
        let cases: [(&str, Vec<u8>, Read); 5] = [
            (
                "negative string length",
                vec![0xff, 0xff, 0xff, 0xff],
                |r| r.read_string().map(drop),
            ),
            ("huge string length", vec![0x7f, 0xff, 0xff, 0xff], |r| {
                r.read_string().map(drop)
            }),
            ("unknown type", vec![99], |r| r.skip(99)),
            (
                "non-strict header",
                vec![0, 0, 0, 3, b'a', b'b', b'c'],
                |r| r.read_message_header().map(drop),
            ),
            ("lists nested 100 deep", nested, |r| r.skip(ttype::LIST)),
        ];
        for (what, bytes, read) in cases {
            let result = read(&mut Reader::new(&bytes));
            assert!(
                matches!(result, Err(ProtocolError::Invalid(_))),
                "{what}: {result:?}"
            );
        }
    }

    #[test]
    fn application_exceptions_name_the_method() {
        let bytes = application_exception(
            "get_catalogs",
            9,
            application_error::UNKNOWN_METHOD,
            "Invalid method name: 'get_catalogs'",
        );
        let mut reader = Reader::new(&bytes);
        let header = reader.read_message_header().unwrap();
        assert_eq!(header.kind, message_type::EXCEPTION);
        assert_eq!(header.seqid, 9);
        assert_eq!(reader.read_field().unwrap(), Some((ttype::STRING, 1)));
        assert_eq!(
            reader.read_string().unwrap(),
            "Invalid method name: 'get_catalogs'"
        );
        assert_eq!(reader.read_field().unwrap(), Some((ttype::I32, 2)));
        assert_eq!(reader.read_i32().unwrap(), 1);
        assert_eq!(reader.read_field().unwrap(), None);
    }
}
