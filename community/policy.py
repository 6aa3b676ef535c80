"""How a community does things, in one place: who answers for a case at each of the four levels,
how long each level has, and the shares by which residents decide together.

DEFAULT_POLICY is every community's (the four-level chain and its clocks, the Civil Code's shares). A
deployment changes what differs per community in COMMUNITY_POLICY_OVERRIDES, a JSON object keyed
by community code, "*" for every community (applied first, a community's own entry on top):

    {"*": {"consent": {"unit_consent": ">=3/4"}},
     "bajiazhuang": {"deadlines": {"3": {"resolve": "12 hours"}},
                     "proposals": {"support_households": 20}}}

Only what a rule reads per community may be overridden (OVERRIDABLE); everything else is the same
for every community and read from DEFAULT_POLICY: the chain (its roles are the schema's, and
routing, permissions and the console share it), the resolution auto-close and the deadline
warning (the sweeps that apply them run over all communities at once). An override the policy
cannot honour is refused at start with a ConfigError that names it, never ignored.
"""
import dataclasses
import datetime
import functools
import json
import math
import re
from fractions import Fraction

from linli import config
from linli.config import ConfigError
from models.community import Community
from models.people import ROLE_SCOPES
from models.people import ROLES
from models.workflow import DEADLINE_UNITS

SETTING = "COMMUNITY_POLICY_OVERRIDES"
EVERY_COMMUNITY = "*"
# The longest deadline an override may set: a year (cases.calendar refuses a further one).
MAX_HOURS = 366 * 24
MAX_WORKING_DAYS = 250


@dataclasses.dataclass(frozen=True)
class Duration:
    """A deadline's length, as the deadline rows store it: hours, or working days over the
    holiday calendar (cases.calendar)."""
    amount: float
    unit: str           # one of models.workflow.DEADLINE_UNITS

    @classmethod
    def parse(cls, text):
        """"12 hours", "0.5 hours", "2 working_days"."""
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s+(\w+)\s*", text) if isinstance(text, str) else None
        if not match or match.group(2) not in DEADLINE_UNITS:
            raise ValueError('expected e.g. "12 hours" or "2 working_days", got %s' % json.dumps(text))
        duration = cls(float(match.group(1)), match.group(2))
        high = MAX_HOURS if duration.unit == "hours" else MAX_WORKING_DAYS
        if not 0 < duration.amount <= high:
            raise ValueError("must be more than 0 and at most %d %s, got %s" % (high, duration.unit, text))
        return duration

    def __str__(self):
        return "%g %s" % (self.amount, self.unit)


@dataclasses.dataclass(frozen=True)
class Share:
    """A part of a whole that passes at least (">=2/3", the law's "三分之二以上", which includes
    the number itself) or more than (">1/2", "过半数") a fraction. Exact: no rounding decides."""
    fraction: Fraction
    inclusive: bool

    @classmethod
    def parse(cls, text):
        match = re.fullmatch(r"\s*(>=|>)(.*)", text) if isinstance(text, str) else None
        if not match:
            raise ValueError('expected a share such as ">1/2" or ">=2/3", got %s' % json.dumps(text))
        return cls(_fraction(match.group(2)), match.group(1) == ">=")

    def met(self, part, whole):
        """Whether `part` of `whole` (counts, or areas in m²) reaches the share; never for an
        empty whole. A float counts as the decimal it prints as (66.66 m², not the binary
        number nearest to it), so a share met exactly on paper is met here too."""
        part, whole = _exact(part), _exact(whole)
        if whole <= 0:
            return False
        return part >= self.fraction * whole if self.inclusive else part > self.fraction * whole

    def at_least_as_strict_as(self, other):
        return (self.fraction > other.fraction
                or (self.fraction == other.fraction and (other.inclusive or not self.inclusive)))

    def __str__(self):
        return "%s%s" % (">=" if self.inclusive else ">", self.fraction)


@dataclasses.dataclass(frozen=True)
class Consent:
    """The shares a consultation's rules decide by, computed at the close."""
    # Civil Code Art. 278: owners holding 2/3 of the exclusive area and 2/3 by number take part;
    # ordinary matters pass with more than half of the participating area and owners; major
    # ones (raising the maintenance fund, rebuilding, changing common parts' use) with 3/4.
    # The law's shares are floors: a community's rules may ask more, never less.
    owners_participation: Share = Share(Fraction(2, 3), True)
    owners_ordinary: Share = Share(Fraction(1, 2), False)
    owners_major: Share = Share(Fraction(3, 4), True)
    # One voice per household: more than half of those responding, and, where a community sets
    # one, a quorum of the scope's households taking part (None: no quorum).
    households_majority: Share = Share(Fraction(1, 2), False)
    households_quorum: Share = None
    # A unit's consent to retrofit a lift (加装电梯) and the like: each city sets its share in
    # its own rules; two thirds of the unit's households is the common one.
    unit_consent: Share = Share(Fraction(2, 3), True)


LEGAL_FLOORS = ("owners_participation", "owners_ordinary", "owners_major")


@dataclasses.dataclass(frozen=True)
class Proposals:
    """When a resident's proposal (议事) goes on the council's agenda: supported by
    `support_households` households, or by `support_share` of its scope's households if that
    is fewer (a unit of twelve households cannot gather twenty). The share follows the Urban
    Residents' Committees Law (Art. 12): a fifth of the households may call a residents'
    meeting."""
    support_households: int = 10
    support_share: Fraction = Fraction(1, 5)

    def support_needed(self, scope_households):
        """Households whose support puts a proposal on the agenda, for a scope of
        `scope_households` households; at least one."""
        by_share = math.ceil(self.support_share * scope_households)
        return max(1, min(self.support_households, by_share))


@dataclasses.dataclass(frozen=True)
class Level:
    """One step of the chain: the role that answers for a case there, the word residents see,
    and the level's default deadlines (a category's own deadline rows come first, cases.sla)."""
    number: int
    role: str
    label: str
    respond: Duration
    resolve: Duration

    @property
    def scope(self):
        """What one of the role's assignments covers ("grid" or "community"): the schema's
        definition (models.people.ROLE_SCOPES). The street centre is assigned per community."""
        return ROLE_SCOPES[self.role]


@dataclasses.dataclass(frozen=True)
class Policy:
    """Everything a rule may ask about how a community does things; read it, never a copy."""
    levels: tuple                       # Level, from 1 up
    # Roles outside the chain that act on a case at every level of their community.
    every_level_roles: tuple
    # The words for roles outside the chain (the chain's roles are named by their level).
    other_role_labels: tuple            # (role, label) pairs
    auto_close_after: datetime.timedelta     # a resolution the resident leaves unconfirmed closes
    deadline_warning: datetime.timedelta     # staff hear this long before a resolution is due
    proposals: Proposals = Proposals()
    consent: Consent = Consent()
    # An urgent notice (停水, 停电) stays on top of the mini-program's notices this long after it
    # is sent; then it takes its place by date among the others.
    urgent_pinned: datetime.timedelta = datetime.timedelta(days=3)

    @property
    def top_level(self):
        return self.levels[-1].number

    def level(self, number):
        if not 1 <= number <= len(self.levels):
            raise LookupError("no level %s: levels run from 1 to %d" % (number, len(self.levels)))
        return self.levels[number - 1]

    @property
    def level_labels(self):
        return {level.number: level.label for level in self.levels}

    @property
    def role_max_level(self):
        """The highest level each case role acts on, within its scope."""
        highest = {level.role: level.number for level in self.levels}
        highest.update((role, self.top_level) for role in self.every_level_roles)
        return highest

    @property
    def role_labels(self):
        """Every staff role's word, in the schema's order of roles (the console lists them so)."""
        labels = {level.role: level.label for level in self.levels}
        labels.update(self.other_role_labels)
        return {role: labels[role] for role in ROLES}

    @property
    def grid_roles(self):
        """The chain's roles scoped to a grid, nearest first."""
        return tuple(level.role for level in self.levels if level.scope == "grid")


def _level(number, role, label, respond, resolve):
    return Level(number, role, label, Duration.parse(respond), Duration.parse(resolve))


# The grid worker on site, the area cadre of the grid, the community secretary who
# coordinates the departments within 24 hours, the street grid centre within 2 working days.
DEFAULT_POLICY = Policy(
    levels=(
        _level(1, "grid_worker", "网格员", "2 hours", "24 hours"),
        _level(2, "area_cadre", "片区负责人", "4 hours", "24 hours"),
        _level(3, "secretary", "社区书记", "4 hours", "24 hours"),
        _level(4, "street_centre", "街道网格中心", "1 working_days", "2 working_days"),
    ),
    every_level_roles=("admin",),
    other_role_labels=(("building_leader", "楼长"), ("unit_leader", "单元长"), ("property", "物业"),
                       ("editor", "宣传编辑"), ("admin", "系统管理员")),
    auto_close_after=datetime.timedelta(days=7),
    deadline_warning=datetime.timedelta(hours=2),
)


# -- per community ------------------------------------------------------------------------------
def policy_for(community):
    """The policy of `community` (a Community, its id, or None for the deployment's own "*"):
    the default with the deployment's overrides for it applied."""
    text = config.active().COMMUNITY_POLICY_OVERRIDES
    if not text:
        return DEFAULT_POLICY
    everywhere, by_code = _compiled(text)
    if community is None or not by_code:
        return everywhere
    if isinstance(community, Community):
        code = community.code
    else:
        code = Community.select(Community.code).where(Community.id == community).scalar()
    return by_code.get(code, everywhere)


def check(settings):
    """Refuse overrides the policy cannot honour: called at start (create_app)."""
    if settings.COMMUNITY_POLICY_OVERRIDES:
        _compiled(settings.COMMUNITY_POLICY_OVERRIDES)


@functools.lru_cache(maxsize=4)
def _compiled(text):
    """The overrides' JSON text → (the "*" policy, {code: policy}). Cached by the text itself,
    so it is parsed once per process and a changed setting is never served stale."""
    try:
        overrides = json.loads(text)
    except ValueError as exc:
        raise ConfigError("%s is not valid JSON: %s" % (SETTING, exc)) from None
    if not isinstance(overrides, dict):
        raise ConfigError("%s must be a JSON object keyed by community code" % SETTING)
    everywhere = with_overrides(DEFAULT_POLICY, overrides.get(EVERY_COMMUNITY, {}),
                                "%s[%s]" % (SETTING, json.dumps(EVERY_COMMUNITY)))
    by_code = {}
    for code, changes in overrides.items():
        where = "%s[%s]" % (SETTING, json.dumps(code, ensure_ascii=False))
        if code == EVERY_COMMUNITY:
            continue
        if not 0 < len(code) <= 32:
            raise ConfigError("%s: a community code has 1 to 32 characters" % where)
        by_code[code] = with_overrides(everywhere, changes, where)
    return everywhere, by_code


def with_overrides(policy, changes, where=SETTING):
    """`policy` with `changes` (one community's entry) applied; ConfigError naming the entry
    and the key for anything it cannot honour."""
    if not isinstance(changes, dict):
        raise ConfigError("%s must be a JSON object" % where)
    for key, value in changes.items():
        if key not in OVERRIDABLE:
            raise ConfigError("%s: %s cannot be overridden per community (overridable: %s)"
                              % (where, json.dumps(key), ", ".join(OVERRIDABLE)))
        try:
            policy = OVERRIDABLE[key](policy, value)
        except (ValueError, TypeError) as exc:
            raise ConfigError("%s.%s: %s" % (where, key, exc)) from None
    return policy


def _deadlines(policy, value):
    """{"3": {"respond": "2 hours", "resolve": "12 hours"}}: a level's default deadlines."""
    levels = list(policy.levels)
    for number, change in _object(value).items():
        if not (number.isdigit() and 1 <= int(number) <= len(levels)):
            raise ValueError("levels are 1 to %d, got %s" % (len(levels), json.dumps(number)))
        fields = _fields(change, ("respond", "resolve"), "level %s" % number)
        level = levels[int(number) - 1]
        level = dataclasses.replace(level, **{name: _duration(text, "level %s %s" % (number, name))
                                              for name, text in fields.items()})
        if level.respond.unit == level.resolve.unit and level.respond.amount > level.resolve.amount:
            raise ValueError("level %s: the response is due after the resolution (%s > %s)"
                             % (number, level.respond, level.resolve))
        levels[int(number) - 1] = level
    return dataclasses.replace(policy, levels=tuple(levels))


def _proposals(policy, value):
    """{"support_households": 20, "support_share": "1/10"}."""
    fields = _fields(value, ("support_households", "support_share"), "proposals")
    changes = {}
    if "support_households" in fields:
        households = fields["support_households"]
        if not (isinstance(households, int) and not isinstance(households, bool) and 1 <= households <= 10000):
            raise ValueError("support_households is a whole number from 1 to 10000, got %s" % json.dumps(households))
        changes["support_households"] = households
    if "support_share" in fields:
        changes["support_share"] = _fraction(fields["support_share"])
    return dataclasses.replace(policy, proposals=dataclasses.replace(policy.proposals, **changes))


def _consent(policy, value):
    """{"unit_consent": ">=3/4", "households_quorum": ">=1/3"}: a decision's shares."""
    names = tuple(field.name for field in dataclasses.fields(Consent))
    changes = {}
    for name, text in _fields(value, names, "consent").items():
        if name == "households_quorum" and text is None:
            changes[name] = None
            continue
        share = Share.parse(text)
        if name in LEGAL_FLOORS and not share.at_least_as_strict_as(getattr(DEFAULT_POLICY.consent, name)):
            raise ValueError("%s: Civil Code Art. 278 asks %s; a community may ask more, not less (got %s)"
                             % (name, getattr(DEFAULT_POLICY.consent, name), share))
        if name != "households_quorum" and share.fraction < Fraction(1, 2):
            raise ValueError("%s: a decision needs at least half, got %s" % (name, share))
        changes[name] = share
    return dataclasses.replace(policy, consent=dataclasses.replace(policy.consent, **changes))


def _duration(text, what):
    try:
        return Duration.parse(text)
    except ValueError as exc:
        raise ValueError("%s: %s" % (what, exc)) from None


def _exact(number):
    return Fraction(repr(number)) if isinstance(number, float) else Fraction(number)


def _fraction(text):
    """"2/3" → Fraction(2, 3), above 0 and at most 1."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text) if isinstance(text, str) else None
    if not match or int(match.group(2)) == 0:
        raise ValueError('expected a fraction such as "1/2" or "2/3", got %s' % json.dumps(text))
    fraction = Fraction(int(match.group(1)), int(match.group(2)))
    if not 0 < fraction <= 1:
        raise ValueError("a share lies above 0 and at most 1, got %s" % text.strip())
    return fraction


def _object(value):
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object, got %s" % json.dumps(value, ensure_ascii=False))
    return value


def _fields(value, known, what):
    fields = _object(value)
    unknown = [name for name in fields if name not in known]
    if unknown:
        raise ValueError("%s: unknown %s (known: %s)" % (what, ", ".join(map(json.dumps, unknown)), ", ".join(known)))
    return fields


# What a community may change, each with the function that applies it.
OVERRIDABLE = {"deadlines": _deadlines, "proposals": _proposals, "consent": _consent}
