"""The page forms as a browser sees them: every `<form method="post">` of a page, its action and its fields.

The hostile-input and double-submission tests find the forms by reading the pages, so a new form is
covered without being listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # input type (text, date, datetime-local, number, email, hidden, ...), "textarea" or "select"
    value: str = ""
    required: bool = False
    options: list[str] = field(default_factory=list)
    inputmode: str = ""  # "decimal": a text input for a number with decimals (a progress value, a baseline)


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)

    def data(self) -> dict[str, str]:
        """What a browser sends as the form stands (first option of each select, checkboxes left unticked)."""
        sent: dict[str, str] = {}
        for f in self.fields:
            if f.kind in ("checkbox", "radio", "submit", "button", "file"):
                continue
            if f.kind == "select":
                sent.setdefault(f.name, f.value or next((o for o in f.options if o), ""))
            else:
                sent.setdefault(f.name, f.value)
        return sent

    def texts(self) -> list[Field]:
        """The fields a person types text into."""
        return [f for f in self.fields if f.kind in ("text", "textarea", "email", "url", "search")]

    def named(self, kind: str) -> list[Field]:
        return [f for f in self.fields if f.kind == kind]


class _Forms(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._text: Field | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(a.get("action") or self.page)
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
                if "selected" in a:
                    self._select.value = a.get("value", "")
            return
        elif tag == "input":
            kind, given = a.get("type", "text"), a.get("value", "")
            self._form.fields.append(Field(a["name"], kind, given, "required" in a, inputmode=a.get("inputmode", "")))
        elif tag == "textarea":
            self._text = Field(a["name"], "textarea", "", "required" in a)
            self._form.fields.append(self._text)
        elif tag == "select":
            self._select = Field(a["name"], "select", "", "required" in a)
            self._form.fields.append(self._select)
        elif tag == "button":
            self._form.fields.append(Field(a["name"], "button", a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._text is not None:
            self._text.value = self._text.value.removeprefix("\r\n").removeprefix("\n")  # as browsers read it
            self._text = None
        elif tag == "select":
            self._select = None


def forms_of(page: str, html: str) -> list[Form]:
    """The post forms of the page at `page` (its path), as rendered in `html`."""
    parser = _Forms(page)
    parser.feed(html)
    return parser.forms
