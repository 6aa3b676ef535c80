// The merchant counter's session, apart from the resident's: a clerk's or owner's token from
// /merchant/bind or /merchant/login, kept under its own storage key, and only ever sent by the
// counter pages. A resident's token never reaches /merchant/*, and a clerk's never reaches the
// residents' API, even on the same phone.
const api = require('../../lib/api')
const errors = require('../../lib/errors')

const KEY = 'linli.merchant'

function stored() {
  const s = wx.getStorageSync(KEY)
  return s && s.token ? s : null
}

function save(answer) {
  const s = { token: answer.token, expires_at: answer.expires_at, staff: answer.merchant_staff }
  wx.setStorageSync(KEY, s)
  return s
}

function forget() {
  wx.removeStorageSync(KEY)
}

function wxCode() {
  return new Promise((resolve, reject) => wx.login({
    success: res => (res.code ? resolve(res.code) : reject(new errors.ApiError({ kind: 'login_failed' }))),
    fail: res => reject(/timeout|network|offline|INTERNET/i.test((res && res.errMsg) || '')
      ? errors.fromTransport(res.errMsg) : new errors.ApiError({ kind: 'login_failed' })),
  }))
}

// Bind this WeChat to the merchant staff the one-time code was made for (the community gives it).
async function bind(bindingCode) {
  const code = await wxCode()
  return save(await api.raw({ path: '/merchant/bind', method: 'POST', data: { code, binding_code: bindingCode }, auth: false }))
}

// Sign in again with WeChat; the merchant is named when this WeChat serves several.
async function signIn(previous) {
  const code = await wxCode()
  const merchantId = previous && previous.staff ? previous.staff.merchant.id : undefined
  return save(await api.raw({ path: '/merchant/login', method: 'POST', data: { code, merchant_id: merchantId }, auth: false }))
}

// A usable session: the stored one while it lasts, else a fresh sign-in (not_merchant_staff
// when this WeChat was never bound: the page offers the binding page).
async function session() {
  const s = stored()
  if (s && s.expires_at > Math.floor(Date.now() / 1000) + 60) return s
  return signIn(s)
}

// One counter's connection. A page holds its own, so the session it opened with is the one it
// acts with (two counters on one phone in the tests are two clerks).
class Counter {
  constructor(s) { this.session = s }

  get staff() { return this.session.staff }

  async call(options) {
    try {
      return await api.raw({ ...options, auth: this.session.token })
    } catch (e) {
      if (e.status !== 401) throw e
      this.session = await signIn(this.session)
      return api.raw({ ...options, auth: this.session.token })
    }
  }

  get(path, data) { return this.call({ path, data }) }

  post(path, data) { return this.call({ path, method: 'POST', data }) }
}

async function open() {
  return new Counter(await session())
}

module.exports = { KEY, bind, signIn, open, forget, stored, Counter }
