"""The WeChat identities of the tests: the settings carry them, the emulator knows them, the
pushes are signed and encrypted with them."""
APPID, SECRET = "wx-test-oa", "oa-secret"                 # the official account
MP_APPID, MP_SECRET = "wx-test-mp", "mp-secret"           # the mini-program
WECHAT_TOKEN = "linli-test-token"
WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
