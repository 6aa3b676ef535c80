"""A real HTTP stand-in for WeChat's API (see api.py for what it answers)."""
from tests.wechat_emulator.server import Emulator

__all__ = ["Emulator"]
