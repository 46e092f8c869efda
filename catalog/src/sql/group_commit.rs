//! Group commit of partition batches on SQLite.
//!
//! SQLite has one writer, so concurrent partition batches (BatchCreatePartition, Hive's
//! add_partitions) queue for it. Written one transaction each, every batch paid for its own
//! begin, table lookup and commit, and each commit wrote to the log every B-tree page the
//! batch touched, the same right-hand leaf and index pages batch after batch; between
//! transactions the writer waited for the next caller's turn. The group writer instead takes
//! every batch waiting when the writer comes free (up to [`MAX_GROUP_PARTITIONS`]) and writes
//! them in one transaction, each batch in a savepoint of its own. A batch that fails is
//! rolled back alone, and every caller is answered only after the commit: a batch is as
//! durable and as all-or-nothing as when it had the transaction to itself. A single waiting
//! batch is written exactly as before, without a savepoint.

use std::sync::Arc;

use sqlx::{AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

use super::partitions::{self, BatchMode, PreparedPartition};
use crate::error::{Error, Result};
use crate::store::PartitionFailure;

/// Most partitions written in one group transaction: enough to share a commit among all
/// of a burst's writers (16 batches of 100), few enough that one group never holds the
/// writer for long.
const MAX_GROUP_PARTITIONS: usize = 2_000;

/// Batches that may wait for the group writer before senders wait for room.
const QUEUE_CAPACITY: usize = 256;

/// The sending side of the group writer: a handle for the store, cheap to clone.
#[derive(Debug, Clone)]
pub(super) struct GroupWriter {
    queue: mpsc::Sender<QueuedBatch>,
}

/// A batch waiting for the group writer, with where its outcome goes.
#[derive(Debug)]
struct QueuedBatch {
    database: String,
    table: String,
    partitions: Vec<PreparedPartition>,
    mode: BatchMode,
    reply: oneshot::Sender<Result<Vec<PartitionFailure>>>,
}

impl GroupWriter {
    /// Starts the thread that writes queued batches through `writer` (SQLite's
    /// one-connection writer pool). It ends when every handle is dropped.
    pub(super) fn start(writer: AnyPool) -> std::io::Result<GroupWriter> {
        let (queue, waiting) = mpsc::channel(QUEUE_CAPACITY);
        // Every writer waits on this task, so it gets a thread of its own: on the server's
        // runtime its turns queued behind request parsing (a few milliseconds at a time on
        // two cores) while SQLite's writer thread sat idle between its statements.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("lakecat-partition-writer".into())
            .spawn(move || runtime.block_on(write_groups(writer, waiting)))?;
        Ok(GroupWriter { queue })
    }

    /// Writes a prepared batch in the next group and answers with its outcome once the
    /// group has committed (see [`partitions::write_batch`] for the modes).
    pub(super) async fn write(
        &self,
        database: &str,
        table: &str,
        partitions: Vec<PreparedPartition>,
        mode: BatchMode,
    ) -> Result<Vec<PartitionFailure>> {
        let (reply, outcome) = oneshot::channel();
        let batch = QueuedBatch {
            database: database.to_string(),
            table: table.to_string(),
            partitions,
            mode,
            reply,
        };
        self.queue.send(batch).await.map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// The error of a batch the group writer could not take or answer (it stopped: the runtime
/// is shutting down).
fn stopped() -> Error {
    Error::Backend("the partition group writer has stopped".into())
}

/// Writes groups of waiting batches until every handle is dropped.
async fn write_groups(writer: AnyPool, mut waiting: mpsc::Receiver<QueuedBatch>) {
    while let Some(first) = waiting.recv().await {
        let mut partitions = first.partitions.len();
        let mut group = vec![first];
        while partitions < MAX_GROUP_PARTITIONS {
            let Ok(next) = waiting.try_recv() else { break };
            partitions += next.partitions.len();
            group.push(next);
        }
        tracing::trace!(
            batches = group.len(),
            partitions,
            "writing a group of partition batches"
        );
        write_group(&writer, group).await;
    }
}

/// Writes one group in one transaction and answers each batch.
async fn write_group(writer: &AnyPool, mut group: Vec<QueuedBatch>) {
    match write_in_one_transaction(writer, &mut group).await {
        Ok(outcomes) => {
            for (batch, outcome) in group.into_iter().zip(outcomes) {
                // A caller that has gone away (its request was dropped) needs no answer.
                let _ = batch.reply.send(outcome);
            }
        }
        Err(error) => {
            tracing::debug!(%error, batches = group.len(), "partition group transaction failed");
            let error = Arc::new(error);
            for batch in group {
                let _ = batch
                    .reply
                    .send(Err(Error::Backend(Box::new(GroupFailure(error.clone())))));
            }
        }
    }
}

/// Each batch's outcome, in order, once the transaction has committed; an error when the
/// transaction itself failed, and then nothing was written.
async fn write_in_one_transaction(
    writer: &AnyPool,
    group: &mut [QueuedBatch],
) -> Result<Vec<Result<Vec<PartitionFailure>>>> {
    let mut tx = writer.begin().await?;
    if let [batch] = group {
        let outcome = write(&mut tx, batch).await;
        // A failed batch alone: dropping the transaction rolls it back.
        if outcome.is_ok() {
            tx.commit().await?;
        }
        return Ok(vec![outcome]);
    }
    let mut outcomes = Vec::with_capacity(group.len());
    for batch in group.iter_mut() {
        let mut savepoint = tx.begin().await?;
        let outcome = write(&mut savepoint, batch).await;
        if outcome.is_ok() {
            savepoint.commit().await?;
        } else {
            savepoint.rollback().await?;
        }
        outcomes.push(outcome);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Writes one batch inside the group's transaction or savepoint.
async fn write(
    conn: &mut sqlx::AnyConnection,
    batch: &mut QueuedBatch,
) -> Result<Vec<PartitionFailure>> {
    let partitions = std::mem::take(&mut batch.partitions);
    partitions::write_batch(conn, &batch.database, &batch.table, partitions, batch.mode).await
}

/// A failure of a group's transaction, as each of its batches reports it.
#[derive(Debug)]
struct GroupFailure(Arc<Error>);

impl std::fmt::Display for GroupFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the transaction writing this batch failed: {}", self.0)
    }
}

impl std::error::Error for GroupFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::model::{Column, DatabaseInput, PartitionInput, TableInput};
    use crate::sql::{SqlStore, StoreOptions};
    use crate::store::CatalogStore;
    use crate::tags::Tags;

    fn partition(values: &[&str]) -> PartitionInput {
        PartitionInput {
            values: values.iter().map(|v| v.to_string()).collect(),
            ..Default::default()
        }
    }

    /// A batch for `table`, and where its outcome will arrive.
    fn queued(
        table: &str,
        values: &[&[&str]],
        mode: BatchMode,
    ) -> (
        QueuedBatch,
        oneshot::Receiver<Result<Vec<PartitionFailure>>>,
    ) {
        let inputs: Vec<_> = values.iter().map(|v| partition(v)).collect();
        let (reply, outcome) = oneshot::channel();
        let batch = QueuedBatch {
            database: "db".into(),
            table: table.into(),
            partitions: partitions::prepare(&inputs, mode).unwrap(),
            mode,
            reply,
        };
        (batch, outcome)
    }

    async fn stored(store: &SqlStore, values: &[&str]) -> bool {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        !store
            .get_partitions("db", "t", &[values])
            .await
            .unwrap()
            .is_empty()
    }

    /// An SQLite store in a fresh folder (kept while the returned guard lives), with table
    /// `db.t` partitioned by one string key.
    async fn store_with_table() -> (tempfile::TempDir, SqlStore) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/g.db?mode=rwc", dir.path().display());
        let store = SqlStore::connect(&url, &StoreOptions::default())
            .await
            .unwrap();
        let database = DatabaseInput {
            name: "db".into(),
            ..Default::default()
        };
        store
            .create_database(&database, &Tags::default())
            .await
            .unwrap();
        let table = TableInput {
            name: "t".into(),
            partition_keys: vec![Column {
                name: "k".into(),
                type_name: Some("string".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        store.create_table("db", &table, &[]).await.unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn a_failed_batch_is_undone_alone_and_the_others_commit() {
        let (_dir, store) = store_with_table().await;

        let (first, first_outcome) = queued("t", &[&["1"], &["2"]], BatchMode::ReportFailures);
        // All or nothing, and "1" exists by now: "3" must be undone with it.
        let (refused, refused_outcome) = queued("t", &[&["3"], &["1"]], BatchMode::AllOrNothing);
        let (missing, missing_outcome) = queued("gone", &[&["4"]], BatchMode::ReportFailures);
        // Reports "2" as existing and writes "5"; a wrong number of values is reported too.
        let (partial, partial_outcome) = queued(
            "t",
            &[&["5"], &["2"], &["6", "7"]],
            BatchMode::ReportFailures,
        );
        write_group(&store.writer, vec![first, refused, missing, partial]).await;

        assert!(first_outcome.await.unwrap().unwrap().is_empty());
        let error = refused_outcome.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AlreadyExists, "{error}");
        let error = missing_outcome.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
        let failures = partial_outcome.await.unwrap().unwrap();
        let failed: Vec<_> = failures
            .iter()
            .map(|f| (f.values.clone(), f.error.kind()))
            .collect();
        assert_eq!(
            failed,
            [
                (
                    vec!["6".to_string(), "7".to_string()],
                    ErrorKind::InvalidInput
                ),
                (vec!["2".to_string()], ErrorKind::AlreadyExists),
            ]
        );
        for (values, expected) in [("1", true), ("2", true), ("3", false), ("5", true)] {
            assert_eq!(
                stored(&store, &[values]).await,
                expected,
                "partition {values}"
            );
        }
        store.close().await;
    }

    #[tokio::test]
    async fn batches_queued_behind_the_writer_are_each_answered_rightly() {
        let (_dir, store) = store_with_table().await;

        // Hold SQLite's one writer so that batches queue behind it.
        let held = store.writer.begin().await.unwrap();
        let mut writers = Vec::new();
        for n in 0..8 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let inputs = [partition(&[&n.to_string()]), partition(&["shared"])];
                store.create_partitions("db", "t", &inputs).await
            }));
        }
        // Let them all queue (or be taken into the group waiting for the writer).
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(writers.iter().all(|writer| !writer.is_finished()));
        drop(held);
        let mut shared_created = 0;
        for writer in writers {
            let failures = writer.await.unwrap().unwrap();
            // Only "shared" can fail, and only as existing.
            assert!(failures.len() <= 1, "{failures:?}");
            if let Some(failure) = failures.first() {
                assert_eq!(failure.values, ["shared"]);
                assert_eq!(failure.error.kind(), ErrorKind::AlreadyExists);
            } else {
                shared_created += 1;
            }
        }
        assert_eq!(shared_created, 1);
        for n in 0..8 {
            assert!(stored(&store, &[&n.to_string()]).await, "partition {n}");
        }
        store.close().await;
    }
}
