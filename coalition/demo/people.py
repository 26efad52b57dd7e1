"""The demo's people: who signs in as whom, and what they do in the story (the README lists them)."""

from __future__ import annotations

PASSWORD = "coalition-demo"

#: e-mail, name, and what they do in the story (the README lists them).
PEOPLE = {
    "ioana": ("ioana@raurisicurate.ro", "Ioana Popescu", "facilitator; administrator of Asociația Râuri Curate"),
    "piotr": ("piotr@czystawisla.pl", "Piotr Nowak", "administrator of Fundacja Czysta Wisła"),
    "marta": ("marta@czystawisla.pl", "Marta Kowalska", "liaison and mandated signer of Fundacja Czysta Wisła"),
    "aino": ("aino@vesiyhdistys.fi", "Aino Virtanen", "administrator and liaison of Suomen Vesiyhdistys"),
    "georgi": ("georgi@dunavnetwork.bg", "Georgi Petrov", "administrator of Dunav Civic Network"),
    "eszter": ("eszter@waterpolicy.hu", "Eszter Nagy", "administrator of the Institute for Water Policy; endorser"),
    "andrei": ("andrei@sfantulnicolae.ro", "Andrei Ionescu", "administrator of a trust whose request is pending"),
}
