"""Mail sources, parsing, threading and sync."""
