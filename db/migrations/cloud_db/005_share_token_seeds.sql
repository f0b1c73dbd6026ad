-- A share link's token is derived from this random seed and the server's secret (HMAC), so its owner
-- can be shown the token of a live link again, as the Flask system showed a file's `shared_link`,
-- while the database alone (seed and token hash) still opens no link. Links made before keep no seed:
-- their token was shown once, at creation.
alter table share_links add column token_seed text;
