"""How many characters each free-text field may hold: one table, applied by edge.py by field
name to every JSON body of the APIs and every console form, before any view runs (a 400 that
names the field). A name not listed may hold DEFAULT. The README's "Limits on what people type"
lists this table; domain rules may be stricter (an article title, a WeChat reply)."""

DEFAULT = 200
TEXT_LIMITS = {
    # What residents write.
    "description": 1000,        # a report, also a walk-in entered in the console
    "reason": 500,              # reopening; staff's transfer, escalation, rejection, merge; a reversal
    "comment": 500,             # a rating's comment
    "room": 20,
    "label": 200,               # a place's name (a report's location)
    # What staff write.
    "note": 1000,               # accepting, starting, resolving a case
    "text": 2000,               # a progress note, a reply to a follower, a notice
    "reply_text": 2000,         # an automatic reply
    "rules": 2000,              # a campaign's terms
    "title": 64,
    "author": 16,
    "digest": 120,
    "body": 20000,              # an article (WeChat takes less than 20,000 characters)
    "source_url": 500,
    "words": 100_000,           # the sensitive-word list, one word a line
    "csv_text": 500_000,        # a households file carried back to be applied (bytes bound it first)
    "name": 100,
    "address": 200,
    "category": 50,
    "contact_name": 50,
    "contact_phone": 20,
    "phone": 20,
    "username": 64,
    "password": 128,
}


def limit(name):
    return TEXT_LIMITS.get(name, DEFAULT)
