"""Key management: the service behind `/key/*` and `flask keys` (one set of functions for both)."""
