"""Webhooks: a coalition's facilitators register endpoints of other systems, which are sent the coalition's
events as they are recorded, signed per the Standard Webhooks spec.

`follow(services, now)` queues deliveries for the new events; `deliver_due(services, now)` sends the due
ones with retries. Both are called by the worker loop. This package never imports the web edge.
"""

from coalition.webhooks.delivery import deliver_due
from coalition.webhooks.follower import follow

__all__ = ["deliver_due", "follow"]
