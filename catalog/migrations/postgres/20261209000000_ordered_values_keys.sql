-- lakecat catalog schema: partition values keys in values order.
--
-- A partition's values_key was the SHA-256 (hex) of its values joined by NUL, which sent
-- each new partition to a random page of the unique index partitions_by_values. Keys are
-- now the values joined by U+001F when that is at most 200 bytes, else U+0001 followed by
-- the old digest (see values_key in catalog/src/sql/partitions.rs, which computes the same
-- keys for new partitions and must stay in step with this statement). Stored values were
-- validated on write and hold no control characters, so the plain form is unambiguous.
-- A partition's values are the `values` array of its body, in key order.

UPDATE partitions SET values_key = (
    SELECT CASE
        WHEN octet_length(joined) <= 200 THEN joined
        ELSE chr(1) || partitions.values_key
    END
    FROM (
        SELECT coalesce(string_agg(value, chr(31) ORDER BY position), '') AS joined
        FROM jsonb_array_elements_text(partitions.body::jsonb -> 'values')
            WITH ORDINALITY AS element(value, position)
    ) AS values_joined
);
