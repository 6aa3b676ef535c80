"""The community before the month starts: the demo 八家庄 (community/demo.py: 6 estates, 39
buildings, 3,312 households, 4 grids and their staff), the 2026 holidays entered with the
service's own `flask calendar set` command as staff enter them, and its people. The residents
are a fast seed (rows inserted in batches, as bench/world.py does): 6,543 residents spread over
the buildings, 4,250 of them following the official account, every one with the mini-program.
Returns what the simulation needs to know of this world: who lives where, in which grid."""
import datetime

RESIDENTS, FOLLOWERS = 6543, 4250
HOLIDAY_COMMANDS = (("2026-10-01..2026-10-07", "holiday", "国庆节"),
                    ("2026-09-20", "workday", "国庆节调休上班"),
                    ("2026-10-10", "workday", "国庆节调休上班"))


def seed(app, residents=RESIDENTS, followers=FOLLOWERS):
    from community.demo import seed_demo
    from models.community import Building
    from models.community import Grid
    from models.db import connected
    from models.db import db
    from models.db import upgrade
    from models.people import Resident
    with app.app_context():
        with connected():
            upgrade()
            summary = seed_demo()
        runner = app.test_cli_runner()
        for days, kind, name in HOLIDAY_COMMANDS:
            outcome = runner.invoke(args=["calendar", "set", days, kind, name])
            if outcome.exit_code:
                raise SystemExit("calendar set %s failed: %s" % (days, outcome.output))
        with connected():
            community = Grid.select().first().community_id
            grids = {g.id: (g.code, g.name) for g in Grid.select().where(Grid.community == community)}
            buildings = [(b.id, b.grid_id) for b in Building.select().where(Building.community == community)
                         .order_by(Building.id)]
            rows = [{"oa_openid": "sim-oa-%d" % n if n < followers else None, "mp_openid": "sim-mp-%d" % n,
                     "subscribed": n < followers, "community": community,
                     "building": buildings[n % len(buildings)][0], "address_state": "confirmed",
                     "nickname": "居民%d" % n, "room": "%d0%d" % (n % 7 + 1, n % 4 + 1)} for n in range(residents)]
            with db.atomic():
                for at in range(0, len(rows), 500):
                    Resident.insert_many(rows[at:at + 500]).execute()
            people = []
            for r in Resident.select(Resident.id, Resident.oa_openid, Resident.mp_openid, Resident.building) \
                    .where(Resident.mp_openid.startswith("sim-mp-")).order_by(Resident.id):
                grid_code = grids[dict(buildings)[r.building_id]][0]
                people.append({"id": r.id, "oa": r.oa_openid, "mp": r.mp_openid, "building": r.building_id,
                               "grid": grid_code})
    return {"community": summary.get("community", "八家庄社区"), "households": summary.get("households"),
            "grids": {code: name for code, name in grids.values()}, "people": people,
            "seeded_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
