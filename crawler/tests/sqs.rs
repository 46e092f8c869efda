//! The SQS client against moto's server (S3 and SQS on one port): S3 event notifications
//! delivered to a queue are received, read as object events, deleted once; an unusable
//! message goes to a dead-letter queue with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use lakecat_crawler::events::sqs::SqsClient;
use lakecat_crawler::events::{ObjectChange, parse};
use lakecat_testkit::moto::Moto;

fn python() -> std::path::PathBuf {
    let python = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/python-env first",
        python.display()
    );
    python
}

fn start_moto() -> Moto {
    Moto::start(&python()).unwrap()
}

/// Runs boto3 against moto: `script` sees `s3` and `endpoint`.
fn boto3(endpoint: &str, script: &str) {
    let program = format!(
        "import boto3, json\nendpoint = {endpoint:?}\n\
         s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\n{script}"
    );
    let output = Command::new(python())
        .args(["-c", &program])
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn s3_notifications_arrive_are_read_and_are_deleted_once() {
    let moto = start_moto();
    let sqs = SqsClient::with_keys(&moto.endpoint, "us-east-1", "testing", "testing").unwrap();
    for name in ["lake-events", "lake-events-dlq"] {
        sqs.call("CreateQueue", serde_json::json!({"QueueName": name}))
            .await
            .unwrap();
    }
    let queue = sqs
        .queue_url("arn:aws:sqs:us-east-1:123456789012:lake-events")
        .await
        .unwrap();
    let dlq = sqs
        .queue_url("arn:aws:sqs:us-east-1:123456789012:lake-events-dlq")
        .await
        .unwrap();
    boto3(
        &moto.endpoint,
        "s3.create_bucket(Bucket='lake')\n\
         s3.put_bucket_notification_configuration(Bucket='lake', NotificationConfiguration={\
         'QueueConfigurations': [{'QueueArn': 'arn:aws:sqs:us-east-1:123456789012:lake-events', \
         'Events': ['s3:ObjectCreated:*', 's3:ObjectRemoved:*']}]})\n\
         s3.put_object(Bucket='lake', Key='sales/year=2024/part 0.parquet', Body=b'PAR1')\n\
         s3.delete_object(Bucket='lake', Key='sales/year=2024/part 0.parquet')\n",
    );

    // Long polling gathers what arrived; the test event says nothing.
    let mut received = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while received.len() < 3 && Instant::now() < deadline {
        received.extend(sqs.receive(&queue, 1, 30).await.unwrap());
    }
    let mut events = Vec::new();
    for message in &received {
        events.extend(parse(&message.body).unwrap().events);
    }
    let seen: Vec<(String, ObjectChange)> = events.iter().map(|e| (e.url(), e.change)).collect();
    assert_eq!(
        seen,
        [
            (
                "s3://lake/sales/year=2024/part 0.parquet".to_string(),
                ObjectChange::Created
            ),
            (
                "s3://lake/sales/year=2024/part 0.parquet".to_string(),
                ObjectChange::Removed
            ),
        ],
        "{received:#?}"
    );

    // Deleted messages do not come back; others would.
    sqs.delete(&queue, &received).await.unwrap();
    assert!(sqs.receive(&queue, 0, 30).await.unwrap().is_empty());

    // A message that cannot be used goes to the dead-letter queue, with why.
    sqs.send(&dlq, "not json", "unusable event notification: not JSON")
        .await
        .unwrap();
    let dead = sqs.receive(&dlq, 1, 30).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "not json");

    // SQS's own errors are named.
    let missing = sqs
        .queue_url("arn:aws:sqs:us-east-1:123456789012:no-such-queue")
        .await
        .unwrap_err();
    assert!(
        missing.to_string().contains("QueueDoesNotExist")
            || missing.to_string().contains("NonExistentQueue"),
        "{missing}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poll_pass_deletes_messages_only_once_their_crawl_completed() {
    use lakecat_catalog::crawlers::{RecrawlBehavior, RecrawlPolicy, RunState};
    use lakecat_crawler::events::poller::{QueueSource, poll_once};
    use lakecat_crawler::{CrawlOptions, CrawlerService, Report, Runner};
    use lakecat_testkit::lake::{Columns, write_parquet};
    use std::sync::Arc;

    let moto = start_moto();
    let sqs = SqsClient::with_keys(&moto.endpoint, "us-east-1", "testing", "testing").unwrap();
    for name in ["live", "live-dlq"] {
        sqs.call("CreateQueue", serde_json::json!({"QueueName": name}))
            .await
            .unwrap();
    }
    let arn = "arn:aws:sqs:us-east-1:123456789012:live";
    let queue = QueueSource {
        arn: arn.into(),
        url: sqs.queue_url(arn).await.unwrap(),
        dead_letter_url: Some(
            sqs.queue_url("arn:aws:sqs:us-east-1:123456789012:live-dlq")
                .await
                .unwrap(),
        ),
    };
    let env = support::Env::new().await;
    let service = CrawlerService::new(env.catalog.clone(), env.crawlers.clone());
    let crawler = lakecat_catalog::crawlers::CrawlerInput {
        recrawl_policy: RecrawlPolicy {
            recrawl_behavior: RecrawlBehavior::CrawlEventMode,
        },
        ..env.crawler("live")
    };
    service.create_crawler(crawler.clone()).await.unwrap();
    let lake = env.lake().canonicalize().unwrap();
    let announce = |relative: &str| {
        serde_json::json!({"changes": [{"url": format!("file://{}/{relative}", lake.display())}]})
            .to_string()
    };
    let send = |body: String| {
        let sqs = sqs.clone();
        let url = queue.url.clone();
        async move {
            sqs.call(
                "SendMessage",
                serde_json::json!({"QueueUrl": url, "MessageBody": body}),
            )
            .await
            .unwrap();
        }
    };
    let partitions = || env.partitions("live", "sales");
    let month = |m: &str| format!("sales/year=2024/month={m}/part-0.parquet");

    write_parquet(&lake.join(month("01")), Columns::Base, 5).unwrap();
    send(announce(&month("01"))).await;
    let first = poll_once(&service, &sqs, &crawler.name, &queue, 1, 30)
        .await
        .unwrap();
    assert_eq!(
        (first.consumed, first.run_state),
        (1, Some(RunState::Completed))
    );

    // A new partition and a message nobody can read: one crawled, one dead-lettered.
    write_parquet(&lake.join(month("02")), Columns::Base, 5).unwrap();
    send(announce(&month("02"))).await;
    send("not json".into()).await;
    let second = poll_once(&service, &sqs, &crawler.name, &queue, 1, 30)
        .await
        .unwrap();
    assert_eq!(
        (second.consumed, second.dead_lettered),
        (1, 1),
        "{second:?}"
    );
    assert_eq!(partitions().await.len(), 2);
    let dead = sqs
        .receive(queue.dead_letter_url.as_ref().unwrap(), 1, 30)
        .await
        .unwrap();
    assert_eq!(dead[0].body, "not json");
    assert!(sqs.receive(&queue.url, 0, 30).await.unwrap().is_empty());

    // The same message again changes nothing.
    send(announce(&month("02"))).await;
    let again = poll_once(&service, &sqs, &crawler.name, &queue, 1, 30)
        .await
        .unwrap();
    assert_eq!(again.consumed, 1);
    let last = env.crawlers.get_crawler(&crawler.name).await.unwrap();
    let counts = last.last_crawl.unwrap().counts;
    assert_eq!((counts.partitions_added, counts.partitions_updated), (0, 0));

    // A crawl that cannot run (another holds the crawler) deletes nothing; the message is
    // visible again after a short pause (not its 300 s) and is crawled by the next pass.
    write_parquet(&lake.join(month("03")), Columns::Base, 5).unwrap();
    send(announce(&month("03"))).await;
    let runner = Runner::new(
        env.catalog.clone(),
        env.crawlers.clone(),
        CrawlOptions::default(),
    );
    let holding = runner.start(&crawler.name).await.unwrap();
    let refused = poll_once(&service, &sqs, &crawler.name, &queue, 1, 300)
        .await
        .unwrap();
    assert_eq!((refused.consumed, refused.left), (0, 1), "{refused:?}");
    assert_eq!(partitions().await.len(), 2);
    runner
        .finish(
            holding,
            None,
            Arc::new(Report::default()),
            tokio_util::sync::CancellationToken::new(),
        )
        .await;
    let redelivered = poll_once(&service, &sqs, &crawler.name, &queue, 10, 30)
        .await
        .unwrap();
    assert_eq!(redelivered.consumed, 1, "{redelivered:?}");
    assert_eq!(partitions().await.len(), 3);
}
