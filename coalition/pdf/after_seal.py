"""What may follow the seal in a statement PDF: validation data only.

A PDF sealed at B-LT carries its validation data in an incremental update after the seal, so the seal covers its
own revision, not the whole file. The rule (README, "PDFs sealed at B-LT"; the offline tools/verify_statement.py
applies the same one by comparing every object): later updates may add a document
security store (DSS: certificates, CRLs, OCSP responses, VRI) and invisible document timestamps, and may refresh
the producer and modification dates of the document information and the XMP metadata; nothing else.

The platform judges it with pyHanko's difference analysis under `SEAL_DIFF_POLICY`: pyHanko's default policy,
except that its rules for the document information and the XMP metadata (which let any of their entries change,
the title included) are narrowed to those refreshed entries. The modification level must then stay within
`LTA_UPDATES` (`timestamps.only_validation_data_after`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, RawPdfPath
from pyhanko.sign.diff_analysis import (
    CatalogModificationRule,
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    GenericFieldModificationRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    ReferenceUpdate,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    SuspiciousModification,
    XrefStreamRule,
)
from pyhanko.sign.diff_analysis.commons import safe_whitelist
from pyhanko.sign.diff_analysis.rules_api import Context

#: The document information entries writers refresh in any update.
INFO_REFRESHED = frozenset({"/ModDate", "/Producer"})
#: The XMP properties writers refresh in any update (as elements or attributes).
XMP_REFRESHED = re.compile(rb"(xmp:ModifyDate|xmp:MetadataDate|pdf:Producer)(>[^<]*<|=\"[^\"]*\")")


class RefreshedDocInfoRule(DocInfoRule):
    """The document information may change only in `INFO_REFRESHED`, in place (pyHanko's rule allows anything)."""

    def apply(self, old: HistoricalResolver, new: HistoricalResolver) -> Iterable[ReferenceUpdate]:
        old_ref = old.trailer_view.get_value_as_reference("/Info", optional=True)
        new_ref = new.trailer_view.get_value_as_reference("/Info", optional=True)
        if old_ref != new_ref:
            raise SuspiciousModification("an update after the seal replaced the document information")
        if new_ref is None:
            return
        before, after = old.get_object(old_ref), new.get_object(new_ref)
        if not isinstance(before, generic.DictionaryObject) or not isinstance(after, generic.DictionaryObject):
            raise SuspiciousModification("the document information is not a dictionary")
        changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
        if changed - INFO_REFRESHED:
            raise SuspiciousModification("an update after the seal changed the document information")
        checked = Context.from_absolute(old, RawPdfPath("/Info"))
        yield from map(ReferenceUpdate.curry_ref(context_checked=checked), safe_whitelist(old, old_ref, new_ref))


class RefreshedMetadataRule(MetadataUpdateRule):
    """The XMP metadata may change only in `XMP_REFRESHED` (pyHanko's rule checks only that it is well-formed)."""

    def apply(self, old: HistoricalResolver, new: HistoricalResolver) -> Iterable[ReferenceUpdate]:
        old_ref = old.root.get_value_as_reference("/Metadata", optional=True)
        new_ref = new.root.get_value_as_reference("/Metadata", optional=True)
        if (old_ref is None) != (new_ref is None):
            raise SuspiciousModification("an update after the seal added or removed the XMP metadata")
        if old_ref is not None:
            before, after = old.get_object(old_ref), new.get_object(new_ref)
            if not isinstance(before, generic.StreamObject) or not isinstance(after, generic.StreamObject):
                raise SuspiciousModification("the XMP metadata is not a stream")
            if XMP_REFRESHED.sub(rb"\1", before.data) != XMP_REFRESHED.sub(rb"\1", after.data):
                raise SuspiciousModification("an update after the seal changed the XMP metadata")
        yield from super().apply(old, new)


#: pyHanko's DEFAULT_DIFF_POLICY with the document information and XMP metadata rules narrowed.
SEAL_DIFF_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(),  # type: ignore[no-untyped-call]
        RefreshedDocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
        RefreshedMetadataRule().as_qualified(ModificationLevel.LTA_UPDATES),  # type: ignore[no-untyped-call]
    ],
    form_rule=FormUpdatingRule(
        field_rules=[
            SigFieldCreationRule(),  # type: ignore[no-untyped-call]
            SigFieldModificationRule(),
            GenericFieldModificationRule(),
        ]
    ),
)
