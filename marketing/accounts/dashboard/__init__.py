"""The dashboard (SPEC UX-1…3): `selectors` reads the account's figures, `views` shows them.

Its own package because it reads contacts and integrations, which `marketing.accounts.views` (imported by those
apps for `account_required`) must not."""
