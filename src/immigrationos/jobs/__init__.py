"""Background jobs: ingest, resolution, targeting, exports and reports run on a queue."""
