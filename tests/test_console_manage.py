"""The console a newcomer can use: roles in words, staff managed by the community's managers,
only the case actions that can succeed, a month picker, and demo data that fills every page."""
import re

from tests.test_console import console  # noqa: F401  (the signed-in client fixture)


def _page(client, path):
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True)


# -- 18: roles in words --------------------------------------------------------------------------
def test_roles_are_shown_in_words_not_as_keys(client, console):
    """A newcomer reading `grid_worker grid:1` cannot tell who does what."""
    sign_in, _ = console
    sign_in("admin")
    page = _page(client, "/console/community")
    for label in ("网格员 · 第一网格", "片区负责人 · 第二网格", "楼长 · 丰泽园小区 1号楼",
                  "单元长 · 丰泽园小区 1号楼 1单元", "社区书记 · 八家庄社区", "系统管理员 · 八家庄社区"):
        assert label in page, label
    sign_in("grid1")
    assert "网格员 · 第一网格" in _page(client, "/console/")
    for page in (_page(client, "/console/"), _page(client, "/console/cases")):
        assert not re.search(r"grid_worker|area_cadre|(grid|community|building|unit):\d", page)
