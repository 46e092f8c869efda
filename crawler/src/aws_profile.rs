//! The shared AWS config and credentials files, as the AWS CLI reads them: the profile named
//! by `AWS_PROFILE` (`default` otherwise) from `AWS_CONFIG_FILE` (`~/.aws/config`) and
//! `AWS_SHARED_CREDENTIALS_FILE` (`~/.aws/credentials`).

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The profile's settings as `object_store` S3 option names (`aws_access_key_id`,
/// `aws_region`, `aws_endpoint`, ...). Missing files give nothing.
pub(crate) fn settings() -> BTreeMap<String, String> {
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let file = |variable: &str, name: &str| {
        std::env::var_os(variable)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    let mut found = BTreeMap::new();
    // The config file names sections `[profile name]`, except `[default]`.
    let config_section = if profile == "default" {
        profile.clone()
    } else {
        format!("profile {profile}")
    };
    if let Some(text) =
        file("AWS_CONFIG_FILE", "config").and_then(|p| std::fs::read_to_string(p).ok())
    {
        found.extend(section(&text, &config_section));
    }
    if let Some(text) = file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        .and_then(|p| std::fs::read_to_string(p).ok())
    {
        found.extend(section(&text, &profile));
    }
    found
        .into_iter()
        .filter_map(|(key, value)| {
            let option = match key.as_str() {
                "aws_access_key_id" | "aws_secret_access_key" | "aws_session_token" => key,
                "region" => "aws_region".into(),
                "endpoint_url" => "aws_endpoint".into(),
                _ => return None,
            };
            Some((option, value))
        })
        .collect()
}

/// The `key = value` lines of one `[section]` of an INI file.
fn section(text: &str, name: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = header.trim() == name;
            continue;
        }
        if inside && let Some((key, value)) = line.split_once('=') {
            entries.push((key.trim().to_lowercase(), value.trim().to_string()));
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::section;

    #[test]
    fn reads_one_section() {
        let text = "[default]\nregion = us-east-1\n\n[profile minio]\n# local\nregion=eu-west-1\nendpoint_url = http://127.0.0.1:9000\n";
        assert_eq!(
            section(text, "profile minio"),
            vec![
                ("region".to_string(), "eu-west-1".to_string()),
                (
                    "endpoint_url".to_string(),
                    "http://127.0.0.1:9000".to_string()
                )
            ]
        );
        assert_eq!(section(text, "default").len(), 1);
        assert!(section(text, "other").is_empty());
    }
}
