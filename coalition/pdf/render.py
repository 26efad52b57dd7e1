"""Drawing a statement's PDF: the HTML of a `StatementDocument`, and WeasyPrint turning it into a PDF.

Works without a Flask app (command line, benchmarks): the templates are loaded from the app's templates
folder (`coalition.paths`) by a Jinja environment of our own. Nothing is ever fetched for the PDF but files
in the app's own static folder, so no text a member typed can make the renderer open a URL.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup, escape

from coalition.domain import zones
from coalition.paths import STATIC, TEMPLATES, TRANSLATIONS
from coalition.pdf import archival, dates, lines, streams, words
from coalition.pdf import document as document_module
from coalition.pdf.dates import country, day, moment, printed_links
from coalition.pdf.document import PROOF_NAME, Endorsement, Signatory, StatementDocument
from coalition.pdf.lines import (
    POSITION_WIDTH,
    certificate_rows,
    chunks,
    endorsement_line,
    sort_key,
    utc,
)
from coalition.pdf.words import _catalogue as _catalogue
from coalition.pdf.words import labels as labels
from coalition.reads import text as text_module
from coalition.reads.text import render_markdown
from events.personal import ERASED

if TYPE_CHECKING:  # WeasyPrint takes a second to import: only the functions that draw load it
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

TEMPLATE = "pdf/statement.html"
#: Characters of the version hash shown in every page's footer.
SHORT_HASH = 12
#: The source files whose code shapes the PDF (`layout_version` hashes them): this module and the ones it draws with.
LAYOUT_SOURCES = tuple(
    Path(source)
    for source in (
        __file__,
        lines.__file__,
        dates.__file__,
        words.__file__,
        streams.__file__,
        document_module.__file__,
        archival.__file__,
        text_module.__file__,  # the statement's Markdown, as the PDF prints it
    )
)


def status(document: StatementDocument) -> str:
    """What every page of a PDF that is not final says (an open or closed statement's); "" for a final one."""
    words = labels(document.language)
    return str({"open": words["status_open"], "closed": words["status_closed"]}.get(document.phase, ""))


def dateline(document: StatementDocument) -> str:
    """The date under the coalition's name: when the statement was published, else when the PDF was made."""
    words = labels(document.language)
    if document.phase == "published" and document.published_at is not None:  # the day where the coalition is
        there = zones.utc_to_local(document.published_at, document.time_zone).replace(tzinfo=None)
        published = day(there, document.language)
        if document.place:  # as a letter is dated: "Bucharest, 4 December 2026"
            return str(words["issued"]) % {"place": document.place, "date": published}
        return str(words["published_on"]) % {"date": published}
    return str(words["made_on"]) % {"date": day(document.proof.exported_at, document.language)}


def deadline(document: StatementDocument) -> str:
    """The deadline in UTC and in the coalition's zone ("" without one)."""
    return moment(document.deadline, document.language, document.time_zone) if document.deadline else ""


def summary(document: StatementDocument) -> str:
    """The line saying how many organisations from how many countries signed, in the PDF's language."""
    catalogue = _catalogue(document.language)
    if not document.signatories:
        return str(labels(document.language)["no_signatures"])
    organisations, countries = len(document.signatories), document.countries
    return catalogue.gettext("Signed by %(organisations)s from %(countries)s") % {
        "organisations": catalogue.ngettext("%(num)d organisation", "%(num)d organisations", organisations)
        % {"num": organisations},
        "countries": catalogue.ngettext("%(num)d country", "%(num)d countries", countries) % {"num": countries},
    }


def _verify_text(verify_url: str, words: dict[str, Any]) -> Markup:
    link = (
        Markup('<a href="{0}">{0}</a>').format(verify_url)
        if verify_url.startswith(("https://", "http://"))
        else escape(verify_url)
    )
    return escape(words["verify"]).format(
        verify_url=link,
        command=Markup("<code>{}</code>").format(words["verify_command"]),
        proof=Markup("<code>{}</code>").format(PROOF_NAME),
    )


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def layout_version() -> str:
    """A fingerprint of how PDFs are drawn (`LAYOUT_SOURCES`, the template, its stylesheet, the words):
    a new layout after a deploy makes new PDFs rather than serving ones drawn the old way from the cache."""
    digest = hashlib.sha256()
    for source in LAYOUT_SOURCES:
        digest.update(source.read_bytes())
    for name in sorted(p.name for p in (TEMPLATES / "pdf").iterdir()):
        digest.update((TEMPLATES / "pdf" / name).read_bytes())
    for catalogue in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")):  # the PDFs' words
        digest.update(catalogue.read_bytes())
    return digest.hexdigest()[:16]


def erased_signer(signatory: Signatory, language: str) -> Signatory:
    """A signatory whose signer was erased reads "signed on behalf of X by an erased person" (others as they are)."""
    if signatory.signer != ERASED:
        return signatory
    line = _catalogue(language).gettext("signed on behalf of %(organisation)s by an erased person")
    return replace(signatory, signer=line % {"organisation": signatory.organisation}, title="")


def erased_endorser(endorsement: Endorsement, language: str) -> Endorsement:
    """An endorsement by an erased person reads "erased person" (others as they are)."""
    if endorsement.name != ERASED:
        return endorsement
    return replace(endorsement, name=_catalogue(language).gettext("erased person"), title=None)


def signatory_groups(document: StatementDocument) -> list[tuple[str, list[tuple[str, str, str, str, str]]]]:
    """The signatories by country, each country named in the document's language and the countries in the order
    of those names (organisations with no country last): per signatory, the organisation (with the domain of
    the signer's verified e-mail address), the words for a verified member or not, the signer, the title, the day."""
    language = document.language
    words = labels(language)
    grouped: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for s in sorted(document.signatories, key=lambda s: sort_key(s.organisation)):
        s = erased_signer(s, language)
        name = country(s.country, language) or s.country_name or ""
        domain = f" (@{lines.one_line(s.email_domain)})" if s.email_domain else ""
        grouped.setdefault(name, []).append(
            (
                f"{lines.one_line(s.organisation)}{domain}",
                str(words["verified"] if s.verified else words["unverified"]),
                lines.one_line(s.signer),
                lines.one_line(s.title or ""),
                day(s.signed_at, language, "medium"),
            )
        )
    order = sorted(grouped, key=lambda name: (name == "", sort_key(name)))
    return [(name or str(words["no_country"]), grouped[name]) for name in order]


def statement_html(document: StatementDocument) -> str:
    """The statement as the HTML the PDF is drawn from; every text in it is escaped."""
    proof = document.proof
    words = labels(document.language)
    columns = words["columns"]
    groups, as_table = signatory_groups(document), len(document.signatories) <= lines.TABLE_LIMIT
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            document=document,
            labels=words,
            body=printed_links(render_markdown(document.body, breaks=False)),
            summary=summary(document),
            status=status(document),
            dateline=dateline(document),
            deadline=deadline(document),
            signatories=groups,
            signatory_lines=None if as_table else [(c, [lines.signatory_entry(r) for r in rows]) for c, rows in groups],
            legend=lines.signatory_legend(words["table"]),
            endorsements=[
                endorsement_line(erased_endorser(e, document.language), lambda m: day(m, document.language, "medium"))
                for e in sorted(document.endorsements, key=lambda e: sort_key(e.name))
            ],
            certificate=chunks(certificate_rows(document)),
            counted=len(document.proof.signatures),
            certificate_header=f"{columns[0]:>{POSITION_WIDTH}}  {columns[1]:<64}  {columns[2]}",
            short_hash=proof.version_hash[:SHORT_HASH],
            exported_at=utc(proof.exported_at),
            verify=_verify_text(document.verify_url, words),
            languages=", ".join(sorted({document.language, *document.languages})),
        )
    )


@cache
def _fetcher_class() -> type[URLFetcher]:
    from weasyprint.urls import URLFetcher

    class StaticOnly(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type information
        """Serves files from the app's static folder and refuses every other URL."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlsplit

            from weasyprint.urls import URLFetcherResponse

            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
            if path is None or not path.is_relative_to(STATIC) or not path.is_file():
                raise ValueError(f"the statement PDF only uses the app's own static files, not {url[:200]!r}")
            return URLFetcherResponse(path.as_uri(), path.read_bytes())

    return StaticOnly


def url_fetcher() -> URLFetcher:
    """The only fetcher the renderer uses: files under the app's static folder, nothing else."""
    return _fetcher_class()()


def _html(html: str) -> HTML:
    from weasyprint import HTML

    return HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=url_fetcher())


def _write(html: str, finisher: Any = streams.compress_streams, **options: Any) -> bytes:
    pdf: bytes = _html(html).write_pdf(uncompressed_pdf=True, finisher=finisher, **options)
    return pdf


def render_pdf(document: StatementDocument) -> bytes:
    """The statement's PDF (A4, PDF/A-3a, tagged: see `archival`), with its proof embedded as the file `PROOF_NAME`,
    an associated file of the document (`/AF`, relationship Data); not yet sealed."""
    from weasyprint import Attachment

    proof = document.proof
    # Dated by the export, not the clock: the same document always gives the same bytes.
    proof_file = Attachment(
        string=proof.to_json(),
        name=PROOF_NAME,
        url_fetcher=url_fetcher(),
        description="The statement's proof: what the PDF certifies, for machines",
        created=proof.exported_at,
        modified=proof.exported_at,
        relationship="Data",
    )
    return _write(
        statement_html(document),
        finisher=archival.finisher(document.language, document.coalition),
        attachments=[proof_file],
        pdf_identifier=True,
        pdf_variant=archival.VARIANT,
    )


def bare_pdf(html: str) -> bytes:
    """A plain WeasyPrint rendering of `html` (no attachment), to compare the cost of ours against."""
    return _write(html)
