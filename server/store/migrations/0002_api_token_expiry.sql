-- 0002_api_token_expiry: API tokens may expire (POST /api/v1/tokens
-- "expires_in_seconds"); NULL means the token never expires.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
