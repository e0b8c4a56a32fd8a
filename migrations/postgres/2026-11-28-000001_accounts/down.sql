DROP TABLE service_accounts;
DROP TABLE refresh_tokens;
DROP TABLE users;
