"""Infrastructure: the bound extensions, the database schema, caches of folded states, kept answers."""
