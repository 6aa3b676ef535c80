"""WeChat state shared by every process."""
from peewee import CharField
from peewee import FloatField
from peewee import IntegerField

from models.db import BaseModel


class AccessToken(BaseModel):
    """One row per appid: the token every process shares, and the lease that lets exactly one
    process refresh it (WeChat caps fetches at ~2000 a day, and a plain `token` fetch
    invalidates the previous token after five minutes)."""
    appid = CharField(max_length=64, primary_key=True)
    token = CharField(max_length=600, default="")
    expires_at = FloatField(default=0)       # unix seconds
    lock_owner = CharField(max_length=64, null=True)
    lock_until = FloatField(null=True)       # unix seconds; a crashed holder's lease runs out


class SeenPush(BaseModel):
    """A signed push URL already used, with a hash of its body (account/replay.py), kept until
    its timestamp is too old to pass the freshness check."""
    key = CharField(max_length=40, primary_key=True)   # sha1 of timestamp, nonce and signature
    body_hash = CharField(max_length=64)               # sha256 of the body
    expires_at = IntegerField(index=True)              # unix seconds
