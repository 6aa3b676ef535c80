"""Permanent QR codes for each building's door: scanning one follows the account and
tells us the building. A code is made once and its ticket kept; the account's permanent codes
are limited (100,000), so running the command again makes none for buildings that have one."""
import re
from pathlib import Path

from peewee import JOIN

from models.community import Building
from models.community import Community
from models.community import Estate

SCENE_LIMIT = 64            # WeChat's limit for scene_str


def building_codes(client, out_dir, community_code=None):
    """Make missing codes, save every building's image as PNG; returns [(building, path)]."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    query = (Building.select(Building, Community, Estate).join(Community)
             .switch(Building).join(Estate, JOIN.LEFT_OUTER)
             .where((Building.active == True) & Building.qr_scene.is_null(False))  # noqa: E712
             .order_by(Building.id))
    if community_code:
        query = query.where(Community.code == community_code)
    saved = []
    for building in query:
        if len(building.qr_scene) > SCENE_LIMIT:
            raise ValueError("scene of %s is longer than %d characters" % (building.label, SCENE_LIMIT))
        path = out / _file_name(building)
        path.write_bytes(client.show_qrcode(ensure_ticket(client, building)))
        saved.append((building, path))
    return saved


def ensure_ticket(client, building):
    """The building's permanent QR ticket, made on first use and kept (WeChat caps permanent
    codes at 100,000 per account, so they are never made twice)."""
    if not building.qr_ticket:
        answer = client.qrcode.create({"action_name": "QR_LIMIT_STR_SCENE",
                                       "action_info": {"scene": {"scene_str": building.qr_scene}}})
        building.qr_ticket = answer["ticket"]
        Building.update(qr_ticket=building.qr_ticket).where(Building.id == building.id).execute()
    return building.qr_ticket


def _file_name(building):
    parts = [building.community.code, building.estate.name if building.estate_id else "", building.name]
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", "-".join(p for p in parts if p)) + ".png"
