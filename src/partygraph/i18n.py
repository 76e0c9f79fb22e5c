"""Chinese first, English second: UI strings are written in Chinese and translated to English.

English translations live in gettext catalogs under locale/en/*.po (one file per
area, merged), read with Babel at start-up; no compile step.
"""

from __future__ import annotations

from functools import lru_cache

from babel.messages.pofile import read_po

from partygraph.config import PACKAGE_DIR

LOCALE_DIR = PACKAGE_DIR / "locale"


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh):
                if message.id and message.string:
                    out[str(message.id)] = str(message.string)
    return out


def translate(text: str, lang: str) -> str:
    if lang == "zh":
        return text
    return catalog(lang).get(text, text)
