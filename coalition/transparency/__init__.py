"""Signed checkpoints of the log (C2SP tlog-checkpoint notes over the RFC 9162 tree) and their proofs."""
