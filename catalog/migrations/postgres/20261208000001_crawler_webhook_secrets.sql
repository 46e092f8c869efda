-- lakecat catalog schema: a crawler's webhook secret (docs/decisions/0005-event-driven-crawls.md),
-- which a store's notifications present to POST /v1/crawlers/{name}/events instead of an
-- editor token. Only its SHA-256 (hex) is kept; NULL when the crawler has none.

ALTER TABLE crawlers ADD COLUMN webhook_secret_sha256 TEXT;
