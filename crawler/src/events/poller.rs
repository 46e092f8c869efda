//! One pass over an event-mode crawler's SQS queue: receive what is waiting, crawl the
//! folders its messages name, and delete the messages only once that crawl is recorded as
//! completed, so that a crash, a stop or a failed crawl loses nothing: the messages come
//! back after their visibility timeout and are crawled again (which changes nothing when the
//! catalog already has them). Messages that cannot be used go to the dead-letter queue.

use super::message::{ObjectEvent, parse};
use super::sqs::{Message, SqsClient};
use crate::error::Result;
use crate::service::CrawlerService;
use lakecat_catalog::crawlers::RunState;

/// Most messages one pass takes (100 receives of 10) before it crawls.
const MAX_MESSAGES_PER_PASS: usize = 1000;

/// How a pass went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassOutcome {
    /// Messages whose events were crawled and that were deleted.
    pub consumed: usize,
    /// Messages sent to the dead-letter queue (and deleted).
    pub dead_lettered: usize,
    /// Messages left in the queue (unusable without a dead-letter queue, or their crawl did
    /// not complete).
    pub left: usize,
    /// The run of the crawl, if one ran.
    pub run_state: Option<RunState>,
}

/// A crawler's queue and where its unusable messages go.
#[derive(Debug, Clone)]
pub struct QueueSource {
    /// The queue's ARN, recorded as the events' source.
    pub arn: String,
    /// Its URL.
    pub url: String,
    /// The dead-letter queue's URL, if any.
    pub dead_letter_url: Option<String>,
}

/// Receives until the queue is empty (or [`MAX_MESSAGES_PER_PASS`]), each message hidden
/// for `visibility_seconds`, and crawls what the messages name for crawler `name`.
pub async fn poll_once(
    service: &CrawlerService,
    sqs: &SqsClient,
    name: &str,
    queue: &QueueSource,
    wait_seconds: u32,
    visibility_seconds: u32,
) -> Result<PassOutcome> {
    let mut messages: Vec<Message> = Vec::new();
    loop {
        let wait = if messages.is_empty() { wait_seconds } else { 0 };
        let received = sqs.receive(&queue.url, wait, visibility_seconds).await?;
        if received.is_empty() {
            break;
        }
        messages.extend(received);
        if messages.len() >= MAX_MESSAGES_PER_PASS {
            break;
        }
    }
    let mut outcome = PassOutcome::default();
    let mut usable = Vec::new();
    let mut events: Vec<ObjectEvent> = Vec::new();
    for message in messages {
        match parse(&message.body) {
            Ok(notification) => {
                events.extend(notification.events);
                usable.push(message);
            }
            Err(error) => match &queue.dead_letter_url {
                Some(dead_letter) => {
                    sqs.send(dead_letter, &message.body, &error.to_string())
                        .await?;
                    sqs.delete(&queue.url, std::slice::from_ref(&message))
                        .await?;
                    outcome.dead_lettered += 1;
                }
                None => {
                    tracing::warn!(crawler = %name, message = %message.id, error = %error, "unusable event message left in its queue");
                    outcome.left += 1;
                }
            },
        }
    }
    if usable.is_empty() {
        return Ok(outcome);
    }
    let run = service.crawl_object_events(name, &queue.arn, events).await;
    let state = run.as_ref().ok().map(|run| run.summary.state);
    outcome.run_state = state;
    if state == Some(RunState::Completed) {
        sqs.delete(&queue.url, &usable).await?;
        outcome.consumed = usable.len();
    } else {
        outcome.left += usable.len();
        if let Err(error) = run {
            tracing::warn!(crawler = %name, error = %error, "events left in their queue: their crawl did not run");
        }
    }
    Ok(outcome)
}
