"""The world the load benches share: a migrated database with the demo community, confirmed
residents with mini-program tokens, and a live red-card campaign of an active merchant."""
import contextlib
import datetime


@contextlib.contextmanager
def seeded(env):
    """Inside: an app context on `env`'s database, migrated and seeded; closed afterwards."""
    from community.demo import seed_demo
    from linli.config import Settings
    from models.db import close_all
    from models.db import connected
    from models.db import upgrade
    from wsgi import create_app
    app = create_app(Settings.from_env(env))
    with app.app_context(), connected():
        upgrade()
        seed_demo()
        yield
    close_all()


def residents_and_campaign(count, prefix, stock, limit, spread_over_buildings=False):
    """(residents, their tokens, the merchant, a live campaign); call inside seeded()."""
    from miniprogram_api.auth import issue
    from models.community import Building
    from models.merchants import Merchant
    from models.people import Resident
    merchant = Merchant.select().order_by(Merchant.id).first()
    Merchant.update(status="active").where(Merchant.id == merchant.id).execute()
    buildings = [b.id for b in Building.select().order_by(Building.id)] if spread_over_buildings else [None]
    Resident.insert_many([{"mp_openid": "%s%d" % (prefix, i), "oa_openid": "oa-%s%d" % (prefix, i), "subscribed": True,
                           "community": merchant.community_id, "building": buildings[i % len(buildings)],
                           "address_state": "confirmed", "nickname": "居民%d" % i} for i in range(count)]).execute()
    residents = list(Resident.select().where(Resident.mp_openid.startswith(prefix)).order_by(Resident.id))
    return residents, [issue(r)[0] for r in residents], merchant, live_campaign(merchant, stock, limit)


def live_campaign(merchant, stock, limit):
    """A campaign of `merchant` claimable now, `stock` coupons, `limit` per resident."""
    from models.coupons import Campaign
    from models.db import utcnow
    now = utcnow()
    return Campaign.create(merchant=merchant, community=merchant.community_id, title="开业满30减10",
                           kind="cash_off", value_fen=1000, threshold_fen=3000, total_stock=stock,
                           per_resident_limit=limit, claim_starts_at=now - datetime.timedelta(hours=1),
                           claim_ends_at=now + datetime.timedelta(days=1), valid_days=7, state="live")
