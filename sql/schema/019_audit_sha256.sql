-- `retentiond audit verify FILE` looks a file's SHA-256 up among the
-- exports and the bulletins served (docs/report.md): through this index,
-- not the whole log, which holds a row for every sign-in and, since
-- bulletin_download, every bulletin viewed.
CREATE INDEX audit_sha256 ON kpi.audit_log ((params->>'sha256'))
    WHERE action IN ('export', 'bulletin_download');
