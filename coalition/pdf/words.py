"""Every word a statement PDF prints, in its language where the pages are translated into it (our catalogues),
else in English; part of the layout fingerprint (`coalition.pdf.render.layout_version`)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from coalition.paths import TRANSLATIONS

if TYPE_CHECKING:
    from babel.support import NullTranslations


@cache
def _catalogue(language: str) -> NullTranslations:
    """The gettext catalogue of `language` (English, the msgids, where there is none)."""
    from babel.support import Translations

    return Translations.load(str(TRANSLATIONS), [language])


def labels(language: str) -> dict[str, Any]:
    """Every word the PDF prints, in `language` where the pages are translated into it, else in English."""
    catalogue = _catalogue(language)
    _ = catalogue.gettext
    return {
        "no_signatures": _("No organisation has signed yet."),
        "signatories": _("Signatories"),
        "verified": _("verified by the coalition's facilitators"),
        "unverified": catalogue.pgettext("organisation verification", "not verified"),
        "signatories_note": _("In brackets: the domain of the e-mail address each signer had verified when signing."),
        "endorsements": _("Personal endorsements"),
        "endorsements_note": _("People who endorse the statement in their own name, apart from the organisations."),
        "version": _("Version"),
        "page": _("page"),
        "of": _("of"),
        "certificate": _("Certificate of signatures"),
        "certificate_note": _("What this PDF certifies, as recorded in the platform's hash-chained event log."),
        "statement_id": _("Statement"),
        "version_hash": _("Version hash"),
        "language": _("Language"),
        "languages": _("Languages"),
        "head_position": _("Log position at export"),
        "head_hash": _("Log head hash"),
        "exported_at": _("Exported at (UTC)"),
        "deadline": _("Signing deadline"),
        "time_zone": _("Coalition's time zone"),
        "closes": _("Signing closes %(when)s"),
        "counted": _("Signatures counted"),
        "columns": (_("position"), _("event hash"), _("organisation")),
        "no_counted": _("None."),
        "how_to_verify": _("How to verify"),
        "verify": _(
            "Upload this PDF at {verify_url}, or run {command} on the platform. The PDF carries a seal "
            "by the platform's certificate: any change to the file breaks it. The embedded file {proof} "
            "holds the figures on this page, for machines to check against the log."
        ),
        "verify_command": "flask statements verify-pdf FILE",
        "status_open": _("Open for signature — not final"),
        "status_closed": _("Closed — not published"),
        "published_on": _("Published on %(date)s"),
        "issued": _("%(place)s, %(date)s"),
        "made_on": _("PDF made on %(date)s"),
        "table": (_("Organisation"), _("Signed by"), _("Title"), _("Date")),
        "no_country": _("Country not stated"),
    }
