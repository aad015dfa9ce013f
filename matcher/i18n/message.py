"""A message that still reads as text: a catalogue key with its parameters.

Code that records something for a person to read later — a loader's problem ("expected one
of the 38 provinces ..."), a field rule — does not know that person's language. It records
a :class:`Message`; each surface renders it in its reader's language: the CLI in
``$MATCHER_LANG`` (Indonesian by default), a web page in the viewer's choice, an API error
in the server's. So a page, a terminal and an API answer say the same thing in the same
words.

A Message *is* a ``str`` (its English rendering), so code that only needs some text — a
log line, an exception, ``"missing" in problem.expected`` — keeps working; :func:`text_in`
renders any value (Message or plain text) for a reader. Parameters may be Messages
themselves (a hint inside a rule) and are rendered in the same language.
"""

from __future__ import annotations

from matcher.i18n.catalogue import t


def _render(key: str, lang: str | None, params: dict) -> str:
    return t(key, lang, **{k: text_in(v, lang) for k, v in params.items()})


class Message(str):
    """``Message("data.rule.required")``: the text of ``key`` with ``params``; as a ``str``,
    the English text."""

    key: str
    params: dict

    def __new__(cls, key: str, /, **params) -> Message:
        self = super().__new__(cls, _render(key, "en", params))
        self.key, self.params = key, params
        return self

    def in_(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: :func:`matcher.i18n.current_lang`)."""
        return _render(self.key, lang, self.params)

    def __reduce__(self):  # pickles (multiprocessing, caches) as what it is
        return (_rebuild, (self.key, self.params))

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {str(self)!r})"


def _rebuild(key: str, params: dict) -> Message:
    return Message(key, **params)


class Figure(float):
    """A number inside a Message, written the reader's way when the Message is rendered:
    ``Figure(1500000)`` is "1.500.000" in Indonesian and "1,500,000" in English."""

    def __new__(cls, value: float, decimals: int = 0, trim: bool = True) -> Figure:
        self = super().__new__(cls, value)
        self.decimals, self.trim = decimals, trim
        return self

    def in_(self, lang: str | None = None) -> str:
        from matcher.i18n.fmt import format_number

        return format_number(float(self), self.decimals, lang=lang, trim=self.trim)

    def __reduce__(self):
        return (Figure, (float(self), self.decimals, self.trim))


class Joined(str):
    """Several texts (Messages or plain) as one parameter, each in the reader's language:
    ``Joined([Message("data.file.sheet", ...), ...], "; ")``. As a ``str``, the English."""

    def __new__(cls, parts, sep: str = ", ") -> Joined:
        parts = tuple(parts)
        self = super().__new__(cls, sep.join(text_in(p, "en") for p in parts))
        self.parts, self.sep = parts, sep
        return self

    def in_(self, lang: str | None = None) -> str:
        return self.sep.join(text_in(p, lang) for p in self.parts)

    def __reduce__(self):
        return (Joined, (self.parts, self.sep))


def text_in(value, lang: str | None = None) -> str:
    """``value`` as its reader reads it: a Message or Figure in ``lang``, anything else as text."""
    render = getattr(value, "in_", None)  # a Message, a Figure, or anything else that renders
    if callable(render):
        return render(lang)
    return value if isinstance(value, str) else str(value)
