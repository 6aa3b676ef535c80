"""The sensitive-word list, matched fast and hard to dodge.

Text and words are both normalized before matching: full-width letters and other compatibility
forms folded (NFKC), lower case, traditional characters made simplified (OpenCC t2s), and every
space, punctuation mark, symbol and invisible character dropped, so "法 轮"、"ＦＡＬＵＮ"、"發*票"
match "法轮"、"falun"、"发票". All words are found in one pass (Aho-Corasick), whatever the
list's length."""
import functools
import unicodedata

import ahocorasick
import opencc

from models.content import SensitiveWord
from models.db import db

# Categories dropped: separators (Z*), punctuation (P*), symbols (S*), controls and format (C*),
# over the planes comments use (BMP, emoji and tag characters); a table makes it one C call.
_DROPPED = ("Z", "P", "S", "C")
_PLANES = (range(0x10000), range(0x1F000, 0x20000), range(0xE0000, 0xE0080))


@functools.lru_cache(maxsize=1)
def _t2s():
    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _drop_table():
    return {cp: None for plane in _PLANES for cp in plane if unicodedata.category(chr(cp))[0] in _DROPPED}


def normalize(text):
    kept = unicodedata.normalize("NFKC", text or "").lower().translate(_drop_table())
    return _t2s().convert(kept) if kept else ""


class Screen:
    """The words of a list, ready to find in any number of texts."""

    def __init__(self, words):
        self.automaton = ahocorasick.Automaton()
        for word in words:
            key = normalize(word)
            if key:
                self.automaton.add_word(key, word)
        self.empty = len(self.automaton) == 0
        if not self.empty:
            self.automaton.make_automaton()

    @classmethod
    def from_db(cls):
        return cls(w.word for w in SensitiveWord.select(SensitiveWord.word))

    def find(self, text):
        """The listed words in `text`, in the list's own spelling, each once, in order found."""
        if self.empty:
            return []
        return list(dict.fromkeys(word for _, word in self.automaton.iter(normalize(text))))


def set_words(words):
    """Replace the list (one word a line in the console); returns how many are listed."""
    cleaned = sorted({w.strip() for w in words if w.strip() and len(w.strip()) <= 50})
    with db.atomic():
        SensitiveWord.delete().execute()
        if cleaned:
            SensitiveWord.insert_many([{"word": w} for w in cleaned]).execute()
    return len(cleaned)
