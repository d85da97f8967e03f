"""The characters a name from a checked file may hold to deceive whoever reads it: each class
said once, as the body of a regular-expression character class.

A report escapes all of them (``assetcheck.report.escape``); ``ZIP022`` refuses an entry name
that holds one.
"""

from __future__ import annotations

# C0 and C1 controls and DEL, and the Unicode line and paragraph separators (U+2028, U+2029),
# which editors, browsers and JavaScript take as line breaks: each can forge or cut a line.
CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"

# The Unicode Bidi_Control characters: embeddings, overrides, isolates and the invisible marks
# (LRM, RLM, ALM). They reorder how a name is displayed (``evil\u202egnp.js`` shows as
# ``eviljs.png``).
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

# Unicode's default-ignorable characters (DerivedCoreProperties.txt) that a name has no use
# for: they draw nothing where they stand (zero-width space, word joiner and the invisible
# operators, soft hyphen, byte-order mark, Hangul fillers, the unassigned ones), so
# ``logo\u200b.png`` displays as ``logo.png``. Left out: the zero-width joiner and non-joiner
# (emoji sequences, Persian and Indic spelling), the variation selectors, Mongolian's free
# variation selectors and vowel separator, and the combining grapheme joiner, which shape the
# characters around them. The tag characters are in: they can spell any ASCII text invisibly,
# and their one use, the flags of England, Scotland and Wales, has no place in a file name.
INVISIBLE = (
    "\u00ad\u115f\u1160\u17b4\u17b5\u200b\u2060-\u2065\u206a-\u206f\u3164\ufeff"
    "\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e00ff"
    "\U000e01f0-\U000e0fff"
)
