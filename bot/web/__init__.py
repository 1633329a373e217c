"""The web console: operator pages and their JSON API, /metrics, /healthz, and the members'
data centre behind signed links (docs/web.md, ../shared/contracts/web.md)."""
