// The resident's session: a token from /login kept in storage, renewed quietly before it
// lapses, and signed in again (wx.login) when the server says it is gone. Callers never see a
// 401 unless signing in itself fails.
const errors = require('./errors')

const KEY = 'linli.session'
const RENEW_BEFORE = 24 * 3600          // seconds: refresh a token in its last day

let pending = null                      // one sign-in at a time, however many calls need it

function stored() {
  const s = wx.getStorageSync(KEY)
  return s && s.token ? s : null
}

function save(session) {
  wx.setStorageSync(KEY, session)
  return session
}

function forget() {
  wx.removeStorageSync(KEY)
}

function now() {
  return Math.floor(Date.now() / 1000)
}

// WeChat's own sign-in failing (no network at first launch, WeChat busy) is said to the
// resident like any failed call: an ApiError with a next step, never WeChat's raw errMsg.
function wxLogin() {
  return new Promise((resolve, reject) => wx.login({
    success: res => (res.code ? resolve(res.code) : reject(new errors.ApiError({ kind: 'login_failed' }))),
    fail: res => reject(/timeout|network|offline|INTERNET/i.test((res && res.errMsg) || '')
      ? errors.fromTransport(res.errMsg) : new errors.ApiError({ kind: 'login_failed' })),
  }))
}

// signIn(http): http is lib/api's raw call, passed in so the two modules do not import each other.
function signIn(http) {
  if (!pending) {
    pending = wxLogin()
      .then(code => http({ path: '/login', method: 'POST', data: { code }, auth: false }))
      .then(data => save({ token: data.token, expires_at: data.expires_at, resident: data.resident }))
      .finally(() => { pending = null })
  }
  return pending
}

// A token good for the next call: the stored one, renewed when it is in its last day.
async function token(http) {
  const s = stored()
  if (!s || s.expires_at <= now() + 60) return (await signIn(http)).token
  if (s.expires_at - now() < RENEW_BEFORE) {
    try {
      const fresh = await http({ path: '/token/refresh', method: 'POST', auth: s.token })
      return save({ ...s, token: fresh.token, expires_at: fresh.expires_at }).token
    } catch (e) {
      return (await signIn(http)).token
    }
  }
  return s.token
}

function resident() {
  const s = stored()
  return s ? s.resident : null
}

function remember(residentJson) {
  const s = stored()
  if (s) save({ ...s, resident: residentJson })
}

module.exports = { KEY, token, signIn, forget, resident, remember, stored }
