"""What the portal does, independent of Reflex: each function works in the caller's
database session, and the caller commits (or not) once."""
