//! A small SQS client: the operations an event-mode crawler needs, in SQS's JSON 1.0
//! protocol (`POST /`, `X-Amz-Target: AmazonSQS.<Operation>`), signed with object_store's
//! SigV4 signer and sent through its HTTP client, so that no AWS SDK joins the tree
//! (decision 0005, §8).

use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::{AwsAuthorizer, AwsCredential, AwsCredentialProvider};
use object_store::client::{ClientOptions, HttpClient, HttpConnector, ReqwestConnector};
use serde_json::{Value, json};

use crate::error::{CrawlError, Result};

/// A message received from a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// SQS's id of the message.
    pub id: String,
    /// What deletes it (valid until its visibility timeout ends).
    pub receipt_handle: String,
    /// Its body.
    pub body: String,
}

/// An SQS endpoint with credentials.
#[derive(Debug, Clone)]
pub struct SqsClient {
    http: HttpClient,
    endpoint: String,
    region: String,
    credentials: AwsCredentialProvider,
}

fn failed(operation: &str, reason: impl std::fmt::Display) -> CrawlError {
    CrawlError::Queue {
        operation: operation.to_string(),
        reason: reason.to_string(),
    }
}

impl SqsClient {
    /// A client of the SQS endpoint `endpoint` (`https://sqs.us-east-1.amazonaws.com`, or a
    /// local server) in `region`.
    pub fn new(
        endpoint: &str,
        region: &str,
        credentials: AwsCredentialProvider,
    ) -> Result<SqsClient> {
        let options = ClientOptions::new().with_allow_http(endpoint.starts_with("http://"));
        let http = ReqwestConnector::default()
            .connect(&options)
            .map_err(|e| failed("connect", e))?;
        Ok(SqsClient {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region: region.to_string(),
            credentials,
        })
    }

    /// A client from the AWS environment, as the crawler's S3 access: the endpoint from
    /// `AWS_ENDPOINT_URL_SQS`, then `AWS_ENDPOINT_URL` (AWS's regional endpoint otherwise),
    /// the region and credentials (keys, session tokens, profiles, instance metadata) as for
    /// S3.
    pub fn from_env() -> Result<SqsClient> {
        use object_store::aws::AmazonS3ConfigKey;
        // The S3 builder resolves the credential chain; the bucket name is never used.
        let builder = crate::location::s3_builder_from_env().with_bucket_name("lakecat-events");
        let region = builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .unwrap_or_else(|| "us-east-1".into());
        let endpoint = std::env::var("AWS_ENDPOINT_URL_SQS")
            .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|_| format!("https://sqs.{region}.amazonaws.com"));
        let store = builder.build().map_err(|e| failed("connect", e))?;
        SqsClient::new(&endpoint, &region, store.credentials().clone())
    }

    /// A client with static credentials.
    pub fn with_keys(
        endpoint: &str,
        region: &str,
        key_id: &str,
        secret_key: &str,
    ) -> Result<SqsClient> {
        let credential = AwsCredential {
            key_id: key_id.to_string(),
            secret_key: secret_key.to_string(),
            token: None,
        };
        SqsClient::new(
            endpoint,
            region,
            Arc::new(object_store::StaticCredentialProvider::new(credential)),
        )
    }

    /// Calls `operation` with `input`; SQS's error (`__type`, `message`) becomes the reason.
    pub async fn call(&self, operation: &str, input: Value) -> Result<Value> {
        let credential = self
            .credentials
            .get_credential()
            .await
            .map_err(|e| failed(operation, e))?;
        let body = Bytes::from(input.to_string());
        let mut request = http::Request::builder()
            .method(http::Method::POST)
            .uri(format!("{}/", self.endpoint))
            .header("x-amz-target", format!("AmazonSQS.{operation}"))
            .header("content-type", "application/x-amz-json-1.0")
            .body(body.into())
            .map_err(|e| failed(operation, e))?;
        AwsAuthorizer::new(&credential, "sqs", &self.region).authorize(&mut request, None);
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| failed(operation, e))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .bytes()
            .await
            .map_err(|e| failed(operation, e))?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| {
                failed(
                    operation,
                    format!(
                        "{status}, not JSON ({e}): {}",
                        String::from_utf8_lossy(&bytes)
                    ),
                )
            })?
        };
        if !status.is_success() {
            let kind = value["__type"].as_str().unwrap_or("error");
            let message = value["message"]
                .as_str()
                .or_else(|| value["Message"].as_str())
                .unwrap_or_default();
            // Clients drop the namespace before `#` of the error's type.
            let kind = kind.rsplit('#').next().unwrap_or(kind);
            return Err(failed(operation, format!("{status} {kind}: {message}")));
        }
        Ok(value)
    }

    /// The URL of the queue an ARN (`arn:aws:sqs:region:account:name`) names.
    pub async fn queue_url(&self, arn: &str) -> Result<String> {
        let parts: Vec<&str> = arn.split(':').collect();
        let [_, _, _, _, account, name] = parts.as_slice() else {
            return Err(failed("GetQueueUrl", format!("{arn:?} is not a queue ARN")));
        };
        let answer = self
            .call(
                "GetQueueUrl",
                json!({"QueueName": name, "QueueOwnerAWSAccountId": account}),
            )
            .await?;
        answer["QueueUrl"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| failed("GetQueueUrl", "no QueueUrl in the answer"))
    }

    /// Up to 10 messages, waiting up to `wait_seconds` (0 to 20) for one, each hidden from
    /// other receivers for `visibility_seconds`.
    pub async fn receive(
        &self,
        queue_url: &str,
        wait_seconds: u32,
        visibility_seconds: u32,
    ) -> Result<Vec<Message>> {
        let answer = self
            .call(
                "ReceiveMessage",
                json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 10,
                    "WaitTimeSeconds": wait_seconds.min(20),
                    "VisibilityTimeout": visibility_seconds}),
            )
            .await?;
        let Some(messages) = answer["Messages"].as_array() else {
            return Ok(Vec::new());
        };
        messages
            .iter()
            .map(|m| {
                let text = |key: &str| {
                    m[key]
                        .as_str()
                        .map(str::to_string)
                        .ok_or_else(|| failed("ReceiveMessage", format!("a message without {key}")))
                };
                Ok(Message {
                    id: text("MessageId")?,
                    receipt_handle: text("ReceiptHandle")?,
                    body: text("Body")?,
                })
            })
            .collect()
    }

    /// Deletes received messages, 10 per request; a message SQS could not delete fails the
    /// call (it will be received again, which is harmless).
    pub async fn delete(&self, queue_url: &str, messages: &[Message]) -> Result<()> {
        for chunk in messages.chunks(10) {
            let entries: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, m)| json!({"Id": i.to_string(), "ReceiptHandle": m.receipt_handle}))
                .collect();
            let answer = self
                .call(
                    "DeleteMessageBatch",
                    json!({"QueueUrl": queue_url, "Entries": entries}),
                )
                .await?;
            if let Some(failure) = answer["Failed"].as_array().and_then(|f| f.first()) {
                return Err(failed(
                    "DeleteMessageBatch",
                    format!(
                        "{}: {}",
                        failure["Code"].as_str().unwrap_or("failed"),
                        failure["Message"].as_str().unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Hides received messages for `seconds` from now (0 makes them visible again at
    /// once): to keep them from other receivers while their crawl lasts, or to have them
    /// back soon when their crawl could not start.
    pub async fn change_visibility(
        &self,
        queue_url: &str,
        messages: &[Message],
        seconds: u32,
    ) -> Result<()> {
        for chunk in messages.chunks(10) {
            let entries: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    json!({"Id": i.to_string(), "ReceiptHandle": m.receipt_handle,
                        "VisibilityTimeout": seconds})
                })
                .collect();
            self.call(
                "ChangeMessageVisibilityBatch",
                json!({"QueueUrl": queue_url, "Entries": entries}),
            )
            .await?;
        }
        Ok(())
    }

    /// Sends `body` to a queue (a dead-letter queue), saying why in the message attribute
    /// `lakecat-reason`.
    pub async fn send(&self, queue_url: &str, body: &str, reason: &str) -> Result<()> {
        self.call(
            "SendMessage",
            json!({"QueueUrl": queue_url, "MessageBody": body,
                "MessageAttributes": {"lakecat-reason":
                    {"DataType": "String", "StringValue": reason}}}),
        )
        .await
        .map(|_| ())
    }
}
