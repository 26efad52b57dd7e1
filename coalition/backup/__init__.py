"""Backups of the whole instance: the log, accounts, every other table but the read models, and the keys."""
