"""UI strings through gettext catalogues: Japanese is the source language and the default,
English is the second locale (app/locale/en/LC_MESSAGES/messages.po).

The .po files are compiled in memory at first use, so no binary .mo file is committed.
"""

import gettext as _gettext
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LOCALES = ("ja", "en")
LOCALE_COOKIE = "lang"

_current_locale: ContextVar[str] = ContextVar("locale", default="ja")


@lru_cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue for a locale; Japanese msgids need none."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == "ja" or not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def set_locale(locale: str) -> None:
    _current_locale.set(locale if locale in LOCALES else "ja")


def current_locale() -> str:
    return _current_locale.get()


def gettext(message: str, **params) -> str:
    """Translate a msgid for the current request's locale, then fill %(name)s parameters."""
    text = translations(current_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params) -> str:
    text = translations(current_locale()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


_ = gettext


def choose_locale(cookie: str | None, accept_language: str | None, default: str) -> str:
    """The cookie's choice, else the first supported Accept-Language, else the default."""
    if cookie in LOCALES:
        return cookie
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LOCALES:
                return tag
    return default


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is defined; translated later where shown."""
    return message
