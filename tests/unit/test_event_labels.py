"""Every event type a coalition's audit history or a webhook form can show has a readable, translated name."""

from __future__ import annotations

import importlib
import pkgutil

from coalition.web.pages.audit_forms import LABELS, label
from coalition.webhooks.subscriptions import deliverable_types


def test_every_type_of_a_coalitions_events_is_named() -> None:
    import coalition

    for module in pkgutil.walk_packages(coalition.__path__, "coalition."):  # every module that may register a type
        if ".migrations" not in module.name:
            importlib.import_module(module.name)

    types = deliverable_types()
    assert "StatementSigned" in types and "MemberVerified" in types  # the registry was filled
    unnamed = sorted(t for t in types if t not in LABELS)
    assert unnamed == [], "name each in coalition/web/pages/audit_forms.py LABELS"
    assert label("MemberVerified") == "Member marked verified"
