"""The Flask edge: pages, the JSON API, errors, request parsing, hardening, languages."""
