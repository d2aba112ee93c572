"""The record index: every source's current records and their versions, searchable."""
