//! `/v1/classifiers:test`: a custom classifier's definition tried on a sample before it is
//! stored, with what a crawl would infer from a file holding the sample.

use lakecat_catalog::crawlers::ClassifierInput;
use lakecat_crawler::sample::{MAX_SAMPLE_BYTES, SampleOutcome, classify_sample};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Json;
use crate::error::{ApiError, ApiResult, ErrorResponse};

/// A definition and a sample to try it on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClassifierSampleRequest {
    /// The classifier, as it would be created.
    pub classifier: ClassifierInput,
    /// A few lines of a file, at most 64 KiB.
    pub sample: String,
}

/// A column inferred from the sample.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SampleColumnAnswer {
    /// Its name.
    pub name: String,
    /// Its Hive type.
    #[serde(rename = "type")]
    pub type_name: String,
}

/// What the classifier made of the sample.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ClassifierSampleAnswer {
    /// Whether the sample is of the classifier's format.
    pub matched: bool,
    /// The `classification` a table would get.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// How sure the classifier is, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certainty: Option<f64>,
    /// The columns a table would get.
    pub columns: Vec<SampleColumnAnswer>,
    /// What a crawl would report.
    pub warnings: Vec<String>,
    /// Why the sample, of the classifier's format, cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Tries a custom classifier on a sample; nothing is stored. A definition that would be
/// refused on creation is refused here, with the same message.
#[utoipa::path(
    post,
    path = "/v1/classifiers:test",
    tag = "classifiers",
    request_body = ClassifierSampleRequest,
    responses(
        (status = 200, body = ClassifierSampleAnswer),
        (status = 400, description = "Invalid definition, or a sample over 64 KiB", body = ErrorResponse),
    )
)]
pub(super) async fn test_classifier(
    Json(request): Json<ClassifierSampleRequest>,
) -> ApiResult<Json<ClassifierSampleAnswer>> {
    if request.sample.len() > MAX_SAMPLE_BYTES {
        return Err(ApiError::invalid(format!(
            "sample: at most {MAX_SAMPLE_BYTES} bytes (got {})",
            request.sample.len()
        )));
    }
    let outcome = classify_sample(&request.classifier, &request.sample).await?;
    let unmatched = |error: Option<String>| ClassifierSampleAnswer {
        matched: false,
        classification: None,
        certainty: None,
        columns: Vec::new(),
        warnings: Vec::new(),
        error,
    };
    Ok(Json(match outcome {
        SampleOutcome::Matched {
            classification,
            certainty,
            columns,
            warnings,
        } => ClassifierSampleAnswer {
            matched: true,
            classification: Some(classification),
            certainty: Some(certainty),
            columns: columns
                .into_iter()
                .map(|column| SampleColumnAnswer {
                    name: column.name,
                    type_name: column.type_name,
                })
                .collect(),
            warnings,
            error: None,
        },
        SampleOutcome::NotMatched => unmatched(None),
        SampleOutcome::Unreadable(reason) => unmatched(Some(reason)),
    }))
}
