"""Issue 21: on PostgreSQL a red-card claim is one statement from the request to its answer,
`SELECT * FROM claim_coupon_read(...)`: the reads that came before claim_coupon (0034) are folded
into it, and a retry of a tap still in flight waits for it whatever the answer would have been.

Why: measured in the flash bench on 2 cores, every round trip cost a claim about as much in the
app's Python as in PostgreSQL (a thread gives up its worker's GIL and queues for it again), and
a claim was two (the read, then claim_coupon). And a retry whose read refused it (the claim
window just closed by its own clock) used to answer that refusal while the first tap with the
same key was still about to get its coupon; here the retry takes the key's advisory lock first,
which the first tap holds until its commit, and then finds that coupon.

In order, as coupons/claims.py does on SQLite: the resident (none: `unknown_resident`); the
campaign (none: `campaign_not_found`); the resident's coupon under the key (`replayed`, with
that coupon's own campaign); the eligibility (`address_not_confirmed`, `other_community`,
`not_in_audience`); the campaign's state, window and stock as read (`not_live`,
`outside_claim_window`, `sold_out`); the validity (`campaign_expired`). Those refusals write
nothing and return their code. Then the writes are claim_coupon's of 0034, called as they are
(the coupon, the holding under both limits, the counter under its conditions), whose refusals
are errors with SQLSTATE LR409, so that the whole statement rolls back. Rows come back as JSON
(`to_json` of the table's row), read into the models by the caller: a column added later comes
with them."""
from peewee import PostgresqlDatabase

CLAIM_COUPON_READ = """
CREATE OR REPLACE FUNCTION claim_coupon_read(
    p_campaign integer, p_resident integer, p_key varchar, p_code varchar, p_now timestamp, p_day varchar,
    OUT outcome varchar, OUT coupon json, OUT campaign json, OUT merchant json)
LANGUAGE plpgsql AS $$
DECLARE
    r resident%ROWTYPE;
    c campaign%ROWTYPE;
    taken integer;
    created boolean := false;
    v_from timestamp;
    v_until timestamp;
BEGIN
    SELECT * INTO r FROM resident WHERE id = p_resident;
    IF NOT FOUND THEN
        outcome := 'unknown_resident';
        RETURN;
    END IF;
    SELECT * INTO c FROM campaign WHERE id = p_campaign;
    IF NOT FOUND THEN
        outcome := 'campaign_not_found';
        RETURN;
    END IF;
    IF p_key IS NOT NULL THEN
        -- Held by a tap with this key until its commit: a retry waits here, then reads its coupon
        -- (each statement below takes a fresh snapshot). A collision of the hash only waits.
        PERFORM pg_advisory_xact_lock(p_resident, hashtext(p_key));
        SELECT id INTO taken FROM coupon WHERE resident_id = p_resident AND idempotency_key = p_key;
    END IF;
    IF taken IS NULL THEN
        campaign := to_json(c);
        outcome := CASE
            WHEN r.address_state <> 'confirmed' THEN 'address_not_confirmed'
            WHEN r.community_id IS DISTINCT FROM c.community_id THEN 'other_community'
            WHEN EXISTS (SELECT 1 FROM campaign_audience a WHERE a.campaign_id = c.id) AND NOT EXISTS (
                    SELECT 1 FROM campaign_audience a LEFT JOIN building b ON b.id = r.building_id
                    WHERE a.campaign_id = c.id AND r.building_id IS NOT NULL
                      AND (a.building_id = r.building_id OR (a.grid_id IS NOT NULL AND a.grid_id = b.grid_id)))
                THEN 'not_in_audience'
            WHEN c.state <> 'live' THEN 'not_live'
            WHEN NOT (c.claim_starts_at <= p_now AND p_now < c.claim_ends_at) THEN 'outside_claim_window'
            WHEN c.claimed >= c.total_stock THEN 'sold_out'
        END;
        IF outcome IS NOT NULL THEN
            RETURN;
        END IF;
        IF c.valid_days IS NOT NULL THEN
            v_from := p_now;
            v_until := p_now + make_interval(days => c.valid_days);
        ELSE
            v_from := c.valid_from;
            v_until := c.valid_until;
        END IF;
        IF v_until <= p_now THEN
            outcome := 'campaign_expired';
            RETURN;
        END IF;
        -- The writes, 0034's; not created: a tap with the key that took no lock (0034's caller,
        -- during a deploy) committed first.
        SELECT w.coupon_id, w.created INTO taken, created
        FROM claim_coupon(p_campaign, p_resident, p_key, p_code, p_now, v_from, v_until, p_day,
                          c.per_resident_limit, coalesce(c.per_day_limit, c.per_resident_limit)) w;
        IF NOT created THEN
            SELECT id INTO taken FROM coupon WHERE resident_id = p_resident AND idempotency_key = p_key;
        END IF;
    END IF;
    outcome := CASE WHEN created THEN 'created' ELSE 'replayed' END;
    -- A replay answers with its coupon's own campaign (a key is the resident's, not a campaign's).
    SELECT to_json(k), to_json(ca), to_json(m) INTO coupon, campaign, merchant
    FROM coupon k JOIN campaign ca ON ca.id = k.campaign_id JOIN merchant m ON m.id = ca.merchant_id
    WHERE k.id = taken;
END
$$
"""


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.cursor().execute(CLAIM_COUPON_READ)      # no parameters: `%ROWTYPE` is not a placeholder


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP FUNCTION IF EXISTS claim_coupon_read(integer, integer, varchar, varchar, timestamp, "
                       "varchar)")
