"""Reaching people: messages derived from the log by a reactor, kept in an outbox, delivered by a loop.

tables (outbox, preferences) · messages (templates/mail/*.md rendered per language) · reactor (events and
reminders into the outbox) · digest · delivery (claims, retries) · transport (SMTP or .eml files) · compose
(the e-mail, its headers) · worker (the loop) · kinds/ (who hears of what).
"""
