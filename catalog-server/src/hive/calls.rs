//! The metastore's methods: each reads its arguments, calls the catalog service and writes
//! its result struct, or the exception Hive's IDL declares for the failure. A method that is
//! not served answers a `TApplicationException` (UNKNOWN_METHOD) naming it, as Apache
//! Thrift's own processors do, and the connection stays open.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use lakecat_catalog::{
    Catalog, Error as CatalogError, ErrorKind, Listing, PageRequest, Partition,
    PartitionListRequest, Table, UpdateTableOptions,
};

use crate::auth::Role;
use crate::metrics::Metrics;

use super::convert;
use super::locks::{LockTarget, Locks, lock_state};
use super::pattern::NamePattern;
use super::protocol::{
    ProtocolError, Reader, Writer, application_error, application_exception, message_type, ttype,
};
use super::structs::{self, GetTableRequest, GetTablesRequest};

/// Most partitions read per catalog call while answering one Thrift call.
const PARTITION_BATCH: usize = 1000;

/// The Hive exceptions lakecat raises. Each method declares some of them under its own
/// field ids in its result struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HiveException {
    /// `NoSuchObjectException`.
    NoSuchObject,
    /// `AlreadyExistsException`.
    AlreadyExists,
    /// `InvalidObjectException`.
    InvalidObject,
    /// `MetaException`: Hive's catch-all.
    Meta,
    /// `InvalidOperationException`.
    InvalidOperation,
    /// `NoSuchLockException`.
    NoSuchLock,
    /// `ConfigValSecurityException`.
    ConfigValSecurity,
}

/// Why a call failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A Hive exception with its message.
    Hive(HiveException, String),
    /// The arguments could not be read.
    Arguments(ProtocolError),
}

impl From<ProtocolError> for Failure {
    fn from(error: ProtocolError) -> Self {
        Failure::Arguments(error)
    }
}

impl From<CatalogError> for Failure {
    fn from(error: CatalogError) -> Self {
        let kind = match error.kind() {
            ErrorKind::NotFound => HiveException::NoSuchObject,
            ErrorKind::AlreadyExists => HiveException::AlreadyExists,
            ErrorKind::InvalidInput | ErrorKind::InvalidPageToken => HiveException::InvalidObject,
            ErrorKind::ConcurrentModification
            | ErrorKind::LimitExceeded
            | ErrorKind::CrawlerRunning
            | ErrorKind::CrawlerStopping
            | ErrorKind::CrawlerNotRunning
            | ErrorKind::NoSchedule
            | ErrorKind::ScheduleRunning
            | ErrorKind::ScheduleNotRunning => HiveException::Meta,
            ErrorKind::Internal => {
                // The details are for the log; the client learns only that it failed.
                tracing::error!(error = %error, source = ?std::error::Error::source(&error), "metastore call failed");
                return Failure::Hive(HiveException::Meta, "catalog database error".into());
            }
        };
        Failure::Hive(kind, error.to_string())
    }
}

type CallResult = Result<Writer, Failure>;

/// Which partitions to list, decided once the table (and so its keys) is known: a Glue
/// expression, or `None` for all.
type Selection<'a> = &'a (dyn Fn(&Table) -> Result<Option<String>, Failure> + Sync);

/// The arguments of a call, read once: strings, integers, booleans and string lists by
/// field id, and structs as the bytes their own readers take.
#[derive(Debug, Default)]
struct Arguments<'a> {
    strings: BTreeMap<i16, String>,
    integers: BTreeMap<i16, i64>,
    string_lists: BTreeMap<i16, Vec<String>>,
    /// Structs, and lists of structs (from their list header on), as their bytes.
    structs: BTreeMap<i16, &'a [u8]>,
}

impl<'a> Arguments<'a> {
    fn read(bytes: &'a [u8], reader: &mut Reader<'a>) -> Result<Arguments<'a>, ProtocolError> {
        let mut out = Arguments::default();
        while let Some((kind, id)) = reader.read_field()? {
            match kind {
                ttype::STRING => {
                    out.strings.insert(id, reader.read_string()?);
                }
                ttype::BOOL => {
                    out.integers.insert(id, reader.read_bool()?.into());
                }
                ttype::BYTE => {
                    out.integers.insert(id, reader.read_byte()?.into());
                }
                ttype::I16 => {
                    out.integers.insert(id, reader.read_i16()?.into());
                }
                ttype::I32 => {
                    out.integers.insert(id, reader.read_i32()?.into());
                }
                ttype::I64 => {
                    out.integers.insert(id, reader.read_i64()?);
                }
                ttype::LIST | ttype::SET => {
                    let start = reader.position();
                    let mut peek = Reader::new(&bytes[start..]);
                    match peek.read_list_header()? {
                        (ttype::STRING, _) => {
                            out.string_lists.insert(id, reader.read_string_list()?);
                        }
                        (ttype::STRUCT, _) => {
                            reader.skip(kind)?;
                            out.structs.insert(id, &bytes[start..reader.position()]);
                        }
                        _ => reader.skip(kind)?,
                    }
                }
                ttype::STRUCT => {
                    let start = reader.position();
                    reader.skip(kind)?;
                    out.structs.insert(id, &bytes[start..reader.position()]);
                }
                _ => reader.skip(kind)?,
            }
        }
        Ok(out)
    }

    /// A string argument; absent is a MetaException, as the null Hive's server would
    /// trip over.
    fn string(&self, id: i16, name: &str) -> Result<&str, Failure> {
        self.strings
            .get(&id)
            .map(String::as_str)
            .ok_or_else(|| meta(format!("{name} must be given")))
    }

    /// The request struct in argument `id`, read as arguments, its fields renumbered by
    /// `ids` (request field, argument field) so that the older call's handler reads them.
    fn request(&self, id: i16, ids: &[(i16, i16)]) -> Result<Arguments<'a>, Failure> {
        let bytes = *self
            .structs
            .get(&id)
            .ok_or_else(|| meta("the request must be given"))?;
        let request = Arguments::read(bytes, &mut Reader::new(bytes))?;
        let mut out = Arguments::default();
        for (from, to) in ids {
            if let Some(v) = request.strings.get(from) {
                out.strings.insert(*to, v.clone());
            }
            if let Some(v) = request.integers.get(from) {
                out.integers.insert(*to, *v);
            }
            if let Some(v) = request.string_lists.get(from) {
                out.string_lists.insert(*to, v.clone());
            }
            if let Some(v) = request.structs.get(from) {
                out.structs.insert(*to, v);
            }
        }
        Ok(out)
    }

    fn optional_string(&self, id: i16) -> Option<&str> {
        self.strings.get(&id).map(String::as_str)
    }

    fn string_list(&self, id: i16) -> Option<&[String]> {
        self.string_lists.get(&id).map(Vec::as_slice)
    }

    fn integer(&self, id: i16) -> Option<i64> {
        self.integers.get(&id).copied()
    }

    /// A `list<struct>` argument, each element read with `read`.
    fn struct_list_with<T>(
        &self,
        id: i16,
        name: &str,
        read: impl FnMut(&mut Reader<'a>) -> Result<T, ProtocolError>,
    ) -> Result<Vec<T>, Failure> {
        let bytes = self
            .structs
            .get(&id)
            .ok_or_else(|| meta(format!("{name} must be given")))?;
        Ok(Reader::new(bytes).read_struct_list(read)?)
    }

    fn struct_with<T>(
        &self,
        id: i16,
        name: &str,
        read: impl FnOnce(&mut Reader<'a>) -> Result<T, ProtocolError>,
    ) -> Result<T, Failure> {
        let bytes = self
            .structs
            .get(&id)
            .ok_or_else(|| meta(format!("{name} must be given")))?;
        Ok(read(&mut Reader::new(bytes))?)
    }
}

fn meta(message: impl Into<String>) -> Failure {
    Failure::Hive(HiveException::Meta, message.into())
}

/// The metastore over the catalog service.
#[derive(Debug, Clone)]
pub(crate) struct Metastore {
    catalog: Catalog,
    /// What every client may do: the protocol carries no credentials.
    role: Role,
    /// Locks clients take around their commits.
    locks: Arc<Locks>,
    /// The server's metrics, where calls are counted.
    metrics: Arc<Metrics>,
}

/// A method's result struct: where each declared exception goes.
struct Declared(&'static [(i16, HiveException)]);

const META_1: Declared = Declared(&[(1, HiveException::Meta)]);
const NONE: Declared = Declared(&[]);
const NO_SUCH_1_META_2: Declared =
    Declared(&[(1, HiveException::NoSuchObject), (2, HiveException::Meta)]);
const META_1_NO_SUCH_2: Declared =
    Declared(&[(1, HiveException::Meta), (2, HiveException::NoSuchObject)]);
const CONFIG_1: Declared = Declared(&[(1, HiveException::ConfigValSecurity)]);
const CREATE_DATABASE: Declared = Declared(&[
    (1, HiveException::AlreadyExists),
    (2, HiveException::InvalidObject),
    (3, HiveException::Meta),
]);
const DROP_DATABASE: Declared = Declared(&[
    (1, HiveException::NoSuchObject),
    (2, HiveException::InvalidOperation),
    (3, HiveException::Meta),
]);
const CREATE_TABLE: Declared = Declared(&[
    (1, HiveException::AlreadyExists),
    (2, HiveException::InvalidObject),
    (3, HiveException::Meta),
    (4, HiveException::NoSuchObject),
]);
const ADD_PARTITION: Declared = Declared(&[
    (1, HiveException::InvalidObject),
    (2, HiveException::AlreadyExists),
    (3, HiveException::Meta),
]);
const NO_SUCH_LOCK_1: Declared = Declared(&[(1, HiveException::NoSuchLock)]);
const NO_SUCH_LOCK_3: Declared = Declared(&[(3, HiveException::NoSuchLock)]);
const INVALID_OPERATION_1_META_2: Declared = Declared(&[
    (1, HiveException::InvalidOperation),
    (2, HiveException::Meta),
]);

const STATISTICS_WRITE: Declared = Declared(&[
    (1, HiveException::NoSuchObject),
    (2, HiveException::InvalidObject),
    (3, HiveException::Meta),
]);
const STATISTICS_DELETE: Declared = Declared(&[
    (1, HiveException::NoSuchObject),
    (2, HiveException::Meta),
    (3, HiveException::InvalidObject),
]);

/// Every method served, for the metrics' labels (the names clients send are theirs to
/// choose; only these become label values). A unit test checks that each is served.
const SERVED: &[&str] = &[
    "add_partition",
    "add_partition_with_environment_context",
    "add_partitions",
    "add_partitions_req",
    "alter_database",
    "alter_partition",
    "alter_partition_with_environment_context",
    "alter_partitions",
    "alter_partitions_with_environment_context",
    "alter_table",
    "alter_table_req",
    "alter_table_with_cascade",
    "alter_table_with_environment_context",
    "append_partition",
    "append_partition_by_name",
    "check_lock",
    "create_database",
    "create_table",
    "create_table_with_environment_context",
    "delete_partition_column_statistics",
    "delete_table_column_statistics",
    "drop_database",
    "drop_partition",
    "drop_partition_by_name",
    "drop_partition_by_name_with_environment_context",
    "drop_partition_with_environment_context",
    "drop_table",
    "drop_table_with_environment_context",
    "getMetaConf",
    "get_all_databases",
    "get_all_functions",
    "get_all_tables",
    "get_config_value",
    "get_current_notificationEventId",
    "get_database",
    "get_database_req",
    "get_databases",
    "get_function",
    "get_functions",
    "get_partition",
    "get_partition_by_name",
    "get_partition_names",
    "get_partition_names_ps",
    "get_partition_names_ps_req",
    "get_partition_req",
    "get_partition_with_auth",
    "get_partitions",
    "get_partitions_by_filter",
    "get_partitions_by_filter_req",
    "get_partitions_by_names",
    "get_partitions_by_names_req",
    "get_partitions_ps",
    "get_partitions_ps_with_auth",
    "get_partitions_ps_with_auth_req",
    "get_partitions_req",
    "get_partitions_statistics_req",
    "get_partitions_with_auth",
    "get_table",
    "get_table_meta",
    "get_table_objects_by_name",
    "get_table_objects_by_name_req",
    "get_table_req",
    "get_table_statistics_req",
    "get_tables",
    "get_tables_by_type",
    "heartbeat",
    "lock",
    "set_aggr_stats_for",
    "set_ugi",
    "shutdown",
    "unlock",
    "update_partition_column_statistics",
    "update_partition_column_statistics_req",
    "update_table_column_statistics",
    "update_table_column_statistics_req",
];

/// The metastore settings Hive lets clients read with `getMetaConf`
/// (`MetastoreConf.metaConfVars`), with lakecat's values.
const META_CONF: &[(&str, &str)] = &[
    ("hive.metastore.try.direct.sql", "true"),
    ("hive.metastore.try.direct.sql.ddl", "true"),
    ("hive.metastore.client.socket.timeout", "600s"),
    ("hive.metastore.partition.name.whitelist.pattern", ""),
    (
        "hive.metastore.disallow.incompatible.col.type.changes",
        "true",
    ),
    ("hive.metastore.batch.retrieve.max", "300"),
    ("hive.metastore.batch.retrieve.table.partition.max", "1000"),
];

impl Metastore {
    /// A metastore over `catalog` whose clients all have `role`, counting its calls in
    /// `metrics`.
    pub(crate) fn new(catalog: Catalog, role: Role, metrics: Arc<Metrics>) -> Metastore {
        Metastore {
            catalog,
            role,
            locks: Arc::new(Locks::default()),
            metrics,
        }
    }

    /// Refuses changes unless the endpoint's role may make them. Hive has no permission
    /// exception; every write method declares MetaException.
    fn may_change(&self, method: &str) -> Result<(), Failure> {
        if self.role >= Role::Editor {
            return Ok(());
        }
        Err(meta(format!(
            "{method}: this metastore endpoint gives its clients role {}, which may not change \
             the catalog (see --metastore-role)",
            self.role.as_str()
        )))
    }

    /// Answers one whole message: the reply's bytes, or `None` for a oneway call. Counts
    /// the call in the metrics by method and outcome.
    pub(crate) async fn answer(&self, message: &[u8]) -> Option<Vec<u8>> {
        let started = Instant::now();
        let (reply, method, outcome) = self.answer_counted(message).await;
        if let Some(method) = method {
            self.metrics
                .record_thrift_call(method, outcome, started.elapsed().as_secs_f64());
        }
        reply
    }

    /// [`Metastore::answer`]'s work: the reply, the method's name for the metrics (one the
    /// server serves, or "unknown"), and the outcome.
    async fn answer_counted(
        &self,
        message: &[u8],
    ) -> (Option<Vec<u8>>, Option<&'static str>, &'static str) {
        let mut reader = Reader::new(message);
        let Ok(header) = reader.read_message_header() else {
            return (None, None, "application_error");
        };
        let served = SERVED.iter().copied().find(|m| *m == header.name);
        let reply = self.answer_message(message).await;
        let outcome = match &reply {
            Some(bytes) if bytes.get(3) == Some(&message_type::EXCEPTION) => "application_error",
            Some(bytes) if replied_exception(bytes, header.name.len()) => "exception",
            _ => "ok",
        };
        (reply, Some(served.unwrap_or("unknown")), outcome)
    }

    /// Answers one whole message: the reply's bytes, or `None` for a oneway call.
    async fn answer_message(&self, message: &[u8]) -> Option<Vec<u8>> {
        let mut reader = Reader::new(message);
        // The transport checked the header before handing the message over.
        let Ok(header) = reader.read_message_header() else {
            return None;
        };
        let oneway = header.kind == message_type::ONEWAY;
        if header.kind != message_type::CALL && !oneway {
            return Some(application_exception(
                &header.name,
                header.seqid,
                application_error::INVALID_MESSAGE_TYPE,
                &format!(
                    "{}: a server takes calls, not message type {}",
                    header.name, header.kind
                ),
            ));
        }
        let arguments = Arguments::read(message, &mut reader);
        let (declared, result) = match arguments {
            Ok(arguments) => self.call(&header.name, &arguments).await,
            Err(error) => (Some(NONE), Err(Failure::Arguments(error))),
        };
        if oneway {
            return None;
        }
        let Some(declared) = declared else {
            tracing::info!(method = %header.name, "metastore method not served");
            return Some(application_exception(
                &header.name,
                header.seqid,
                application_error::UNKNOWN_METHOD,
                &format!("Invalid method name: '{}'", header.name),
            ));
        };
        let mut reply = Writer::new();
        reply.message_header(&header.name, message_type::REPLY, header.seqid);
        match result {
            Ok(fields) => reply.append(&fields.into_bytes()),
            Err(Failure::Arguments(error)) => {
                return Some(application_exception(
                    &header.name,
                    header.seqid,
                    application_error::PROTOCOL_ERROR,
                    &format!("{}: cannot read the arguments: {error}", header.name),
                ));
            }
            Err(Failure::Hive(kind, message)) => {
                // Hive's server turns an exception a method does not declare into a
                // MetaException where it may; where it may not, the client gets an
                // application exception rather than a reply it cannot read.
                let field = declared
                    .0
                    .iter()
                    .find(|(_, k)| *k == kind)
                    .or_else(|| declared.0.iter().find(|(_, k)| *k == HiveException::Meta));
                match field {
                    Some((id, _)) => reply.struct_field(*id, |w| w.string_field(1, &message)),
                    None => {
                        return Some(application_exception(
                            &header.name,
                            header.seqid,
                            application_error::INTERNAL_ERROR,
                            &format!("{}: {message}", header.name),
                        ));
                    }
                }
            }
        }
        reply.stop();
        Some(reply.into_bytes())
    }

    /// Runs a method: its declared exceptions (`None`: not served) and its result.
    async fn call(&self, method: &str, args: &Arguments<'_>) -> (Option<Declared>, CallResult) {
        if let Some(answer) = self.request_form(method, args).await {
            return answer;
        }
        match method {
            "set_ugi" => (Some(META_1), set_ugi(args)),
            "getMetaConf" => (Some(META_1), get_meta_conf(args)),
            "get_config_value" => (Some(CONFIG_1), get_config_value(args)),
            "get_all_databases" => (Some(META_1), self.get_databases(None).await),
            "get_databases" => (
                Some(META_1),
                self.get_databases(Some(args.optional_string(1).unwrap_or("*")))
                    .await,
            ),
            "get_database" => (Some(NO_SUCH_1_META_2), self.get_database(args).await),
            "get_all_tables" => (Some(META_1), self.get_tables(args, None, None).await),
            "get_tables" => (
                Some(META_1),
                self.get_tables(args, args.optional_string(2), None).await,
            ),
            "get_tables_by_type" => (
                Some(META_1),
                self.get_tables(args, args.optional_string(2), args.optional_string(3))
                    .await,
            ),
            "get_table_meta" => (Some(META_1), self.get_table_meta(args).await),
            "get_table" => (Some(META_1_NO_SUCH_2), self.get_table(args).await),
            "get_table_req" => (Some(META_1_NO_SUCH_2), self.get_table_req(args).await),
            // Hive 2.3 declares MetaException, InvalidOperationException and
            // UnknownDBException here, Hive 4 nothing; neither is raised for a missing table,
            // which is left out of the answer.
            "get_table_objects_by_name" => (Some(NONE), self.get_table_objects(args).await),
            "get_table_objects_by_name_req" => {
                (Some(META_1), self.get_table_objects_req(args).await)
            }
            "get_partitions" | "get_partitions_with_auth" => (
                Some(NO_SUCH_1_META_2),
                self.get_partitions(args, None).await,
            ),
            "get_partitions_ps" => (
                Some(META_1_NO_SUCH_2),
                self.get_partitions_ps(args, false).await,
            ),
            // Same arguments as get_partitions_ps plus the user and groups, which lakecat
            // does not use; the result declares its exceptions the other way round.
            "get_partitions_ps_with_auth" => (
                Some(NO_SUCH_1_META_2),
                self.get_partitions_ps(args, false).await,
            ),
            "get_partition_names_ps" => (
                Some(META_1_NO_SUCH_2),
                self.get_partitions_ps(args, true).await,
            ),
            "get_partitions_by_filter" => (
                Some(META_1_NO_SUCH_2),
                self.get_partitions_by_filter(args).await,
            ),
            "get_partition_names" => (Some(NO_SUCH_1_META_2), self.get_partition_names(args).await),
            "get_partitions_by_names" => (
                Some(META_1_NO_SUCH_2),
                self.get_partitions_by_names(args).await,
            ),
            "get_partition" | "get_partition_with_auth" => (
                Some(META_1_NO_SUCH_2),
                self.get_partition(args, false).await,
            ),
            "get_partition_by_name" => {
                (Some(META_1_NO_SUCH_2), self.get_partition(args, true).await)
            }
            "create_database" => (Some(CREATE_DATABASE), self.create_database(args).await),
            "drop_database" => (Some(DROP_DATABASE), self.drop_database(args).await),
            "alter_database" => (Some(META_1_NO_SUCH_2), self.alter_database(args).await),
            "create_table" | "create_table_with_environment_context" => {
                (Some(CREATE_TABLE), self.create_table(method, args).await)
            }
            "drop_table" | "drop_table_with_environment_context" => {
                (Some(NO_SUCH_1_META_2), self.drop_table(method, args).await)
            }
            "alter_table" | "alter_table_with_environment_context" | "alter_table_with_cascade" => {
                (
                    Some(INVALID_OPERATION_1_META_2),
                    self.alter_table(method, args).await,
                )
            }
            "add_partition" | "add_partition_with_environment_context" => {
                (Some(ADD_PARTITION), self.add_partition(method, args).await)
            }
            "add_partitions" => (Some(ADD_PARTITION), self.add_partitions(args).await),
            "add_partitions_req" => (Some(ADD_PARTITION), self.add_partitions_req(args).await),
            "append_partition" | "append_partition_by_name" => (
                Some(ADD_PARTITION),
                self.append_partition(method, args).await,
            ),
            "drop_partition"
            | "drop_partition_with_environment_context"
            | "drop_partition_by_name"
            | "drop_partition_by_name_with_environment_context" => (
                Some(NO_SUCH_1_META_2),
                self.drop_partition(method, args).await,
            ),
            "alter_partition"
            | "alter_partition_with_environment_context"
            | "alter_partitions"
            | "alter_partitions_with_environment_context" => (
                Some(INVALID_OPERATION_1_META_2),
                self.alter_partitions(method, args).await,
            ),
            "get_table_statistics_req" => {
                (Some(NO_SUCH_1_META_2), self.statistics(args, false).await)
            }
            "update_table_column_statistics" | "update_partition_column_statistics" => {
                (Some(STATISTICS_WRITE), self.update_statistics(args).await)
            }
            "update_table_column_statistics_req"
            | "update_partition_column_statistics_req"
            | "set_aggr_stats_for" => (
                Some(STATISTICS_WRITE),
                self.set_statistics(method, args).await,
            ),
            "delete_table_column_statistics" => (
                Some(STATISTICS_DELETE),
                self.delete_statistics(args, false).await,
            ),
            "delete_partition_column_statistics" => (
                Some(STATISTICS_DELETE),
                self.delete_statistics(args, true).await,
            ),
            "get_partitions_statistics_req" => {
                (Some(NO_SUCH_1_META_2), self.statistics(args, true).await)
            }
            "lock" => (Some(NONE), self.lock(args)),
            "check_lock" => (Some(NO_SUCH_LOCK_3), self.check_lock(args)),
            "unlock" => (Some(NO_SUCH_LOCK_1), self.unlock(args)),
            "heartbeat" => (Some(NO_SUCH_LOCK_1), self.heartbeat(args)),
            "get_all_functions" => (Some(META_1), self.get_all_functions().await),
            "get_functions" => (Some(META_1), self.get_functions(args).await),
            "get_function" => (Some(META_1_NO_SUCH_2), self.get_function(args).await),
            "get_current_notificationEventId" => (Some(NONE), {
                // lakecat keeps no notification log; Hive's empty log answers 0.
                let mut w = Writer::new();
                w.struct_field(0, |w| w.i64_field(1, 0));
                Ok(w)
            }),
            // fb303's `shutdown`, which Hive 2.3 clients send (oneway) when they close: the
            // catalog is not the client's to stop.
            "shutdown" => (Some(NONE), Ok(Writer::new())),
            _ => (None, Ok(Writer::new())),
        }
    }

    async fn get_databases(&self, pattern: Option<&str>) -> CallResult {
        let pattern = pattern.map(compile).transpose()?;
        let mut names = Vec::new();
        let mut page = PageRequest::default();
        loop {
            let listing = self.catalog.list_databases(page).await?;
            names.extend(
                listing
                    .items
                    .into_iter()
                    .map(|d| d.name)
                    .filter(|n| pattern.as_ref().is_none_or(|p| p.matches(n))),
            );
            match listing.next_page_token {
                Some(token) => page = PageRequest::default().with_token(token),
                None => break,
            }
        }
        Ok(success_string_list(&names))
    }

    async fn get_database(&self, args: &Arguments<'_>) -> CallResult {
        let database = self.catalog.get_database(args.string(1, "name")?).await?;
        let mut w = Writer::new();
        w.struct_field(0, |w| convert::database(&database).write(w));
        Ok(w)
    }

    /// Every table of a database, in name order; none for a database that does not exist,
    /// as Hive's `get_all_tables` and `get_tables` answer.
    async fn all_tables(&self, database: &str) -> Result<Vec<Table>, Failure> {
        let mut tables = Vec::new();
        let mut page = PageRequest::default();
        loop {
            let listing = match self.catalog.list_tables(database, page).await {
                Ok(listing) => listing,
                Err(CatalogError::NotFound { .. }) => return Ok(Vec::new()),
                Err(error) => return Err(error.into()),
            };
            tables.extend(listing.items);
            match listing.next_page_token {
                Some(token) => page = PageRequest::default().with_token(token),
                None => return Ok(tables),
            }
        }
    }

    async fn get_tables(
        &self,
        args: &Arguments<'_>,
        pattern: Option<&str>,
        table_type: Option<&str>,
    ) -> CallResult {
        let database = args.string(1, "db_name")?;
        let pattern = pattern.map(compile).transpose()?;
        let names: Vec<String> = self
            .all_tables(database)
            .await?
            .iter()
            .filter(|t| pattern.as_ref().is_none_or(|p| p.matches(&t.name)))
            .filter(|t| table_type.is_none_or(|kind| convert::table_type(t) == kind))
            .map(|t| t.name.clone())
            .collect();
        Ok(success_string_list(&names))
    }

    async fn get_table_meta(&self, args: &Arguments<'_>) -> CallResult {
        let databases = compile(args.optional_string(1).unwrap_or("*"))?;
        let tables = compile(args.optional_string(2).unwrap_or("*"))?;
        let types = args.string_list(3).unwrap_or_default();
        let mut metas = Vec::new();
        let mut page = PageRequest::default();
        loop {
            let listing = self.catalog.list_databases(page).await?;
            for database in listing.items.iter().filter(|d| databases.matches(&d.name)) {
                for table in self.all_tables(&database.name).await? {
                    let meta = convert::table_meta(&table);
                    if tables.matches(&table.name)
                        && (types.is_empty() || types.contains(&meta.table_type))
                    {
                        metas.push(meta);
                    }
                }
            }
            match listing.next_page_token {
                Some(token) => page = PageRequest::default().with_token(token),
                None => break,
            }
        }
        let mut w = Writer::new();
        w.struct_list_field(0, &metas, |w, m| m.write(w));
        Ok(w)
    }

    async fn get_table(&self, args: &Arguments<'_>) -> CallResult {
        let table = self
            .table(args.string(1, "dbname")?, args.string(2, "tbl_name")?)
            .await?;
        let mut w = Writer::new();
        w.struct_field(0, |w| convert::table(&table).write(w));
        Ok(w)
    }

    async fn get_table_req(&self, args: &Arguments<'_>) -> CallResult {
        let request = args.struct_with(1, "req", GetTableRequest::read)?;
        check_catalog(request.cat_name.as_deref())?;
        let table = self.table(&request.db_name, &request.tbl_name).await?;
        let mut w = Writer::new();
        w.struct_field(0, |w| {
            w.struct_field(1, |w| convert::table(&table).write(w));
        });
        Ok(w)
    }

    /// A table, or Hive's NoSuchObjectException for it.
    async fn table(&self, database: &str, name: &str) -> Result<Table, Failure> {
        match self.catalog.get_table(database, name).await {
            Ok(table) => Ok(table),
            Err(CatalogError::NotFound { .. }) => Err(Failure::Hive(
                HiveException::NoSuchObject,
                format!("{database}.{name} table not found"),
            )),
            Err(error) => Err(error.into()),
        }
    }

    /// The tables of `database` named in `names` (all when `None`) that exist.
    async fn tables_named(
        &self,
        database: &str,
        names: Option<&[String]>,
        pattern: Option<&str>,
    ) -> Result<Vec<structs::Table>, Failure> {
        let pattern = pattern.map(compile).transpose()?;
        let mut found = Vec::new();
        match names {
            Some(names) => {
                for name in names {
                    match self.catalog.get_table(database, name).await {
                        Ok(table) => found.push(convert::table(&table)),
                        Err(CatalogError::NotFound { .. }) => {}
                        Err(error) => return Err(error.into()),
                    }
                }
            }
            None => {
                for table in self.all_tables(database).await? {
                    if pattern.as_ref().is_none_or(|p| p.matches(&table.name)) {
                        found.push(convert::table(&table));
                    }
                }
            }
        }
        Ok(found)
    }

    async fn get_table_objects(&self, args: &Arguments<'_>) -> CallResult {
        let database = args.string(1, "dbname")?;
        let names = args.string_list(2).unwrap_or_default();
        let tables = self.tables_named(database, Some(names), None).await?;
        let mut w = Writer::new();
        w.struct_list_field(0, &tables, |w, t| t.write(w));
        Ok(w)
    }

    async fn get_table_objects_req(&self, args: &Arguments<'_>) -> CallResult {
        let request = args.struct_with(1, "req", GetTablesRequest::read)?;
        check_catalog(request.cat_name.as_deref())?;
        let tables = self
            .tables_named(
                &request.db_name,
                request.tbl_names.as_deref(),
                request.tables_pattern.as_deref(),
            )
            .await?;
        let mut w = Writer::new();
        w.struct_field(0, |w| w.struct_list_field(1, &tables, |w, t| t.write(w)));
        Ok(w)
    }

    /// A table and the expression (in Glue's grammar) that `expression` makes for it.
    async fn selection(
        &self,
        database: &str,
        table: &str,
        expression: Option<Selection<'_>>,
    ) -> Result<(Table, Option<String>), Failure> {
        let table = self.table(database, table).await?;
        let expression = match expression {
            Some(make) => make(&table)?,
            None => None,
        };
        Ok((table, expression))
    }

    /// Up to `max` partitions of a table (all when `max` is negative, as Hive's `-1`), in
    /// the catalog's order, with the table; only those `expression` (in Glue's grammar)
    /// selects when there is one, evaluated by the catalog's database.
    async fn partitions(
        &self,
        database: &str,
        table: &str,
        max: i64,
        expression: Option<Selection<'_>>,
    ) -> Result<(Table, Vec<Partition>), Failure> {
        let (table, expression) = self.selection(database, table, expression).await?;
        let partitions = all_pages(max, |page| {
            let request = listing_request(&expression, page);
            self.catalog
                .list_partitions(&table.database_name, &table.name, request)
        })
        .await?;
        Ok((table, partitions))
    }

    /// The names of the partitions [`Metastore::partitions`] lists for the same arguments,
    /// from the catalog's values-only listing (no partition is read whole).
    async fn partition_names(
        &self,
        database: &str,
        table: &str,
        max: i64,
        expression: Option<Selection<'_>>,
    ) -> Result<Vec<String>, Failure> {
        let (table, expression) = self.selection(database, table, expression).await?;
        let values = all_pages(max, |page| {
            let request = listing_request(&expression, page);
            self.catalog
                .list_partition_values(&table.database_name, &table.name, request)
        })
        .await?;
        let prefixes = convert::name_prefixes(&table.partition_keys);
        Ok(values
            .iter()
            .map(|values| convert::name_with_prefixes(&prefixes, values))
            .collect())
    }

    async fn get_partitions(
        &self,
        args: &Arguments<'_>,
        expression: Option<Selection<'_>>,
    ) -> CallResult {
        let (table, partitions) = self
            .partitions(
                args.string(1, "db_name")?,
                args.string(2, "tbl_name")?,
                args.integer(3).unwrap_or(-1),
                expression,
            )
            .await?;
        Ok(success_partitions(&table, &partitions))
    }

    /// `get_partitions_by_filter`: Hive's filter dialect, requoted into Glue's grammar and
    /// evaluated by the catalog's database on the partition key columns.
    async fn get_partitions_by_filter(&self, args: &Arguments<'_>) -> CallResult {
        let filter = args
            .optional_string(3)
            .unwrap_or_default()
            .trim()
            .to_string();
        let expression = if filter.is_empty() {
            None
        } else {
            Some(convert::hive_filter_to_glue(&filter).map_err(meta)?)
        };
        let (table, partitions) = self
            .partitions(
                args.string(1, "db_name")?,
                args.string(2, "tbl_name")?,
                args.integer(4).unwrap_or(-1),
                Some(&|_: &Table| Ok(expression.clone())),
            )
            .await?;
        Ok(success_partitions(&table, &partitions))
    }

    /// `get_partitions_ps` and `get_partition_names_ps`: partitions whose leading values are
    /// the given ones, an empty value matching any.
    async fn get_partitions_ps(&self, args: &Arguments<'_>, names: bool) -> CallResult {
        let values = args.string_list(3).unwrap_or_default().to_vec();
        let spec = |table: &Table| {
            convert::partial_spec_expression(&table.partition_keys, &values).map_err(meta)
        };
        let (database, table) = (args.string(1, "db_name")?, args.string(2, "tbl_name")?);
        let max = args.integer(4).unwrap_or(-1);
        if names {
            let names = self
                .partition_names(database, table, max, Some(&spec))
                .await?;
            return Ok(success_string_list(&names));
        }
        let (table, partitions) = self.partitions(database, table, max, Some(&spec)).await?;
        Ok(success_partitions(&table, &partitions))
    }

    async fn get_partition_names(&self, args: &Arguments<'_>) -> CallResult {
        let names = self
            .partition_names(
                args.string(1, "db_name")?,
                args.string(2, "tbl_name")?,
                args.integer(3).unwrap_or(-1),
                None,
            )
            .await?;
        Ok(success_string_list(&names))
    }

    async fn get_partitions_by_names(&self, args: &Arguments<'_>) -> CallResult {
        let table = self
            .table(args.string(1, "db_name")?, args.string(2, "tbl_name")?)
            .await?;
        let names = args.string_list(3).unwrap_or_default();
        let values = names
            .iter()
            .map(|name| convert::partition_values(&table.partition_keys, name).map_err(meta))
            .collect::<Result<Vec<_>, _>>()?;
        let mut partitions = Vec::new();
        for chunk in values.chunks(PARTITION_BATCH) {
            partitions.extend(
                self.catalog
                    .get_partitions(&table.database_name, &table.name, chunk)
                    .await?,
            );
        }
        Ok(success_partitions(&table, &partitions))
    }

    async fn get_partition(&self, args: &Arguments<'_>, by_name: bool) -> CallResult {
        let table = self
            .table(args.string(1, "db_name")?, args.string(2, "tbl_name")?)
            .await?;
        // A partition name that does not name every key is Hive's NoSuchObjectException here
        // (Hive 2.3's metastore, compared), not a MetaException.
        let values = if by_name {
            convert::partition_values(&table.partition_keys, args.string(3, "part_name")?)
                .map_err(|message| Failure::Hive(HiveException::NoSuchObject, message))?
        } else {
            args.string_list(3).unwrap_or_default().to_vec()
        };
        let partition = match self
            .catalog
            .get_partition(&table.database_name, &table.name, &values)
            .await
        {
            Ok(partition) => partition,
            Err(CatalogError::NotFound { .. }) => {
                return Err(Failure::Hive(
                    HiveException::NoSuchObject,
                    format!("partition values=[{}]", values.join(", ")),
                ));
            }
            Err(CatalogError::InvalidInput(message)) => return Err(meta(message)),
            Err(error) => return Err(error.into()),
        };
        let mut w = Writer::new();
        w.struct_field(0, |w| convert::partition(&partition, &table).write(w));
        Ok(w)
    }

    async fn get_all_functions(&self) -> CallResult {
        let functions: Vec<structs::Function> = self
            .functions(None, "*")
            .await?
            .iter()
            .map(convert::function)
            .collect();
        let mut w = Writer::new();
        w.struct_field(0, |w| {
            w.struct_list_field(1, &functions, |w, f| f.write(w));
        });
        Ok(w)
    }
}

impl Metastore {
    async fn functions(
        &self,
        database: Option<&str>,
        pattern: &str,
    ) -> Result<Vec<lakecat_catalog::Function>, Failure> {
        let mut functions = Vec::new();
        let mut page = PageRequest::default();
        loop {
            let listing = self.catalog.list_functions(database, pattern, page).await?;
            functions.extend(listing.items);
            match listing.next_page_token {
                Some(token) => page = PageRequest::default().with_token(token),
                None => return Ok(functions),
            }
        }
    }

    /// `get_functions`: the names of a database's functions matching a Hive pattern (the
    /// catalog reads function patterns as Hive does).
    async fn get_functions(&self, args: &Arguments<'_>) -> CallResult {
        let database = args.string(1, "dbName")?;
        let pattern = args.optional_string(2).unwrap_or("*");
        let functions = match self.functions(Some(database), pattern).await {
            Ok(functions) => functions,
            Err(Failure::Hive(HiveException::NoSuchObject, _)) => Vec::new(),
            Err(failure) => return Err(failure),
        };
        let names: Vec<String> = functions
            .into_iter()
            .map(|f| f.input.function_name)
            .collect();
        Ok(success_string_list(&names))
    }

    async fn get_function(&self, args: &Arguments<'_>) -> CallResult {
        let function = self
            .catalog
            .get_function(args.string(1, "dbName")?, args.string(2, "funcName")?)
            .await?;
        let mut w = Writer::new();
        w.struct_field(0, |w| convert::function(&function).write(w));
        Ok(w)
    }
}

/// One page of the partitions `expression` (in Glue's grammar) selects, all without one.
fn listing_request(expression: &Option<String>, page: PageRequest) -> PartitionListRequest {
    PartitionListRequest {
        expression: expression.clone(),
        page,
        ..PartitionListRequest::default()
    }
}

/// Up to `max` items (all when `max` is negative, as Hive's `-1`) of a listing read page by
/// page with `page`. A filter the catalog cannot apply is Hive's MetaException.
async fn all_pages<T, Page>(
    max: i64,
    mut page: impl FnMut(PageRequest) -> Page,
) -> Result<Vec<T>, Failure>
where
    Page: Future<Output = Result<Listing<T>, CatalogError>>,
{
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let mut items = Vec::new();
    let mut token = None;
    while items.len() < limit {
        let listing = page(PageRequest {
            max_results: Some(PARTITION_BATCH.min(limit - items.len())),
            page_token: token,
        })
        .await
        .map_err(|error| match error {
            CatalogError::InvalidInput(message) => meta(message),
            other => other.into(),
        })?;
        items.extend(listing.items);
        match listing.next_page_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    Ok(items)
}

/// Hive 3/4's request forms of older calls.
impl Metastore {
    /// `get_database_req`, `get_partition_req`, `get_partitions_req`,
    /// `get_partitions_by_names_req`, `get_partitions_by_filter_req`,
    /// `get_partitions_ps_with_auth_req`, `get_partition_names_ps_req` and `alter_table_req`:
    /// the older call's arguments in a request struct (with a catalog name, which must be
    /// `hive`), its answer in a response struct (`get_partitions_by_filter_req` answers the
    /// bare list, as the older call). `None` for other methods.
    async fn request_form(
        &self,
        method: &str,
        args: &Arguments<'_>,
    ) -> Option<(Option<Declared>, CallResult)> {
        // (declared exceptions, request field of the catalog name (0: none), renumbering)
        const RENUMBER: &[(i16, i16)] = &[(2, 1), (3, 2), (4, 3), (5, 4)];
        let (declared, catalog_field, ids): (Declared, i16, &[(i16, i16)]) = match method {
            "get_database_req" => (NO_SUCH_1_META_2, 2, &[(1, 1)]),
            "get_partitions_by_names_req" => (META_1_NO_SUCH_2, 0, &[(1, 1), (2, 2), (3, 3)]),
            "get_partition_req"
            | "get_partitions_by_filter_req"
            | "get_partitions_ps_with_auth_req"
            | "get_partition_names_ps_req" => (META_1_NO_SUCH_2, 1, RENUMBER),
            "get_partitions_req" => (NO_SUCH_1_META_2, 1, RENUMBER),
            "alter_table_req" => (INVALID_OPERATION_1_META_2, 1, RENUMBER),
            _ => return None,
        };
        let result = async {
            let raw = args.request(1, &[(catalog_field, 0)])?;
            check_catalog(raw.optional_string(0))?;
            let request = args.request(1, ids)?;
            match method {
                "get_database_req" => self.get_database(&request).await,
                "get_partitions_by_names_req" => {
                    nest_success(self.get_partitions_by_names(&request).await?)
                }
                "get_partition_req" => nest_success(self.get_partition(&request, false).await?),
                "get_partitions_req" => nest_success(self.get_partitions(&request, None).await?),
                "get_partitions_by_filter_req" => self.get_partitions_by_filter(&request).await,
                "get_partitions_ps_with_auth_req" => {
                    nest_success(self.get_partitions_ps(&request, false).await?)
                }
                "get_partition_names_ps_req" => {
                    nest_success(self.get_partitions_ps(&request, true).await?)
                }
                _ => {
                    self.alter_table("alter_table_with_environment_context", &request)
                        .await?;
                    // AlterTableResponse has no fields.
                    let mut w = Writer::new();
                    w.struct_field(0, |_| {});
                    Ok(w)
                }
            }
        }
        .await;
        Some((Some(declared), result))
    }
}

/// An older call's success (field 0 of its result) as field 1 of a response struct, which
/// is field 0 of the request form's result: how every `_req` response above nests it.
fn nest_success(inner: Writer) -> CallResult {
    let bytes = inner.into_bytes();
    // A field header is the type byte and the field id (0 here), then the value.
    let Some((&kind, value)) = bytes.split_first() else {
        return Err(meta("empty answer"));
    };
    let value = value.get(2..).unwrap_or_default();
    let mut w = Writer::new();
    w.struct_field(0, |w| {
        w.field(kind, 1);
        w.append(value);
    });
    Ok(w)
}

/// Database and table changes.
impl Metastore {
    async fn create_database(&self, args: &Arguments<'_>) -> CallResult {
        self.may_change("create_database")?;
        let database = args.struct_with(1, "database", structs::Database::read)?;
        check_catalog(Some(&database.catalog_name))?;
        self.catalog
            .create_database(convert::database_input(database))
            .await?;
        Ok(Writer::new())
    }

    /// `drop_database`: Hive refuses to drop `default`, and a database with tables unless
    /// `cascade`. lakecat never deletes data, whatever `deleteData` says.
    async fn drop_database(&self, args: &Arguments<'_>) -> CallResult {
        self.may_change("drop_database")?;
        let name = args.string(1, "name")?;
        let cascade = args.integer(3).unwrap_or(0) != 0;
        if name.eq_ignore_ascii_case("default") {
            return Err(meta("Can not drop default database"));
        }
        if cascade {
            self.catalog.delete_database(name).await?;
            return Ok(Writer::new());
        }
        // The emptiness check and the delete are one statement in the store, so a table
        // created meanwhile is never dropped with the database.
        match self.catalog.delete_empty_database(name).await {
            Ok(()) => Ok(Writer::new()),
            Err(error) if error.kind() == ErrorKind::InvalidInput => Err(Failure::Hive(
                HiveException::InvalidOperation,
                format!("Database {name} is not empty. One or more tables exist."),
            )),
            Err(error) => Err(error.into()),
        }
    }

    async fn alter_database(&self, args: &Arguments<'_>) -> CallResult {
        self.may_change("alter_database")?;
        let name = args.string(1, "dbname")?;
        let database = args.struct_with(2, "db", structs::Database::read)?;
        self.catalog
            .update_database(name, convert::database_input(database))
            .await?;
        Ok(Writer::new())
    }

    async fn create_table(&self, method: &str, args: &Arguments<'_>) -> CallResult {
        self.may_change(method)?;
        let table = args.struct_with(1, "tbl", structs::Table::read)?;
        check_catalog(Some(&table.cat_name))?;
        let database = table.db_name.clone();
        match self
            .catalog
            .create_table(&database, convert::table_input(table))
            .await
        {
            Ok(_) => Ok(Writer::new()),
            Err(CatalogError::NotFound { .. }) => Err(Failure::Hive(
                HiveException::NoSuchObject,
                format!("The database {database} does not exist"),
            )),
            Err(error) => Err(error.into()),
        }
    }

    /// `drop_table`: lakecat never deletes data, whatever `deleteData` says.
    async fn drop_table(&self, method: &str, args: &Arguments<'_>) -> CallResult {
        self.may_change(method)?;
        let (database, name) = (args.string(1, "dbname")?, args.string(2, "name")?);
        match self.catalog.delete_table(database, name).await {
            Ok(()) => Ok(Writer::new()),
            Err(CatalogError::NotFound { .. }) => Err(Failure::Hive(
                HiveException::NoSuchObject,
                format!("{database}.{name} table not found"),
            )),
            Err(error) => Err(error.into()),
        }
    }

    /// `alter_table`: the new definition replaces the table's, the old one kept as a table
    /// version, as the Glue API's UpdateTable does, if the table is still at the version
    /// read. A new name (or database) in it renames the table first (Spark's and
    /// Hive's `ALTER TABLE ... RENAME TO`); lakecat never moves data, so the location stays
    /// whatever the client sends.
    async fn alter_table(&self, method: &str, args: &Arguments<'_>) -> CallResult {
        self.may_change(method)?;
        let (database, name) = (args.string(1, "dbname")?, args.string(2, "tbl_name")?);
        let table = args.struct_with(3, "new_tbl", structs::Table::read)?;
        let current = match self.catalog.get_table(database, name).await {
            Ok(current) => current,
            Err(CatalogError::NotFound { .. }) => {
                return Err(Failure::Hive(
                    HiveException::InvalidOperation,
                    format!("table {database}.{name} doesn't exist"),
                ));
            }
            Err(error) => return Err(error.into()),
        };
        let environment =
            if method == "alter_table_with_environment_context" && args.structs.contains_key(&4) {
                args.struct_with(4, "environment_context", structs::read_environment_context)?
            } else {
                BTreeMap::new()
            };
        check_expected_parameters(&current, &table.parameters, &environment)?;
        let new_database = if table.db_name.is_empty() {
            current.database_name.clone()
        } else {
            table.db_name.to_lowercase()
        };
        let new_name = if table.table_name.is_empty() {
            current.name.clone()
        } else {
            table.table_name.to_lowercase()
        };
        // The change applies only to the version checked: a change in between, through any
        // API or replica, makes this one fail rather than be lost.
        let options = UpdateTableOptions {
            expected_version_id: Some(current.version_id.clone()),
            skip_archive: false,
        };
        let mut input = convert::table_input(table);
        input.name.clone_from(&new_name);
        let renamed = new_name != current.name || new_database != current.database_name;
        let result = if renamed {
            // The rename and the new definition are one change: both, or neither.
            self.catalog
                .rename_and_update_table(
                    &current.database_name,
                    &current.name,
                    &new_database,
                    input,
                    options,
                )
                .await
        } else {
            self.catalog
                .update_table(&current.database_name, &current.name, input, options)
                .await
        };
        let (database, name) = (&current.database_name, &current.name);
        match result {
            Ok(_) => Ok(Writer::new()),
            Err(CatalogError::AlreadyExists { .. }) => Err(Failure::Hive(
                HiveException::InvalidOperation,
                format!("new table {new_database}.{new_name} already exists"),
            )),
            Err(CatalogError::NotFound { .. }) if renamed => Err(Failure::Hive(
                HiveException::InvalidOperation,
                format!(
                    "Unable to rename {database}.{name}: database {new_database} does not exist"
                ),
            )),
            Err(CatalogError::NotFound { .. }) => Err(Failure::Hive(
                HiveException::InvalidOperation,
                format!("table {database}.{name} doesn't exist"),
            )),
            Err(CatalogError::ConcurrentModification(_)) => Err(meta(format!(
                "The table has been modified. {database}.{name} changed while this alter_table \
                 was applied; read it again and retry"
            ))),
            Err(CatalogError::InvalidInput(message)) => {
                Err(Failure::Hive(HiveException::InvalidOperation, message))
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// Column statistics.
impl Metastore {
    /// The statistics of the named columns, in the catalog's batches.
    async fn column_statistics(
        &self,
        table: &Table,
        scope: lakecat_catalog::StatisticsScope<'_>,
        columns: &[String],
    ) -> Result<Vec<lakecat_catalog::ColumnStatistics>, Failure> {
        let mut found = Vec::new();
        for chunk in columns.chunks(lakecat_catalog::statistics::MAX_COLUMNS_PER_GET) {
            found.extend(
                self.catalog
                    .get_column_statistics(&table.database_name, &table.name, scope, chunk)
                    .await
                    .map_err(|error| match error {
                        CatalogError::InvalidInput(message) => meta(message),
                        other => other.into(),
                    })?,
            );
        }
        Ok(found)
    }

    /// `get_table_statistics_req` (TableStatsRequest: 1 dbName, 2 tblName, 3 colNames,
    /// 4 catName) and `get_partitions_statistics_req` (PartitionsStatsRequest: the same with
    /// 4 partNames, 5 catName): the statistics lakecat holds, crawled or written through an
    /// API; columns and partitions without any are left out, as Hive does.
    async fn statistics(&self, args: &Arguments<'_>, partitions: bool) -> CallResult {
        let catalog_field = if partitions { 5 } else { 4 };
        let request = args.request(1, &[(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)])?;
        check_catalog(request.optional_string(catalog_field))?;
        let table = self
            .table(request.string(1, "dbName")?, request.string(2, "tblName")?)
            .await?;
        let columns = request.string_list(3).unwrap_or_default();
        let mut w = Writer::new();
        if !partitions {
            let statistics = self
                .column_statistics(&table, lakecat_catalog::StatisticsScope::Table, columns)
                .await?;
            w.struct_field(0, |w| write_statistics_list(w, 1, &statistics));
            return Ok(w);
        }
        let mut entries = Vec::new();
        for name in request.string_list(4).unwrap_or_default() {
            let values = convert::partition_values(&table.partition_keys, name).map_err(meta)?;
            let scope = lakecat_catalog::StatisticsScope::Partition(&values);
            let statistics = match self.column_statistics(&table, scope, columns).await {
                Ok(statistics) => statistics,
                // A partition that does not exist has no statistics.
                Err(Failure::Hive(HiveException::NoSuchObject, _)) => continue,
                Err(failure) => return Err(failure),
            };
            if !statistics.is_empty() {
                entries.push((name.clone(), statistics));
            }
        }
        w.struct_field(0, |w| {
            w.field(ttype::MAP, 1);
            w.map_header(ttype::STRING, ttype::LIST, entries.len());
            for (name, statistics) in &entries {
                w.string(name);
                write_statistics_values(w, statistics);
            }
        });
        Ok(w)
    }
}

/// Column statistics written by clients (Hive's and Trino's `ANALYZE`).
impl Metastore {
    /// `update_table_column_statistics` and `update_partition_column_statistics`: one
    /// `ColumnStatistics`, answered `true`.
    async fn update_statistics(&self, args: &Arguments<'_>) -> CallResult {
        self.may_change("update_table_column_statistics")?;
        let statistics = args.struct_with(1, "stats_obj", structs::ColumnStatistics::read)?;
        self.write_statistics(statistics).await?;
        let mut w = Writer::new();
        w.bool_field(0, true);
        Ok(w)
    }

    /// `set_aggr_stats_for` (answered `true`) and Hive 3's `update_*_column_statistics_req`
    /// (answered `SetPartitionsStatsResponse`): several `ColumnStatistics`.
    async fn set_statistics(&self, method: &str, args: &Arguments<'_>) -> CallResult {
        self.may_change(method)?;
        let all = args.struct_with(1, "request", structs::read_set_statistics_request)?;
        for statistics in all {
            self.write_statistics(statistics).await?;
        }
        let mut w = Writer::new();
        if method == "set_aggr_stats_for" {
            w.bool_field(0, true);
        } else {
            w.struct_field(0, |w| w.bool_field(1, true));
        }
        Ok(w)
    }

    /// Writes one `ColumnStatistics` to its table or partition. Each column's figures
    /// replace what it had (Hive's `needMerge` is not done).
    async fn write_statistics(&self, statistics: structs::ColumnStatistics) -> Result<(), Failure> {
        check_catalog(statistics.cat_name.as_deref())?;
        let table = self
            .table(&statistics.db_name, &statistics.table_name)
            .await?;
        let values = if statistics.table_level {
            None
        } else {
            let name = statistics.part_name.as_deref().ok_or_else(|| {
                Failure::Hive(
                    HiveException::InvalidObject,
                    "partition statistics need the partition's name (partName)".into(),
                )
            })?;
            Some(
                convert::partition_values(&table.partition_keys, name)
                    .map_err(|message| Failure::Hive(HiveException::NoSuchObject, message))?,
            )
        };
        let analyzed = statistics
            .last_analyzed
            .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
            .unwrap_or_else(chrono::Utc::now);
        let entries = statistics
            .columns
            .into_iter()
            .map(|column| convert::statistics_input(column, analyzed))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|message| Failure::Hive(HiveException::InvalidObject, message))?;
        let scope = match &values {
            None => lakecat_catalog::StatisticsScope::Table,
            Some(values) => lakecat_catalog::StatisticsScope::Partition(values),
        };
        for chunk in entries.chunks(lakecat_catalog::statistics::MAX_STATISTICS_PER_UPDATE) {
            let refused = self
                .catalog
                .update_column_statistics(&table.database_name, &table.name, scope, chunk.to_vec())
                .await
                .map_err(statistics_failure)?;
            if let Some(refusal) = refused.into_iter().next() {
                return Err(statistics_failure(refusal.error));
            }
        }
        Ok(())
    }

    /// `delete_table_column_statistics` and `delete_partition_column_statistics`: one
    /// column's statistics, or every column's when no column is named; answered `true`.
    async fn delete_statistics(&self, args: &Arguments<'_>, partition: bool) -> CallResult {
        self.may_change("delete_table_column_statistics")?;
        let table = self
            .table(args.string(1, "db_name")?, args.string(2, "tbl_name")?)
            .await?;
        let (values, column_field) = if partition {
            let name = args.string(3, "part_name")?;
            let values = convert::partition_values(&table.partition_keys, name)
                .map_err(|message| Failure::Hive(HiveException::NoSuchObject, message))?;
            (Some(values), 4)
        } else {
            (None, 3)
        };
        let scope = match &values {
            None => lakecat_catalog::StatisticsScope::Table,
            Some(values) => lakecat_catalog::StatisticsScope::Partition(values),
        };
        let columns: Vec<String> = match args.optional_string(column_field) {
            Some(column) => vec![column.to_lowercase()],
            None => {
                let all: Vec<String> = table
                    .storage_descriptor
                    .iter()
                    .flat_map(|sd| sd.columns.iter().map(|c| c.name.clone()))
                    .collect();
                self.column_statistics(&table, scope, &all)
                    .await?
                    .into_iter()
                    .map(|s| s.column_name)
                    .collect()
            }
        };
        for column in columns {
            self.catalog
                .delete_column_statistics(&table.database_name, &table.name, scope, &column)
                .await
                .map_err(statistics_failure)?;
        }
        let mut w = Writer::new();
        w.bool_field(0, true);
        Ok(w)
    }
}

/// A catalog refusal of statistics as Hive answers it: a missing table, partition, column or
/// statistics is `NoSuchObjectException`, figures that cannot be right
/// `InvalidObjectException`.
fn statistics_failure(error: CatalogError) -> Failure {
    match error {
        CatalogError::NotFound { .. } => {
            Failure::Hive(HiveException::NoSuchObject, error.to_string())
        }
        CatalogError::InvalidInput(message) => Failure::Hive(HiveException::InvalidObject, message),
        other => other.into(),
    }
}

/// A `list<ColumnStatisticsObj>` field.
fn write_statistics_list(
    w: &mut Writer,
    id: i16,
    statistics: &[lakecat_catalog::ColumnStatistics],
) {
    w.field(ttype::LIST, id);
    write_statistics_values(w, statistics);
}

/// A `list<ColumnStatisticsObj>` value (its header and elements), leaving out statistics
/// Hive's older clients cannot read.
fn write_statistics_values(w: &mut Writer, statistics: &[lakecat_catalog::ColumnStatistics]) {
    let sendable: Vec<_> = statistics
        .iter()
        .filter(|s| !matches!(s.data, lakecat_catalog::StatisticsData::Timestamp { .. }))
        .collect();
    w.list_header(ttype::STRUCT, sendable.len());
    for statistics in sendable {
        convert::write_statistics(statistics, w);
        w.stop();
    }
}

/// Locks.
impl Metastore {
    fn lock(&self, args: &Arguments<'_>) -> CallResult {
        // Taking a lock changes nothing, but only writers need one: a reader endpoint
        // grants none, so a commit through it fails before it writes any metadata file.
        self.may_change("lock")?;
        let components = args.struct_with(1, "rqst", structs::read_lock_request)?;
        let targets: Vec<LockTarget> = components
            .into_iter()
            .map(|c| LockTarget {
                database: c.db_name.to_lowercase(),
                table: c.table_name.map(|t| t.to_lowercase()),
                shared: c.lock_type == 1,
            })
            .collect();
        let mut w = Writer::new();
        match self.locks.lock(targets, Instant::now()) {
            Some((id, state)) => w.struct_field(0, |w| {
                w.i64_field(1, id);
                w.i32_field(2, state);
            }),
            None => w.struct_field(0, |w| {
                w.i64_field(1, 0);
                w.i32_field(2, lock_state::NOT_ACQUIRED);
                w.string_field(3, "too many locks are held on this server");
            }),
        }
        Ok(w)
    }

    fn check_lock(&self, args: &Arguments<'_>) -> CallResult {
        let id = args.struct_with(1, "rqst", structs::read_lock_id)?;
        let state = self
            .locks
            .check(id, Instant::now())
            .ok_or_else(|| no_such_lock(id))?;
        let mut w = Writer::new();
        w.struct_field(0, |w| {
            w.i64_field(1, id);
            w.i32_field(2, state);
        });
        Ok(w)
    }

    fn unlock(&self, args: &Arguments<'_>) -> CallResult {
        let id = args.struct_with(1, "rqst", structs::read_lock_id)?;
        if !self.locks.unlock(id, Instant::now()) {
            return Err(no_such_lock(id));
        }
        Ok(Writer::new())
    }

    /// `heartbeat`: renews a lock; a heartbeat for a transaction alone (lock id 0) is
    /// accepted, lakecat having no transactions to keep alive.
    fn heartbeat(&self, args: &Arguments<'_>) -> CallResult {
        let id = args.struct_with(1, "ids", structs::read_lock_id)?;
        if id != 0 && !self.locks.heartbeat(id, Instant::now()) {
            return Err(no_such_lock(id));
        }
        Ok(Writer::new())
    }
}

fn no_such_lock(id: i64) -> Failure {
    Failure::Hive(
        HiveException::NoSuchLock,
        format!(
            "No such lock: {id} (released, or expired after {} s without a heartbeat)",
            super::locks::LOCK_TIMEOUT.as_secs()
        ),
    )
}

/// Partition changes.
impl Metastore {
    /// Adds partitions to one table, as Hive does all or nothing as far as the catalog
    /// allows: partitions that exist are refused (or skipped with `if_not_exists`) before
    /// any is created, then they are created in the catalog's batches. Answers the table
    /// and the partitions created.
    async fn add_to_table(
        &self,
        database: &str,
        table: &str,
        parts: Vec<structs::Partition>,
        if_not_exists: bool,
        answer: AddAnswer,
    ) -> Result<(Table, Added), Failure> {
        for part in &parts {
            let elsewhere = (!part.db_name.is_empty()
                && !part.db_name.eq_ignore_ascii_case(database))
                || (!part.table_name.is_empty() && !part.table_name.eq_ignore_ascii_case(table));
            if elsewhere {
                return Err(meta(format!(
                    "partition of {}.{} added to {database}.{table}",
                    part.db_name, part.table_name
                )));
            }
        }
        let table = match self.catalog.get_table(database, table).await {
            Ok(table) => table,
            Err(CatalogError::NotFound { .. }) => {
                return Err(Failure::Hive(
                    HiveException::InvalidObject,
                    "Unable to add partition because table or database do not exist".into(),
                ));
            }
            Err(error) => return Err(error.into()),
        };
        let inputs: Vec<_> = parts.into_iter().map(convert::partition_input).collect();
        let values: Vec<Vec<String>> = inputs.iter().map(|p| p.values.clone()).collect();
        let mut existing = Vec::new();
        for chunk in values.chunks(PARTITION_BATCH) {
            existing.extend(
                self.catalog
                    .get_partitions(&table.database_name, &table.name, chunk)
                    .await?
                    .into_iter()
                    .map(|p| p.values),
            );
        }
        if let Some(values) = existing.first()
            && !if_not_exists
        {
            return Err(Failure::Hive(
                HiveException::AlreadyExists,
                format!(
                    "Partition already exists: {}.{} values=[{}]",
                    table.database_name,
                    table.name,
                    values.join(", ")
                ),
            ));
        }
        let inputs: Vec<_> = inputs
            .into_iter()
            .filter(|p| !existing.contains(&p.values))
            .collect();
        // All in one transaction: a partition added by another client since the check above
        // fails the call and leaves nothing half-added.
        if !inputs.is_empty() {
            self.catalog
                .create_all_partitions(&table.database_name, &table.name, &inputs)
                .await
                .map_err(invalid_object)?;
        }
        let count = inputs.len();
        let mut partitions = Vec::new();
        if answer == AddAnswer::Partitions {
            let values: Vec<Vec<String>> = inputs.into_iter().map(|p| p.values).collect();
            for chunk in values.chunks(PARTITION_BATCH) {
                partitions.extend(
                    self.catalog
                        .get_partitions(&table.database_name, &table.name, chunk)
                        .await?,
                );
            }
        }
        Ok((table, Added { count, partitions }))
    }

    async fn add_partition(&self, method: &str, args: &Arguments<'_>) -> CallResult {
        self.may_change(method)?;
        let part = args.struct_with(1, "new_part", structs::Partition::read)?;
        let (database, table) = (part.db_name.clone(), part.table_name.clone());
        let (table, created) = self
            .add_to_table(&database, &table, vec![part], false, AddAnswer::Partitions)
            .await?;
        let mut w = Writer::new();
        if let Some(partition) = created.partitions.first() {
            w.struct_field(0, |w| convert::partition(partition, &table).write(w));
        }
        Ok(w)
    }

    async fn add_partitions(&self, args: &Arguments<'_>) -> CallResult {
        self.may_change("add_partitions")?;
        let parts = args.struct_list_with(1, "new_parts", structs::Partition::read)?;
        let Some(first) = parts.first() else {
            let mut w = Writer::new();
            w.i32_field(0, 0);
            return Ok(w);
        };
        let (database, table) = (first.db_name.clone(), first.table_name.clone());
        let (_, added) = self
            .add_to_table(&database, &table, parts, false, AddAnswer::Count)
            .await?;
        let mut w = Writer::new();
        w.i32_field(0, i32::try_from(added.count).unwrap_or(i32::MAX));
        Ok(w)
    }

    async fn add_partitions_req(&self, args: &Arguments<'_>) -> CallResult {
        self.may_change("add_partitions_req")?;
        let request = args.struct_with(1, "request", structs::AddPartitionsRequest::read)?;
        check_catalog(request.cat_name.as_deref())?;
        let (table, created) = self
            .add_to_table(
                &request.db_name,
                &request.tbl_name,
                request.parts,
                request.if_not_exists,
                if request.need_result {
                    AddAnswer::Partitions
                } else {
                    AddAnswer::Count
                },
            )
            .await?;
        let mut w = Writer::new();
        w.struct_field(0, |w| {
            if request.need_result {
                w.struct_list_field(1, &created.partitions, |w, p| {
                    convert::partition(p, &table).write(w)
                });
            }
        });
        Ok(w)
    }

    /// `append_partition(_by_name)`: a partition by its values alone, stored like its table
    /// at the table's location followed by the partition's name.
    async fn append_partition(&self, method: &str, args: &Arguments<'_>) -> CallResult {
        self.may_change(method)?;
        let (database, name) = (args.string(1, "db_name")?, args.string(2, "tbl_name")?);
        let table = match self.catalog.get_table(database, name).await {
            Ok(table) => table,
            Err(CatalogError::NotFound { .. }) => {
                return Err(Failure::Hive(
                    HiveException::InvalidObject,
                    format!("{database}.{name} table not found"),
                ));
            }
            Err(error) => return Err(error.into()),
        };
        let values = if method == "append_partition_by_name" {
            convert::partition_values(&table.partition_keys, args.string(3, "part_name")?)
                .map_err(meta)?
        } else {
            args.string_list(3).unwrap_or_default().to_vec()
        };
        let input = convert::appended_partition(&table, &values);
        let partition = self
            .catalog
            .create_partition(&table.database_name, &table.name, input)
            .await
            .map_err(invalid_object)?;
        let mut w = Writer::new();
        w.struct_field(0, |w| convert::partition(&partition, &table).write(w));
        Ok(w)
    }

    /// `drop_partition(_by_name)(_with_environment_context)`: lakecat never deletes data,
    /// whatever `deleteData` says. Answers true, as Hive does when it dropped one.
    async fn drop_partition(&self, method: &str, args: &Arguments<'_>) -> CallResult {
        self.may_change(method)?;
        let table = self
            .table(args.string(1, "db_name")?, args.string(2, "tbl_name")?)
            .await?;
        let values = if method.starts_with("drop_partition_by_name") {
            convert::partition_values(&table.partition_keys, args.string(3, "part_name")?)
                .map_err(meta)?
        } else {
            args.string_list(3).unwrap_or_default().to_vec()
        };
        match self
            .catalog
            .delete_partition(&table.database_name, &table.name, &values)
            .await
        {
            Ok(()) => {
                let mut w = Writer::new();
                w.bool_field(0, true);
                Ok(w)
            }
            Err(CatalogError::NotFound { .. }) => Err(Failure::Hive(
                HiveException::NoSuchObject,
                format!("partition values=[{}]", values.join(", ")),
            )),
            Err(error) => Err(error.into()),
        }
    }

    /// `alter_partition(s)(_with_environment_context)`: each partition's definition
    /// replaced, found by its values. One that does not exist is an InvalidOperationException;
    /// the ones before it stay changed (the catalog changes partitions one by one).
    async fn alter_partitions(&self, method: &str, args: &Arguments<'_>) -> CallResult {
        self.may_change(method)?;
        let table = self
            .table(args.string(1, "db_name")?, args.string(2, "tbl_name")?)
            .await?;
        let parts = if method.starts_with("alter_partitions") {
            args.struct_list_with(3, "new_parts", structs::Partition::read)?
        } else {
            vec![args.struct_with(3, "new_part", structs::Partition::read)?]
        };
        for part in parts {
            let input = convert::partition_input(part);
            let values = input.values.clone();
            match self
                .catalog
                .update_partition(&table.database_name, &table.name, &values, input)
                .await
            {
                Ok(_) => {}
                Err(CatalogError::NotFound { .. }) => {
                    return Err(Failure::Hive(
                        HiveException::InvalidOperation,
                        format!(
                            "alter is not possible: partition values=[{}] of {}.{} does not exist",
                            values.join(", "),
                            table.database_name,
                            table.name
                        ),
                    ));
                }
                Err(CatalogError::InvalidInput(message)) => {
                    return Err(Failure::Hive(HiveException::InvalidOperation, message));
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(Writer::new())
    }
}

/// The checks that make a commit through `alter_table` refuse a stale table, with the
/// message Iceberg's Hive catalog recognises ("The table has been modified"):
/// - Hive 4's expected parameter (`expected_parameter_key`/`expected_parameter_value` in the
///   environment context, HIVE-26882): the table's parameter must have that value.
/// - An Iceberg table's pointer moves only from where it is: a new `metadata_location` must
///   come with `previous_metadata_location` equal to the current one, as Iceberg's catalogs
///   write it, so a writer that read an older pointer cannot overwrite a newer commit.
fn check_expected_parameters(
    current: &Table,
    new_parameters: &BTreeMap<String, String>,
    environment: &BTreeMap<String, String>,
) -> Result<(), Failure> {
    let stale = |key: &str, found: Option<&String>, expected: &str| {
        meta(format!(
            "The table has been modified. The parameter value for key '{key}' is '{}'. The \
             expected was value '{expected}'",
            found.map_or("", String::as_str)
        ))
    };
    if let (Some(key), Some(expected)) = (
        environment.get("expected_parameter_key"),
        environment.get("expected_parameter_value"),
    ) {
        let found = current.parameters.get(key);
        if found != Some(expected) {
            return Err(stale(key, found, expected));
        }
    }
    let is_iceberg = current
        .parameters
        .get("table_type")
        .is_some_and(|t| t.eq_ignore_ascii_case("iceberg"));
    let pointer = current.parameters.get("metadata_location");
    let moved = new_parameters.get("metadata_location") != pointer;
    if is_iceberg
        && moved
        && let Some(pointer) = pointer
    {
        let previous = new_parameters.get("previous_metadata_location");
        if previous != Some(pointer) {
            return Err(stale(
                "metadata_location",
                Some(pointer),
                previous.map_or("", String::as_str),
            ));
        }
    }
    Ok(())
}

/// A refusal of new partitions: an InvalidObjectException for input the catalog refuses
/// (Hive's name for it), the usual exception otherwise.
/// What a call that adds partitions answers with, so that calls answering a count do not
/// read back what they wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddAnswer {
    /// The number added.
    Count,
    /// The partitions added, as stored.
    Partitions,
}

/// The partitions a call added: how many, and the partitions themselves when the call's
/// answer holds them ([`AddAnswer::Partitions`]).
#[derive(Debug)]
struct Added {
    count: usize,
    partitions: Vec<Partition>,
}

fn invalid_object(error: CatalogError) -> Failure {
    match error {
        CatalogError::InvalidInput(message) => Failure::Hive(HiveException::InvalidObject, message),
        other => other.into(),
    }
}

/// Whether a reply's result struct holds a declared exception rather than a success: its
/// first field's id is not 0 (the header is 4 bytes, the name's length and bytes, 4 bytes of
/// sequence id; then the field's type byte and id).
fn replied_exception(reply: &[u8], name_len: usize) -> bool {
    let at = 4 + 4 + name_len + 4;
    match reply.get(at..at + 3) {
        Some([kind, high, low]) => *kind != ttype::STOP && i16::from_be_bytes([*high, *low]) != 0,
        _ => false,
    }
}

/// Hive's `set_ugi` answers the groups it was given (Hive 2.3's metastore, compared here).
fn set_ugi(args: &Arguments<'_>) -> CallResult {
    args.string(1, "user_name")?;
    Ok(success_string_list(args.string_list(2).unwrap_or_default()))
}

fn get_meta_conf(args: &Arguments<'_>) -> CallResult {
    let key = args.string(1, "key")?;
    let value = META_CONF
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .ok_or_else(|| meta(format!("Invalid configuration key {key}")))?;
    let mut w = Writer::new();
    w.string_field(0, value);
    Ok(w)
}

/// Hive's `get_config_value`: names outside `hive.*`, `hdfs.*`, `mapred.*` and
/// `metastore.*` are refused; lakecat has values only for the metastore settings above, and
/// answers the client's default for the rest.
fn get_config_value(args: &Arguments<'_>) -> CallResult {
    let name = args.string(1, "name")?;
    if !["hive", "hdfs", "mapred", "metastore"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
    {
        return Err(Failure::Hive(
            HiveException::ConfigValSecurity,
            format!("For security reasons, the config key {name} cannot be accessed"),
        ));
    }
    let value = META_CONF
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| *v)
        .or_else(|| args.optional_string(2))
        .unwrap_or_default();
    let mut w = Writer::new();
    w.string_field(0, value);
    Ok(w)
}

/// Only Hive's default catalog exists.
fn check_catalog(catalog: Option<&str>) -> Result<(), Failure> {
    match catalog {
        Some(name) if !name.eq_ignore_ascii_case(structs::HIVE_CATALOG) => Err(Failure::Hive(
            HiveException::NoSuchObject,
            format!("catalog {name} not found (lakecat serves the catalog 'hive')"),
        )),
        _ => Ok(()),
    }
}

fn compile(pattern: &str) -> Result<NamePattern, Failure> {
    NamePattern::new(pattern).map_err(|e| meta(e.to_string()))
}

fn success_string_list(values: &[String]) -> Writer {
    let mut w = Writer::new();
    w.string_list_field(0, values);
    w
}

fn success_partitions(table: &Table, partitions: &[Partition]) -> Writer {
    let mut w = Writer::new();
    w.struct_list_field(0, partitions, |w, p| {
        convert::partition(p, table).write(w);
    });
    w
}

trait WithToken {
    fn with_token(self, token: String) -> Self;
}

impl WithToken for PageRequest {
    fn with_token(mut self, token: String) -> Self {
        self.page_token = Some(token);
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn the_served_list_is_the_dispatch() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
        let store =
            lakecat_catalog::SqlStore::connect(&url, &lakecat_catalog::StoreOptions::default())
                .await
                .unwrap();
        let metastore = Metastore::new(
            Catalog::new(Arc::new(store)),
            Role::Reader,
            Arc::new(Metrics::new()),
        );
        // Without arguments every call fails, but a served one is answered by its handler.
        for method in SERVED {
            let (declared, _) = metastore.call(method, &Arguments::default()).await;
            assert!(declared.is_some(), "{method} is listed but not served");
        }
        for method in ["get_catalogs", "getVersion", "compact", "GET_TABLE"] {
            let (declared, _) = metastore.call(method, &Arguments::default()).await;
            assert!(declared.is_none(), "{method} is served but not listed");
        }
    }
}
