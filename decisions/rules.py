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
  Only owner households count. Participation: ≥ 2/3 of the scope's owner households by number
  AND ≥ 2/3 of their exclusive floor area. Ordinary matters: > 1/2 of the participating owners
  by number and by area. Major matters (items 6–8: raising the maintenance fund, rebuilding,
  changing the use of common parts or the owners' business activities there): ≥ 3/4 of the
  participating by number and by area. When any owner household of the scope lacks a floor
  area, the area tests cannot be decided: the outcome is "undecidable" unless a headcount test
  already fails (a conjunction with a false part is false whatever the area).
- unit_consent — 既有住宅加装电梯 and other matters of one unit, under each city's rules (e.g.
  北京市《关于开展老旧小区现状多层住宅加装电梯工作的意见》 asks the unit's owners' consent; the
  share is the city's): at least `share` ("2/3") of the unit's households consent.

Outcomes: "passed", "failed", "undecidable". Each check in the result says what it tested, what
it needed, what it found and whether it was met (None: cannot be decided).
"""
import dataclasses
from fractions import Fraction

PASSED, FAILED, UNDECIDABLE = "passed", "failed", "undecidable"


class RuleError(ValueError):
    """Bad rule parameters (a share outside (0, 1], a quorum that is not a fraction)."""


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


def share(value, name="share"):
    """A share given as "2/3", "0.5" or a Fraction, in (0, 1]; RuleError otherwise."""
    try:
        fraction = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise RuleError("%s 应为分数，例如 2/3" % name) from None
    if not 0 < fraction <= 1:
        raise RuleError("%s 应大于0且不超过1" % name)
    return fraction


def _check(test, got, of, needed, strict, met=None):
    """`got` of `of` against the share `needed` (strictly more than it when `strict`)."""
    if met is None and got is not None and of is not None:
        met = bool(of) and (got * needed.denominator > of * needed.numerator if strict
                            else got * needed.denominator >= of * needed.numerator)
    return {"test": test, "needed": "%s%s" % (">" if strict else "≥", needed), "got": got, "of": of, "met": met}


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


def households_majority(tally, quorum=None):
    homes = tally.homes
    answered = [h for h in homes if h.id in tally.choices]
    consent = [h for h in answered if tally.choices[h.id] == 0]
    checks = []
    if quorum is not None:
        checks.append(_check("quorum_households", len(answered), len(homes), share(quorum, "quorum"), False))
    checks.append(_check("consent_households", len(consent), len(answered), Fraction(1, 2), True))
    return _result("households_majority", tally, homes, checks)


def _area(homes):
    """The homes' total area, or None when one of them has none."""
    areas = [h.area_dm2 for h in homes]
    return None if None in areas else sum(areas)


def _art278(rule, tally, agreement, strict):
    owners = [h for h in tally.homes if h.owner]
    voting = [h for h in owners if h.id in tally.choices]
    consent = [h for h in voting if tally.choices[h.id] == 0]
    # Unknown area anywhere among the owners: neither the whole nor the parts are known for sure.
    known = _area(owners) is not None
    checks = [
        _check("participation_owners", len(voting), len(owners), Fraction(2, 3), False),
        _check("participation_area", _area(voting) if known else None, _area(owners), Fraction(2, 3), False),
        _check("consent_owners", len(consent), len(voting), agreement, strict),
        _check("consent_area", _area(consent) if known else None, _area(voting) if known else None,
               agreement, strict),
    ]
    return _result(rule, tally, owners, checks)


def owners_art278_ordinary(tally):
    return _art278("owners_art278_ordinary", tally, Fraction(1, 2), strict=True)


def owners_art278_major(tally):
    return _art278("owners_art278_major", tally, Fraction(3, 4), strict=False)


def unit_consent(tally, share_needed="2/3"):
    homes = tally.homes
    consent = [h for h in homes if tally.choices.get(h.id) == 0]
    checks = [_check("consent_households", len(consent), len(homes), share(share_needed), False)]
    return _result("unit_consent", tally, homes, checks)


# name → (function, its parameters as the consultation stores them → keyword arguments)
RULES = {
    "households_majority": (households_majority, lambda p: {"quorum": p.get("quorum")}),
    "owners_art278_ordinary": (owners_art278_ordinary, lambda p: {}),
    "owners_art278_major": (owners_art278_major, lambda p: {}),
    "unit_consent": (unit_consent, lambda p: {"share_needed": p.get("share", "2/3")}),
}
OWNERS_ONLY = ("owners_art278_ordinary", "owners_art278_major")


def decide(rule, params, tally):
    function, arguments = RULES[rule]
    return function(tally, **arguments(params or {}))


def check_params(rule, params):
    """The parameters a rule keeps, validated; RuleError when one is wrong or unknown."""
    params = dict(params or {})
    allowed = {"households_majority": {"quorum"}, "unit_consent": {"share"}}.get(rule, set())
    unknown = set(params) - allowed
    if unknown:
        raise RuleError("规则 %s 没有参数 %s" % (rule, "、".join(sorted(unknown))))
    return {name: str(share(value, name)) for name, value in params.items() if value is not None}
