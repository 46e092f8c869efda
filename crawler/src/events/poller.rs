//! One pass over an event-mode crawler's SQS queue: receive what is waiting, crawl the
//! folders its messages name, and delete the messages only once that crawl is recorded as
//! completed, so that a crash, a stop or a failed crawl loses nothing: the messages come
//! back after their visibility timeout and are crawled again (which changes nothing when the
//! catalog already has them). Messages that cannot be used go to the dead-letter queue.

use std::collections::HashMap;
use std::time::Duration;

use lakecat_catalog::crawlers::{RecrawlBehavior, RunState};
use lakecat_catalog::{ErrorKind, PageRequest};

use super::message::{ObjectEvent, parse};
use super::sqs::{Message, SqsClient};
use crate::error::Result;
use crate::service::CrawlerService;

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

/// Receives until the queue is empty (or 1,000 messages), each message hidden
/// for `visibility_seconds` (extended while their crawl lasts), and crawls what the messages
/// name for crawler `name`.
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
    let run = crawl_keeping_hidden(
        service,
        sqs,
        name,
        queue,
        events,
        &usable,
        visibility_seconds,
    )
    .await;
    let state = run.as_ref().ok().map(|run| run.summary.state);
    outcome.run_state = state;
    if state == Some(RunState::Completed) {
        sqs.delete(&queue.url, &usable).await?;
        outcome.consumed = usable.len();
    } else {
        outcome.left += usable.len();
        if let Err(error) = run {
            tracing::warn!(crawler = %name, error = %error, "events left in their queue: their crawl did not run");
            if error.kind() == ErrorKind::CrawlerRunning {
                // The running crawl (or one a dead server left, until its lease ends) may end
                // soon: the messages come back after a short pause rather than their whole
                // timeout, and not at once, which would receive and refuse them in a tight
                // loop. A crawl that failed leaves them hidden for their timeout.
                sqs.change_visibility(&queue.url, &usable, BUSY_RETRY_SECONDS)
                    .await?;
            }
        }
    }
    Ok(outcome)
}

/// How soon messages whose crawl could not start (another crawl of the crawler runs) are
/// received again.
pub const BUSY_RETRY_SECONDS: u32 = 2;

/// Crawls `events` for crawler `name`, hiding `messages` again for `visibility_seconds` every
/// half of that while the crawl lasts, so that a crawl longer than the visibility timeout
/// does not see its messages received (and crawled) a second time. When the process dies,
/// the messages come back at most `visibility_seconds` after the last extension.
async fn crawl_keeping_hidden(
    service: &CrawlerService,
    sqs: &SqsClient,
    name: &str,
    queue: &QueueSource,
    events: Vec<ObjectEvent>,
    messages: &[Message],
    visibility_seconds: u32,
) -> Result<lakecat_catalog::crawlers::CrawlRun> {
    let crawl = service.crawl_object_events(name, &queue.arn, events);
    tokio::pin!(crawl);
    let every = Duration::from_millis(u64::from(visibility_seconds.max(2)) * 500);
    let mut extend = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    extend.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            run = &mut crawl => return run,
            _ = extend.tick() => {
                // A failed extension costs at worst a second crawl of the same folders
                // (idempotent); the crawl goes on.
                if let Err(error) = sqs
                    .change_visibility(&queue.url, messages, visibility_seconds)
                    .await
                {
                    tracing::warn!(crawler = %name, %error, "cannot extend the visibility of the events being crawled");
                }
            }
        }
    }
}

/// The visibility timeout the server's poller asks for: the crawl lease, so that the
/// messages of a crawl whose server died come back about when its run is released (the
/// crawl extends them while it lasts). SQS allows 0 to 43,200 seconds.
fn visibility_seconds(lease: Duration) -> u32 {
    u32::try_from(lease.as_secs())
        .unwrap_or(u32::MAX)
        .clamp(10, 43_200)
}

/// The pause between passes when no crawler has a queue.
const IDLE: Duration = Duration::from_secs(2);

/// Polls the queues of every crawler in event mode, one pass after another, until stopped.
#[derive(Debug, Clone)]
pub struct EventPoller {
    service: CrawlerService,
}

impl EventPoller {
    /// A poller crawling through `service`.
    pub fn new(service: CrawlerService) -> EventPoller {
        EventPoller { service }
    }

    /// The (crawler, queue ARN, dead-letter queue ARN) of every event-mode crawler's targets.
    async fn queues(&self) -> Result<Vec<(String, String, Option<String>)>> {
        let mut found = Vec::new();
        let mut page = PageRequest::default();
        loop {
            let listing = self.service.list_crawlers(page).await?;
            for crawler in listing.items {
                let definition = crawler.definition;
                if definition.recrawl_policy.recrawl_behavior != RecrawlBehavior::CrawlEventMode {
                    continue;
                }
                for target in definition.targets.s3_targets {
                    if let Some(queue) = target.event_queue_arn {
                        found.push((definition.name.clone(), queue, target.dlq_event_queue_arn));
                    }
                }
            }
            match listing.next_page_token {
                Some(token) => {
                    page = PageRequest {
                        max_results: None,
                        page_token: Some(token),
                    }
                }
                None => return Ok(found),
            }
        }
    }

    /// Runs passes until `shutdown` completes. A failed pass (a queue unreachable) is logged
    /// and retried after a pause; the SQS client is made from the environment when the first
    /// queue is seen.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut sqs: Option<SqsClient> = None;
        let mut sources: HashMap<String, QueueSource> = HashMap::new();
        loop {
            let pass = async {
                let queues = self.queues().await?;
                if queues.is_empty() {
                    tokio::time::sleep(IDLE).await;
                    return Ok(());
                }
                let client = match &sqs {
                    Some(client) => client.clone(),
                    None => sqs.insert(SqsClient::from_env()?).clone(),
                };
                // Long polling when one queue is watched; short waits when several share
                // the loop.
                let wait = if queues.len() == 1 { 10 } else { 1 };
                for (crawler, arn, dead_letter) in queues {
                    let source = match sources.get(&arn) {
                        Some(source) => source.clone(),
                        None => {
                            let source = QueueSource {
                                url: client.queue_url(&arn).await?,
                                dead_letter_url: match &dead_letter {
                                    Some(dlq) => Some(client.queue_url(dlq).await?),
                                    None => None,
                                },
                                arn: arn.clone(),
                            };
                            sources.insert(arn.clone(), source.clone());
                            source
                        }
                    };
                    let outcome = poll_once(
                        &self.service,
                        &client,
                        &crawler,
                        &source,
                        wait,
                        visibility_seconds(self.service.run_lease()),
                    )
                    .await?;
                    if outcome != PassOutcome::default() {
                        tracing::info!(crawler = %crawler, consumed = outcome.consumed,
                            dead_lettered = outcome.dead_lettered, left = outcome.left,
                            "event queue pass");
                    }
                }
                Ok::<(), crate::error::CrawlError>(())
            };
            tokio::select! {
                () = &mut shutdown => return,
                done = pass => if let Err(error) = done {
                    tracing::warn!(%error, "event queue pass failed; retrying");
                    sources.clear();
                    tokio::time::sleep(IDLE).await;
                },
            }
        }
    }
}
