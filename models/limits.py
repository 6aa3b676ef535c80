"""Counters for rate limits: how often a key (an address, a resident) did something in one
fixed window. Shared by every worker and host through the database."""
from peewee import CharField
from peewee import IntegerField

from models.db import BaseModel


class RateCounter(BaseModel):
    key = CharField(max_length=120)
    window = IntegerField()                  # the window's start, unix seconds
    count = IntegerField(default=0)

    class Meta:
        indexes = ((("key", "window"), True),)
