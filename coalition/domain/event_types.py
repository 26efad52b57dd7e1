"""The registry of every event type the application records.

The coalition, organisation and statement domains register their event schemas here.
"""

from events import Registry

registry = Registry()
