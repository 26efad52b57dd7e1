import gc
import os

from coalition import create_app
from coalition.infra.warm import warm

app = create_app()
# The campaigns under way folded before this worker takes a request (coalition/infra/warm.py): a worker just
# started after a deploy does not make its first signers wait for a coalition's whole history. Not for a
# `flask --app wsgi ...` command (a migration, the projection worker, a backup), which takes no requests.
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    warm(app)
# What start-up made (modules, the app, its caches) lives as long as the worker: frozen out of the collector, so
# a full collection walks only what requests made since, and no request waits tens of milliseconds behind one.
gc.collect()
gc.freeze()
