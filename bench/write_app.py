"""The real app plus one endpoint that writes the way the case workflow will: a read, then
writes, in one transaction, and a queued task that writes again from the consumer. Used only
by bench/concurrent_writes.py, so that the SQLite setup (WAL, IMMEDIATE transactions, busy
timeout) is measured with the web workers and the consumer writing at once."""
from flask import Blueprint
from flask import jsonify

from linli import queue
from models.community import Building
from models.db import db
from models.db import utcnow
from models.people import Resident
from wsgi import create_app

bp = Blueprint("bench", __name__)


@queue.huey.task()
def confirm_address(resident_id):
    (Resident.update(address_state="confirmed", address_confirmed_at=utcnow())
     .where(Resident.id == resident_id).execute())


@bp.post("/bench/residents")
def add_resident():
    with db.atomic():
        building = Building.select().order_by(db.random()).first()
        resident = Resident.create(nickname="bench", community=building.community_id,
                                   building=building, address_state="pending")
        Building.update(active=True).where(Building.id == building.id).execute()
    confirm_address(resident.id)
    return jsonify({"id": resident.id}), 201


app = create_app()
app.register_blueprint(bp)
