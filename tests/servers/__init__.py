"""Real servers the integration tests run against (Dovecot IMAP + ManageSieve)."""
