"""The read layer: what pages, the API, the PDF and notifications read, from projection rows and the domain's rules."""
