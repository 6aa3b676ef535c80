"""The rules that turn a consultation's voices into its result: pure functions over a Tally.

Every comparison is exact: counts and floor areas are integers (areas in hundredths of a m²),
shares are Fractions, and "at least 2/3" is `part * 3 >= whole * 2`, never a float. The first
option is the one that consents (同意); any other option (不同意, 弃权) does not.

- households_majority — a residents' consultation (居民协商, 城乡社区协商, e.g. seed 004's green
  strip): one voice per household of the scope, whatever its occupancy; passes with more than
  half of the responding households consenting. An optional quorum ("quorum": "1/2") asks that
  share of the scope's households to respond.
- owners_art278_ordinary / owners_art278_major — 《中华人民共和国民法典》第二百七十八条 (2021):
  "应当由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决。决定前款第六项至
  第八项规定的事项，应当经参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主
  同意。决定前款其他事项，应当经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意。"
  The homes given are the scope's flats (every flat has an owner; the caller decides who may
  cast). Participation: ≥ 2/3 of the scope's owner households by number
  AND ≥ 2/3 of their exclusive floor area. Ordinary matters: > 1/2 of the participating owners
  by number and by area. Major matters (items 6–8: raising the maintenance fund, rebuilding,
  changing the use of common parts or the owners' business activities there): ≥ 3/4 of the
  participating by number and by area. When any owner household of the scope lacks a floor
  area, the area tests cannot be decided: the outcome is "undecidable" unless a headcount test
  already fails (a conjunction with a false part is false whatever the area).
- unit_consent — 既有住宅加装电梯 and other matters of one unit, under each city's rules (e.g.
  北京市《关于开展老旧小区现状多层住宅加装电梯工作的意见》 asks the unit's owners' consent; the
  share is the city's): at least `share` ("2/3") of the unit's households consent.

The shares are the community's policy (community/policy.py `Consent`, the law's as defaults and
floors), fixed into the consultation's parameters when it opens, so the bar never moves under a
running vote; a consultation may set its own quorum or unit share.

Outcomes: "passed", "failed", "undecidable". Each check in the result says what it tested, what
it needed, what it found and whether it was met (None: cannot be decided).
"""
import dataclasses
import json
from fractions import Fraction

from community.policy import DEFAULT_POLICY
from community.policy import Share

PASSED, FAILED, UNDECIDABLE = "passed", "failed", "undecidable"
DEFAULT = DEFAULT_POLICY.consent
HALF = Share(Fraction(1, 2), False)


class RuleError(ValueError):
    """Bad rule parameters (a share that is not ">=2/3" or ">1/2", a parameter the rule lacks)."""


@dataclasses.dataclass(frozen=True)
class Home:
    """A household of the scope, as the rules see it."""
    id: int
    owner: bool
    area_dm2: int | None


@dataclasses.dataclass(frozen=True)
class Tally:
    options: tuple          # labels; options[0] consents
    homes: tuple            # every Home of the scope
    choices: dict           # Home.id → option index, for the homes that answered


def share(value):
    """A Share from ">=2/3", ">1/2" or a bare "2/3" (at least); RuleError otherwise."""
    if isinstance(value, Share):
        return value
    text = str(value).strip()
    try:
        return Share.parse(text if text.startswith(">") else ">=" + text)
    except ValueError:
        # Staff read this in the console and the mini-program, not the policy file's English.
        raise RuleError('比例应写作 "2/3"、">=2/3" 或 ">1/2"（0 到 1 之间的分数），收到 %s'
                        % json.dumps(text, ensure_ascii=False)) from None


def _check(test, got, of, needed):
    """`got` of `of` against the Share `needed`; met is None when a part is unknown."""
    met = None if got is None or of is None else needed.met(got, of)
    return {"test": test, "needed": str(needed), "got": got, "of": of, "met": met}


def _by_option(tally, homes):
    """Per option: households and (when every one answering has an area) their area."""
    rows = []
    for index, label in enumerate(tally.options):
        chose = [h for h in homes if tally.choices.get(h.id) == index]
        areas = [h.area_dm2 for h in chose]
        rows.append({"option": label, "households": len(chose),
                     "area_dm2": None if None in areas else sum(areas)})
    return rows


def _outcome(checks):
    if any(c["met"] is False for c in checks):
        return FAILED
    if any(c["met"] is None for c in checks):
        return UNDECIDABLE
    return PASSED


def _result(rule, tally, homes, checks):
    answered = [h for h in homes if h.id in tally.choices]
    return {"rule": rule, "outcome": _outcome(checks), "by_option": _by_option(tally, homes),
            "counted_households": len(homes), "answered_households": len(answered), "checks": checks}


def households_majority(tally, majority=HALF, quorum=None):
    homes = tally.homes
    answered = [h for h in homes if h.id in tally.choices]
    consent = [h for h in answered if tally.choices[h.id] == 0]
    checks = []
    if quorum is not None:
        checks.append(_check("quorum_households", len(answered), len(homes), share(quorum)))
    checks.append(_check("consent_households", len(consent), len(answered), share(majority)))
    return _result("households_majority", tally, homes, checks)


def _area(homes):
    """The homes' total area, or None when one of them has none."""
    areas = [h.area_dm2 for h in homes]
    return None if None in areas else sum(areas)


def _art278(rule, tally, participation, agreement):
    participation, agreement = share(participation), share(agreement)
    owners = [h for h in tally.homes if h.owner]
    voting = [h for h in owners if h.id in tally.choices]
    consent = [h for h in voting if tally.choices[h.id] == 0]
    # Unknown area anywhere among the owners: neither the whole nor the parts are known for sure.
    known = _area(owners) is not None
    checks = [
        _check("participation_owners", len(voting), len(owners), participation),
        _check("participation_area", _area(voting) if known else None, _area(owners), participation),
        _check("consent_owners", len(consent), len(voting), agreement),
        _check("consent_area", _area(consent) if known else None, _area(voting) if known else None, agreement),
    ]
    return _result(rule, tally, owners, checks)


def owners_art278_ordinary(tally, participation=DEFAULT.owners_participation, agreement=DEFAULT.owners_ordinary):
    return _art278("owners_art278_ordinary", tally, participation, agreement)


def owners_art278_major(tally, participation=DEFAULT.owners_participation, agreement=DEFAULT.owners_major):
    return _art278("owners_art278_major", tally, participation, agreement)


def unit_consent(tally, needed=DEFAULT.unit_consent):
    homes = tally.homes
    consent = [h for h in homes if tally.choices.get(h.id) == 0]
    checks = [_check("consent_households", len(consent), len(homes), share(needed))]
    return _result("unit_consent", tally, homes, checks)


# name → (function, {its parameter: the policy's Consent field giving its default})
RULES = {
    "households_majority": (households_majority, {"majority": "households_majority", "quorum": "households_quorum"}),
    "owners_art278_ordinary": (owners_art278_ordinary, {"participation": "owners_participation",
                                                        "agreement": "owners_ordinary"}),
    "owners_art278_major": (owners_art278_major, {"participation": "owners_participation",
                                                  "agreement": "owners_major"}),
    "unit_consent": (unit_consent, {"needed": "unit_consent"}),
}
OWNERS_ONLY = ("owners_art278_ordinary", "owners_art278_major")
# What a consultation may set for itself; the owners' shares are the law's and the community's.
OWN_PARAMS = {"households_majority": ("quorum",), "unit_consent": ("needed",)}


def decide(rule, params, tally):
    function, _ = RULES[rule]
    return function(tally, **{name: share(value) for name, value in (params or {}).items()})


def fix_params(rule, params, consent):
    """The shares the consultation will be decided by, as text: the community's `consent`
    (community.policy.Consent) with the consultation's own quorum or unit share; RuleError
    for a parameter the rule does not take or a share that is not one."""
    params = dict(params or {})
    unknown = set(params) - set(OWN_PARAMS.get(rule, ()))
    if unknown:
        raise RuleError("规则 %s 不能设置 %s" % (rule, "、".join(sorted(unknown))))
    fixed = {}
    for name, field in RULES[rule][1].items():
        value = params[name] if params.get(name) is not None else getattr(consent, field)
        if value is not None:
            fixed[name] = str(share(value))
    return fixed
