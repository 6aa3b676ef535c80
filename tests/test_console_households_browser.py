"""The households page in a real Chromium at a phone's width (fixtures from conftest.py): a
unit leader at the door corrects a room's area with the thumb."""
from models.community import Building
from models.community import Unit
from models.households import Household

PHONE_WIDTH = 375              # an iPhone's CSS width; Android phones are about the same


def test_a_unit_leader_corrects_an_area_on_a_phone(site):
    # The mistakes: a page wider than the phone (the table layout of the other pages scrolls
    # sideways), and links and buttons too small for a thumb (Apple and WCAG ask about 44px).
    page, url, sign_in = site
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    sign_in("danyuan1")
    page.click("nav >> text=住户")
    page.wait_for_selector("#households")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    unit = Building.select().order_by(Building.id).first().units.order_by(Unit.id).first()
    home = Household.get((Household.unit == unit) & (Household.room == "301"))
    card = page.locator("#h%d" % home.id)
    card.locator("summary").click()
    for target in (card.locator("summary"), card.locator("#edit-%d button" % home.id)):
        assert target.bounding_box()["height"] >= 44
    card.locator("input[name=floor_area]").fill("66.6")
    card.locator("#edit-%d button" % home.id).click()
    page.wait_for_selector("text=已保存 301 室")
    assert "66.60 m²" in page.inner_text("#h%d" % home.id)
    assert Household.get_by_id(home.id).floor_area_dm2 == 6660
