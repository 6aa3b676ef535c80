"""The custom menu lives in account/menu.json, under version control, and is pushed by a
command: what residents see is what the repository says. CLICK keys are answered by
account.clicks.ANSWERS or by auto-reply rules of type "click"; a menu with a key neither answers
is refused before it reaches residents."""
import json
from pathlib import Path

from account import clicks
from account import rules

MENU_FILE = Path(__file__).with_name("menu.json")
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5


class MenuError(ValueError):
    pass


def load(path=MENU_FILE):
    menu = json.loads(Path(path).read_text(encoding="utf-8"))
    check(menu)
    return menu


def check(menu):
    """WeChat's limits, checked before pushing: 3 buttons, 5 sub-buttons each, names of at
    most 4 (top) / 8 (sub) Chinese characters (16 / 60 bytes), and a key or URL per action."""
    buttons = menu.get("button") or []
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise MenuError("the menu needs 1 to %d buttons" % MAX_BUTTONS)
    for button in buttons:
        _name(button, 16)
        subs = button.get("sub_button")
        if subs is not None:
            if not 1 <= len(subs) <= MAX_SUB_BUTTONS:
                raise MenuError("%s: 1 to %d sub-buttons" % (button["name"], MAX_SUB_BUTTONS))
            for sub in subs:
                _name(sub, 60)
                _action(sub)
        else:
            _action(button)


def _name(button, max_bytes):
    name = button.get("name", "")
    if not name or len(name.encode("utf-8")) > max_bytes:
        raise MenuError("button name %r must be 1 to %d bytes" % (name, max_bytes))


def _action(button):
    kind = button.get("type")
    if kind == "click" and not button.get("key"):
        raise MenuError("%s: a click button needs a key" % button["name"])
    if kind == "view" and not button.get("url", "").startswith(("http://", "https://")):
        raise MenuError("%s: a view button needs an http(s) url" % button["name"])
    if kind not in ("click", "view", "miniprogram", "scancode_push", "location_select", "pic_photo_or_album"):
        raise MenuError("%s: unknown button type %r" % (button["name"], kind))


def click_keys(menu):
    buttons = [sub for button in menu.get("button") or [] for sub in button.get("sub_button") or [button]]
    return [b["key"] for b in buttons if b.get("type") == "click" and b.get("key")]


def unanswered_keys(menu):
    """The menu's CLICK keys that nothing answers: not in clicks.ANSWERS, and no enabled rule
    answers them at every hour. Needs the database (the rules)."""
    answered = set(clicks.ANSWERS) | rules.click_keys_always_answered()
    return [key for key in click_keys(menu) if key not in answered]
