"""The runtime every tgpl service stands on: database, unit of work, outbox relay,
idempotent consumers, dead letters, health. Infrastructure only: no business rules here."""
