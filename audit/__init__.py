"""The audit trail: one record schema, a hash chain over it, and a locked S3 archive.

Producers (the gateway's access log, ``ops catalog``) become ``AuditEvent``s; a single
writer seals them into ``AuditRecord``s (sequence, previous hash, own hash) and archives
them in an S3 bucket under Object Lock in COMPLIANCE mode. ``python -m ops audit`` searches
and verifies the archive. The record format is documented in docs/audit.md.
"""
