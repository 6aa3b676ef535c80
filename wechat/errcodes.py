"""WeChat's errcodes that Linli acts on, by name: code compares with these, never with numbers.

WeChat's own wording is beside each (its documentation and the errmsg it answers); the tests'
WeChat emulator keeps the bare numbers, since it stands for WeChat itself."""

BUSY = -1                          # 系统繁忙: the call may or may not have taken effect
INVALID_CREDENTIAL = 40001         # access_token invalid, or not the latest
INVALID_OPENID = 40003             # the openid is not a follower of this account
INVALID_ACCESS_TOKEN = 40014
INVALID_CODE = 40029               # a one-time code (wx.login, getPhoneNumber) WeChat does not know
CODE_USED = 40163                  # that code was used already
HIGH_RISK_USER = 40226             # WeChat blocks this user's login
ACCESS_TOKEN_EXPIRED = 42001
UNSUBSCRIBED = 43004               # require subscribe: the resident left the account
NO_SUBSCRIPTION = 43101            # user refuse to accept the msg: no opt-in (left) for this template
QUOTA = 45009                      # reach max api daily quota limit
OUTSIDE_WINDOW = 45015             # response out of time limit: no customer-service window
OVER_WINDOW_COUNT = 45047          # out of response count limit: the window's allowance is used up
REPEATED_CLIENT_MSG_ID = 45065     # a mass send with this clientmsgid went out within 24 hours
TAG_NAME_TAKEN = 45157             # a tag with this name exists
NO_PUBLISH_PERMISSION = 48001      # api unauthorized: unverified accounts lost freepublish in 2025-07
NO_COMMENT_PERMISSION = 88000      # without comment privilege

# The access token was refused: replaced (if still the refused one) and the call made again once.
TOKEN_REFUSED = frozenset({INVALID_CREDENTIAL, INVALID_ACCESS_TOKEN, ACCESS_TOKEN_EXPIRED})
# A customer-service message WeChat will not carry now; a template or notice still may.
WINDOW_CLOSED = frozenset({OUTSIDE_WINDOW, OVER_WINDOW_COUNT})
# The person can no longer be messaged on the official account at all.
RECIPIENT_GONE = frozenset({UNSUBSCRIBED, INVALID_OPENID})
# A mini-program one-time code that will never work: the client must ask for another.
BAD_ONE_TIME_CODE = frozenset({INVALID_CODE, CODE_USED, HIGH_RISK_USER})
