-- Replace raw user identifiers (event users and ticket requesters alike) by their pseudonyms.
-- Input:  staged, user_pseudonyms(raw, pseudonym) -- one row per DISTINCT raw value that is not already
--         a pseudonym, computed with kbops.identity.user_pseudonym (HMAC-SHA256 with the configured
--         salt; SQL has no HMAC)
-- Output: staged, with no raw identifier left in "user".
UPDATE staged
SET "user" = p.pseudonym
FROM user_pseudonyms AS p
WHERE staged."user" = p.raw;
