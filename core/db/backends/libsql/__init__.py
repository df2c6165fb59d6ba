"""Django engine for SQLite files and remote libSQL (Turso) servers; see `base`."""
