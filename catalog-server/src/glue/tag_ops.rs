//! Glue's tag operations (`TagResource`, `UntagResource`, `GetTags`) on databases, tables,
//! crawlers and classifiers, addressed by ARN: `arn:aws:glue:REGION:ACCOUNT:database/NAME`,
//! `table/DATABASE/NAME`, `crawler/NAME` or `classifier/NAME`. Any region and account are
//! accepted, as clients build ARNs from their own configuration.

use lakecat_catalog::{Tagged, Tags};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::GlueError;
use crate::auth::Role;
use crate::state::AppState;

use super::operations::Reply;

/// The object an ARN names, or `InvalidInputException` saying what is wrong with it.
fn tagged(arn: &str) -> Result<Tagged, GlueError> {
    let malformed = |why: &str| {
        GlueError::invalid(format!(
            "ResourceArn {arn:?} is not a Glue ARN lakecat can tag: {why}"
        ))
    };
    if arn.is_empty() {
        return Err(GlueError::invalid("ResourceArn is required"));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return Err(malformed("expected arn:aws:glue:REGION:ACCOUNT:TYPE/NAME"));
    };
    if prefix != "arn" || !partition.starts_with("aws") || service != "glue" {
        return Err(malformed("expected arn:aws:glue:REGION:ACCOUNT:TYPE/NAME"));
    }
    if region.is_empty() || account.is_empty() {
        return Err(malformed("the region and account must not be empty"));
    }
    let (kind, path) = resource
        .split_once('/')
        .ok_or_else(|| malformed("the resource must be TYPE/NAME"))?;
    let parts: Vec<&str> = path.split('/').collect();
    let nonempty = parts.iter().all(|p| !p.is_empty());
    match (kind, &parts[..]) {
        ("database", [name]) if nonempty => Ok(Tagged::Database(name.to_string())),
        ("table", [database, name]) if nonempty => {
            Ok(Tagged::Table(database.to_string(), name.to_string()))
        }
        ("crawler", [name]) if nonempty => Ok(Tagged::Crawler(name.to_string())),
        ("classifier", [name]) if nonempty => Ok(Tagged::Classifier(name.to_string())),
        ("database" | "crawler" | "classifier", _) => {
            Err(malformed(&format!("expected {kind}/NAME")))
        }
        ("table", _) => Err(malformed("expected table/DATABASE/NAME")),
        _ => Err(malformed(
            "lakecat tags databases, tables, crawlers and classifiers",
        )),
    }
}

/// The role tagging or untagging the object a request's `ResourceArn` names needs: tagging
/// an object changes it, which is an admin's for crawlers and classifiers, as their other
/// changes are, and an editor's for databases and tables. A request that names nothing
/// taggable needs an editor, and is refused for what it names.
pub(super) fn role_to_tag(body: &[u8]) -> Role {
    let arn = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|request| request["ResourceArn"].as_str().map(str::to_string))
        .unwrap_or_default();
    match tagged(&arn) {
        Ok(Tagged::Crawler(_) | Tagged::Classifier(_)) => Role::Admin,
        Ok(Tagged::Database(_) | Tagged::Table(..)) | Err(_) => Role::Editor,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct TagRequest {
    resource_arn: String,
    tags_to_add: Tags,
    tags_to_remove: Vec<String>,
}

pub(super) async fn tag_resource(state: &AppState, req: TagRequest) -> Reply {
    let object = tagged(&req.resource_arn)?;
    state.catalog.tag(object, req.tags_to_add).await?;
    Ok(json!({}))
}

pub(super) async fn untag_resource(state: &AppState, req: TagRequest) -> Reply {
    let object = tagged(&req.resource_arn)?;
    state.catalog.untag(object, req.tags_to_remove).await?;
    Ok(json!({}))
}

pub(super) async fn get_tags(state: &AppState, req: TagRequest) -> Reply {
    let tags = state.catalog.get_tags(tagged(&req.resource_arn)?).await?;
    Ok(json!({"Tags": tags}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_the_tagged_object() {
        let arn = |resource: &str| format!("arn:aws:glue:us-east-1:123456789012:{resource}");
        assert_eq!(
            tagged(&arn("database/sales")).unwrap(),
            Tagged::Database("sales".into())
        );
        assert_eq!(
            tagged(&arn("table/sales/orders")).unwrap(),
            Tagged::Table("sales".into(), "orders".into())
        );
        assert_eq!(
            tagged(&arn("crawler/nightly")).unwrap(),
            Tagged::Crawler("nightly".into())
        );
        assert_eq!(
            tagged("arn:aws-cn:glue:cn-north-1:1:classifier/logs").unwrap(),
            Tagged::Classifier("logs".into())
        );
        for bad in [
            String::new(),
            "sales".into(),
            "arn:aws:s3:::bucket".into(),
            arn("table/sales"),
            arn("table/sales/"),
            arn("database/"),
            arn("database/a/b"),
            arn("job/etl"),
            arn("catalog"),
            "arn:aws:glue::123456789012:database/sales".into(),
        ] {
            let error = tagged(&bad).unwrap_err();
            assert_eq!(error.kind(), "InvalidInputException", "{bad}");
        }
    }
}
