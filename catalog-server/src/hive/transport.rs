//! Connections: the accept loop, framing detection and one message at a time per
//! connection.
//!
//! Hive's and Spark's clients write unframed messages over a plain socket by default; HMS
//! also offers framed transport (a 4-byte length before each message). A strict
//! binary-protocol message starts with `0x80 0x01`, a framed one has those bytes after its
//! length, so the first bytes of a connection tell which one the client speaks, and replies
//! are written the same way.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::calls::Metastore;
use super::protocol::{MAX_MESSAGE_BYTES, MessageSkimmer, ProtocolError, Reader};
use crate::http_server::ConnectionLimits;

/// How a client frames its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Messages back to back (TSocket / TBufferedTransport).
    Unframed,
    /// Each message after its length (TFramedTransport).
    Framed,
}

/// Why a connection was closed by the server.
#[derive(Debug, thiserror::Error)]
enum ConnectionError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not a Thrift binary protocol client: {0}")]
    NotThrift(&'static str),
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    #[error("message of {0} bytes is larger than the {MAX_MESSAGE_BYTES} accepted")]
    TooLarge(usize),
    #[error("the client sent part of a message and then nothing for {0:?}")]
    Stalled(Duration),
    #[error("the client closed the connection in the middle of a message")]
    ClosedMidMessage,
}

/// Serves Thrift clients on `listener` until `shutdown` is cancelled, then stops accepting,
/// lets each connection finish the call it is answering, and returns when all are closed.
pub(crate) async fn serve(
    listener: TcpListener,
    metastore: Metastore,
    limits: ConnectionLimits,
    max_message_memory: usize,
    shutdown: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // At least one whole message must fit, or its client would wait for ever.
    let budget = Arc::new(Semaphore::new(
        max_message_memory.clamp(MAX_MESSAGE_BYTES + 4 + READ_CHUNK, Semaphore::MAX_PERMITS),
    ));
    let mut connections = JoinSet::new();
    loop {
        // As for HTTP: the permit first, so clients beyond the limit wait in the backlog.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors and the like: pause rather than spin.
                    tracing::warn!(%error, "metastore: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        // Replies are small and clients wait for each one: send them at once.
        let _ = stream.set_nodelay(true);
        let metastore = metastore.clone();
        let shutdown = shutdown.clone();
        let budget = Arc::clone(&budget);
        connections.spawn(async move {
            let _permit = permit;
            match connection(stream, &metastore, limits.client_timeout, budget, &shutdown).await {
                Ok(()) => tracing::debug!(%peer, "metastore client disconnected"),
                Err(error) => tracing::info!(%peer, %error, "metastore connection closed"),
            }
        });
        // Reap finished connections so the set does not grow with every client served.
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
}

/// Which framing the first bytes of a connection show.
fn detect(first: &[u8]) -> Result<Option<Framing>, ConnectionError> {
    match first {
        [0x80, ..] => Ok(Some(Framing::Unframed)),
        [0x82, ..] | [_, _, _, _, 0x82, ..] => Err(ConnectionError::NotThrift(
            "the compact protocol is not served; use the binary protocol (Hive's default)",
        )),
        [_, _, _, _, 0x80, 0x01, ..] => Ok(Some(Framing::Framed)),
        [b'G' | b'P' | b'H' | b'D' | b'O', ..] if first.len() >= 6 => {
            Err(ConnectionError::NotThrift("an HTTP request"))
        }
        _ if first.len() >= 6 => Err(ConnectionError::NotThrift(
            "neither a framed nor an unframed strict binary protocol message",
        )),
        _ => Ok(None),
    }
}

/// Bytes read from a client at a time; also the step in which memory is reserved.
const READ_CHUNK: usize = 64 * 1024;

/// A connection's incoming bytes, held within the server's budget: before more bytes are
/// read, room for them is reserved from the budget that every Thrift connection shares, and
/// the reservation is kept until the message they belong to has been answered. A client
/// that cannot get room waits, within the time it has to send a message.
struct Inbox {
    stream: TcpStream,
    buffer: Vec<u8>,
    budget: Arc<Semaphore>,
    held: Option<OwnedSemaphorePermit>,
    held_bytes: usize,
}

impl Inbox {
    /// Reads what the client sent, at most [`READ_CHUNK`] bytes; 0 when it closed.
    async fn read_more(&mut self) -> Result<usize, ConnectionError> {
        self.reserve().await?;
        self.buffer.reserve(READ_CHUNK);
        let read = (&mut self.stream)
            .take(READ_CHUNK as u64)
            .read_buf(&mut self.buffer)
            .await?;
        Ok(read)
    }

    /// Reserves room for [`READ_CHUNK`] more bytes from the budget, waiting for it.
    async fn reserve(&mut self) -> Result<(), ConnectionError> {
        let wanted = self.buffer.len() + READ_CHUNK;
        if wanted > self.held_bytes {
            let more = wanted - self.held_bytes;
            let permit = Arc::clone(&self.budget)
                .acquire_many_owned(u32::try_from(more).unwrap_or(u32::MAX))
                .await
                .map_err(|_| ConnectionError::Io(std::io::ErrorKind::BrokenPipe.into()))?;
            match &mut self.held {
                Some(held) => held.merge(permit),
                None => self.held = Some(permit),
            }
            self.held_bytes = wanted;
        }
        Ok(())
    }

    /// Like [`Inbox::read_more`] without waiting for the client: `None` when nothing can be
    /// read now.
    async fn try_read_more(&mut self) -> Result<Option<usize>, ConnectionError> {
        self.reserve().await?;
        let mut chunk = Vec::with_capacity(READ_CHUNK);
        match self.stream.try_read_buf(&mut chunk) {
            Ok(read) => {
                self.buffer.extend_from_slice(&chunk);
                Ok(Some(read))
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Reads until the buffer holds at least `len` bytes; false when the client closed first.
    async fn fill(&mut self, len: usize) -> Result<bool, ConnectionError> {
        while self.buffer.len() < len {
            if self.read_more().await? == 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Gives back the reservation beyond the bytes still buffered (the next message's
    /// start), once a message has been answered.
    fn release(&mut self) {
        if self.buffer.is_empty() {
            self.held = None;
            self.held_bytes = 0;
        }
    }
}

/// Serves one client: one message at a time, answered in order.
async fn connection(
    stream: TcpStream,
    metastore: &Metastore,
    client_timeout: Duration,
    budget: Arc<Semaphore>,
    shutdown: &CancellationToken,
) -> Result<(), ConnectionError> {
    let mut inbox = Inbox {
        stream,
        buffer: Vec::with_capacity(READ_CHUNK),
        budget,
        held: None,
        held_bytes: 0,
    };
    let mut framing = None;
    loop {
        // Between messages a client may stay idle as long as it likes (engines keep their
        // metastore connection for a whole session); only shutdown ends the wait.
        // Waiting reserves no memory: hundreds of idle clients hold none of the budget.
        if inbox.buffer.is_empty() {
            tokio::select! {
                ready = inbox.stream.readable() => ready?,
                () = shutdown.cancelled() => return Ok(()),
            }
            // Readiness can be spurious; a read that would block goes back to waiting, where
            // shutdown can still end it.
            match inbox.try_read_more().await? {
                Some(0) => return Ok(()),
                Some(_) => {}
                None => {
                    inbox.release();
                    continue;
                }
            }
        }
        let message = match tokio::time::timeout(
            client_timeout,
            read_message(&mut inbox, &mut framing),
        )
        .await
        {
            Ok(message) => message?,
            Err(_) => return Err(ConnectionError::Stalled(client_timeout)),
        };
        let Some(reply) = metastore.answer(&message).await else {
            inbox.release();
            continue;
        };
        drop(message);
        let mut out = Vec::with_capacity(reply.len() + 4);
        if framing == Some(Framing::Framed) {
            out.extend_from_slice(&(reply.len() as u32).to_be_bytes());
        }
        out.extend_from_slice(&reply);
        drop(reply);
        match tokio::time::timeout(client_timeout, inbox.stream.write_all(&out)).await {
            Ok(written) => written?,
            Err(_) => return Err(ConnectionError::Stalled(client_timeout)),
        }
        inbox.release();
    }
}

/// Reads one whole message (without its frame length) from the inbox, leaving any bytes of
/// the next message in its buffer.
async fn read_message(
    inbox: &mut Inbox,
    framing: &mut Option<Framing>,
) -> Result<Vec<u8>, ConnectionError> {
    let framing = loop {
        if let Some(framing) = *framing {
            break framing;
        }
        match detect(&inbox.buffer)? {
            Some(found) => *framing = Some(found),
            None => {
                if inbox.read_more().await? == 0 {
                    return Err(ConnectionError::ClosedMidMessage);
                }
            }
        }
    };
    match framing {
        Framing::Framed => {
            if !inbox.fill(4).await? {
                return Err(ConnectionError::ClosedMidMessage);
            }
            let b = &inbox.buffer;
            let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
            if len > MAX_MESSAGE_BYTES {
                return Err(ConnectionError::TooLarge(len));
            }
            if !inbox.fill(4 + len).await? {
                return Err(ConnectionError::ClosedMidMessage);
            }
            let message: Vec<u8> = inbox.buffer.drain(..4 + len).skip(4).collect();
            // The frame must hold a message header; the arguments are read by the call.
            Reader::new(&message).read_message_header()?;
            Ok(message)
        }
        Framing::Unframed => {
            let mut skimmer = MessageSkimmer::new();
            loop {
                if let Some(len) = skimmer.advance(&inbox.buffer)? {
                    return Ok(inbox.buffer.drain(..len).collect());
                }
                if inbox.buffer.len() > MAX_MESSAGE_BYTES {
                    return Err(ConnectionError::TooLarge(inbox.buffer.len()));
                }
                if inbox.read_more().await? == 0 {
                    return Err(ConnectionError::ClosedMidMessage);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_tell_the_framing() {
        let cases: &[(&[u8], Option<Framing>, bool)] = &[
            (&[0x80], Some(Framing::Unframed), true),
            (&[0x80, 0x01, 0, 1, 0, 0], Some(Framing::Unframed), true),
            (&[0, 0, 0, 30, 0x80, 0x01], Some(Framing::Framed), true),
            (&[0, 0, 0, 30], None, true),
            (&[0, 0, 0, 30, 0x82, 0x21], None, false),
            (&[0x82, 0x21], None, false),
            (b"GET / HTTP/1.1", None, false),
            (b"POST / HTTP/1.1", None, false),
            (&[0, 0, 0, 3, b'a', b'b'], None, false),
        ];
        for (bytes, framing, ok) in cases {
            match detect(bytes) {
                Ok(found) => {
                    assert!(*ok, "{bytes:?} accepted as {found:?}");
                    assert_eq!(found, *framing, "{bytes:?}");
                }
                Err(error) => assert!(!ok, "{bytes:?} refused: {error}"),
            }
        }
    }
}
