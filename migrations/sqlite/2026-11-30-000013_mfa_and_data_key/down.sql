DROP TABLE login_challenges;
DROP TABLE mfa_recovery_codes;
DROP TABLE mfa_factors;
DROP TABLE keyring;
