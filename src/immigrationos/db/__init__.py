"""Database: the declarative base, the engine, sessions and migrations."""
