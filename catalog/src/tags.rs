//! Tags (Glue's `TagResource`): key/value labels on databases, tables, crawlers and
//! classifiers, which go with the object they label.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::service::Catalog;

/// Most tags on one object, and in one request (Glue's limit).
pub const MAX_TAGS: usize = 50;
/// Longest tag key, in characters (Glue's limit).
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Longest tag value, in characters (Glue's limit).
pub const MAX_TAG_VALUE_CHARS: usize = 256;

/// Tags, by key.
pub type Tags = BTreeMap<String, String>;

/// An object that can carry tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tagged {
    /// A database, by name.
    Database(String),
    /// A table, by database and table name.
    Table(String, String),
    /// A crawler, by name.
    Crawler(String),
    /// A custom classifier, by name.
    Classifier(String),
}

impl Tagged {
    /// The same object with database and table names folded to lower case.
    fn normalized(self) -> Tagged {
        match self {
            Tagged::Database(name) => Tagged::Database(name.to_lowercase()),
            Tagged::Table(database, name) => {
                Tagged::Table(database.to_lowercase(), name.to_lowercase())
            }
            other => other,
        }
    }
}

fn check_count(field: &str, count: usize) -> Result<()> {
    if count > MAX_TAGS {
        return Err(Error::invalid(format!(
            "{field}: at most {MAX_TAGS} tags per request (got {count})"
        )));
    }
    Ok(())
}

fn check_key(field: &str, key: &str) -> Result<()> {
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_TAG_KEY_CHARS {
        return Err(Error::invalid(format!(
            "{field}: tag keys are 1 to {MAX_TAG_KEY_CHARS} characters (got {chars})"
        )));
    }
    Ok(())
}

/// Checks tags to add against Glue's limits: at most [`MAX_TAGS`], keys 1 to
/// [`MAX_TAG_KEY_CHARS`] characters, values up to [`MAX_TAG_VALUE_CHARS`].
pub fn check_tags(tags: &Tags) -> Result<()> {
    check_count("TagsToAdd", tags.len())?;
    for (key, value) in tags {
        check_key("TagsToAdd", key)?;
        let chars = value.chars().count();
        if chars > MAX_TAG_VALUE_CHARS {
            return Err(Error::invalid(format!(
                "TagsToAdd: the value of {key} is {chars} characters; at most \
                 {MAX_TAG_VALUE_CHARS}"
            )));
        }
    }
    Ok(())
}

impl Catalog {
    /// The object's tags.
    pub async fn get_tags(&self, object: Tagged) -> Result<Tags> {
        self.store.get_tags(&object.normalized()).await
    }

    /// Adds tags to an object, replacing the values of keys it has. An object carries at
    /// most [`MAX_TAGS`] tags.
    pub async fn tag(&self, object: Tagged, tags: Tags) -> Result<()> {
        check_tags(&tags)?;
        self.store.tag(&object.normalized(), &tags).await
    }

    /// Removes tags from an object by key; keys it does not have are ignored.
    pub async fn untag(&self, object: Tagged, keys: Vec<String>) -> Result<()> {
        check_count("TagsToRemove", keys.len())?;
        for key in &keys {
            check_key("TagsToRemove", key)?;
        }
        self.store.untag(&object.normalized(), &keys).await
    }
}
