"""Pure domain rules: no I/O, no database, no clock of their own.

Every rule takes plain values (dates, counts, settings) and returns either
nothing (allowed) or a `Violation` carrying the rule's code (catalogued in
rules/catalogue.py, explained in docs/rules.md) and a message in Chinese and English.
"""
