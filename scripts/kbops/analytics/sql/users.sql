-- Replace raw user identifiers (e-mails in events, ticket requesters) by their pseudonyms.
-- Input:  staged, user_pseudonyms(raw, pseudonym) -- one row per DISTINCT raw value, computed with
--         kbops.pii.pseudonymous_id (HMAC-SHA256 with the configured salt; SQL has no HMAC)
-- Output: staged, with no raw identifier left in "user".
UPDATE staged
SET "user" = p.pseudonym
FROM user_pseudonyms AS p
WHERE staged.user_needs_pseudonym AND staged."user" = p.raw;
