"""Issue 21: on PostgreSQL a red-card claim's writes run as one statement, `SELECT * FROM
claim_coupon(...)`, a function of this migration (SQLite keeps its transaction in Python).

A claim used to be five round trips (BEGIN, the coupon, the holding, the campaign's counter,
COMMIT), and the campaign's row stayed locked from its UPDATE until the COMMIT came back from a
Python thread that first had to win its worker's GIL: under a flash the one hot row waited on
Python. Here the same writes, in the same order and with the same conditions, run inside the
server: the counter's lock is held only from its UPDATE to the commit, and any refusal (RAISE)
rolls back the whole statement.

Returns (coupon_id, created). created is false when the Idempotency-Key was already taken: a
retried tap waited on the first tap's row in the unique index and the first committed; the
caller then reads that coupon. Refusals are errors with SQLSTATE LR409 whose message is the
API's refusal code (sold_out, not_live, outside_claim_window, limit_reached, daily_limit)."""
from peewee import PostgresqlDatabase

CLAIM_COUPON = """
CREATE OR REPLACE FUNCTION claim_coupon(
    p_campaign integer, p_resident integer, p_key varchar, p_code varchar, p_now timestamp,
    p_valid_from timestamp, p_expires_at timestamp, p_day varchar, p_limit integer, p_day_limit integer,
    OUT coupon_id integer, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    held integer;
BEGIN
    -- First the coupon, which takes the key: a second tap with this key waits here.
    INSERT INTO coupon (campaign_id, resident_id, code, state, idempotency_key, claimed_at,
                        valid_from, expires_at, reminder_outcome)
    VALUES (p_campaign, p_resident, p_code, 'issued', p_key, p_now, p_valid_from, p_expires_at, '')
    ON CONFLICT (resident_id, idempotency_key) DO NOTHING
    RETURNING id INTO coupon_id;
    IF coupon_id IS NULL THEN
        created := false;
        RETURN;
    END IF;
    -- Then the resident's holding, under both limits: their simultaneous taps queue on this row.
    INSERT INTO coupon_holding AS h (campaign_id, resident_id, total, day, on_day)
    VALUES (p_campaign, p_resident, 1, p_day, 1)
    ON CONFLICT (campaign_id, resident_id) DO UPDATE
        SET total = h.total + 1, on_day = CASE WHEN h.day = p_day THEN h.on_day + 1 ELSE 1 END, day = p_day
        WHERE h.total < p_limit AND (h.day <> p_day OR h.on_day < p_day_limit)
    RETURNING h.total INTO held;
    IF held IS NULL THEN
        SELECT total INTO held FROM coupon_holding WHERE campaign_id = p_campaign AND resident_id = p_resident;
        RAISE EXCEPTION USING ERRCODE = 'LR409',
            MESSAGE = CASE WHEN held < p_limit THEN 'daily_limit' ELSE 'limit_reached' END;
    END IF;
    -- Last the campaign's counter, the one hot row, under stock, while live and in its window.
    UPDATE campaign SET claimed = claimed + 1
    WHERE id = p_campaign AND state = 'live' AND claimed < total_stock
      AND claim_starts_at <= p_now AND claim_ends_at > p_now;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LR409', MESSAGE = (
            SELECT CASE WHEN state <> 'live' THEN 'not_live'
                        WHEN NOT (claim_starts_at <= p_now AND claim_ends_at > p_now) THEN 'outside_claim_window'
                        ELSE 'sold_out' END
            FROM campaign WHERE id = p_campaign);
    END IF;
    created := true;
END
$$
"""


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(CLAIM_COUPON)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP FUNCTION IF EXISTS claim_coupon(integer, integer, varchar, varchar, timestamp, "
                       "timestamp, timestamp, varchar, integer, integer)")
