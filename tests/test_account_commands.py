"""The operator commands: building QR codes and the custom menu, against the emulator."""
import json

from community.demo import seed_demo
from models.community import Building
from tests.wechat_emulator.api import PNG


def test_qrcodes_are_made_once_per_building_and_saved_as_png(app, database, emulator, tmp_path):
    seed_demo()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["wechat", "qrcodes", "--out", str(tmp_path / "qr")])
    assert result.exit_code == 0, result.output
    assert "39 QR codes saved" in result.output
    created = emulator.calls("cgi-bin/qrcode/create")
    assert len(created) == 39
    assert created[0].body["action_name"] == "QR_LIMIT_STR_SCENE"
    first = Building.select().order_by(Building.id).first()
    assert created[0].body["action_info"]["scene"]["scene_str"] == first.qr_scene
    files = sorted((tmp_path / "qr").iterdir())
    assert len(files) == 39 and files[0].read_bytes() == PNG
    assert "bajiazhuang-丰泽园小区-1号楼.png" in [f.name for f in files]
    # Permanent codes are limited: a second run reuses the tickets.
    assert runner.invoke(args=["wechat", "qrcodes", "--out", str(tmp_path / "qr")]).exit_code == 0
    assert len(emulator.calls("cgi-bin/qrcode/create")) == 39


def test_menu_push_publishes_the_version_controlled_menu(app, emulator):
    result = app.test_cli_runner().invoke(args=["wechat", "menu", "push"])
    assert result.exit_code == 0, result.output
    pushed = emulator.calls("cgi-bin/menu/create")[0].body
    keys = [s["key"] for b in pushed["button"] for s in b.get("sub_button", [b]) if "key" in s]
    assert {"REPORT_HELP", "MY_CASES"} <= set(keys)


def test_the_shipped_menu_leads_to_proposals_and_consultations_within_wechats_limits(app, database, emulator):
    # 议事/征询 needed a place in a menu that already had WeChat's 3 top buttons: it sits under
    # 通知议事 beside 社区通知, and every key still has an answer (the push refuses one without).
    result = app.test_cli_runner().invoke(args=["wechat", "menu", "push"])
    assert result.exit_code == 0, result.output
    pushed = emulator.calls("cgi-bin/menu/create")[0].body
    assert len(pushed["button"]) <= 3 and all(len(b.get("sub_button", [])) <= 5 for b in pushed["button"])
    under = {s["key"]: b["name"] for b in pushed["button"] for s in b.get("sub_button", [])}
    assert under["PROPOSALS_AND_VOTES"] == under["NOTICES"] == "通知议事"
    assert {"REPORT_HELP", "MY_CASES", "NOTICES", "SERVICE_GUIDE", "RED_CARD", "PROPOSALS_AND_VOTES",
            "VOLUNTEERS"} == set(under)
    assert under["VOLUNTEERS"] == under["RED_CARD"] == "便民服务"


def test_menu_that_breaks_wechats_limits_is_refused_before_pushing(app, emulator, tmp_path):
    bad = tmp_path / "menu.json"
    bad.write_text(json.dumps({"button": [{"type": "click", "name": "一个名字太长的菜单按钮", "key": "X"}]}))
    result = app.test_cli_runner().invoke(args=["wechat", "menu", "push", "--file", str(bad)])
    assert result.exit_code != 0 and "bytes" in result.output
    assert not emulator.calls("cgi-bin/menu/create")


def test_the_word_list_comes_from_a_file_and_stats_from_a_day(app, database, emulator, tmp_path):
    from models.content import FollowerDailyStat
    from models.content import SensitiveWord
    listed = tmp_path / "words.txt"
    listed.write_text("代开发票\n\n  法轮  \n代开发票\n", encoding="utf-8")
    runner = app.test_cli_runner()
    assert "2 words listed" in runner.invoke(args=["wechat", "words", str(listed)]).output
    assert sorted(w.word for w in SensitiveWord.select()) == ["代开发票", "法轮"]
    emulator.state.datacube["getusercumulate"] = [{"ref_date": "2026-11-20", "cumulate_user": 700}]
    assert "0 article rows, 1 follower rows" in runner.invoke(args=["wechat", "stats", "--day", "2026-11-20"]).output
    assert FollowerDailyStat.get().total == 700
    bad = runner.invoke(args=["wechat", "stats", "--day", "yesterday"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
