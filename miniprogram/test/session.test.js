// The session a resident never sees: signed in by the first page, renewed quietly in its last
// day, signed in again when the server no longer knows the token, and one sign-in however many
// calls need it at once. Checked against the backend's own answers.
const { open, text } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')

const KEY = 'linli.session'

beforeEach(() => {
  Object.values(phone.wx).forEach(fn => fn.mockClear())
})

function calls(method, suffix) {
  return phone.log.filter(r => r.method === method && r.url.split('?')[0].endsWith(suffix))
}

function stored() {
  return JSON.parse(phone.storage.get(KEY))
}

async function works(token) {
  return (await backend.api('GET', '/me', { token })).status === 200
}

test('the first page opened signs in once, and the next page uses the same session', async () => {
  await open('pages/report/index')
  expect(phone.wx.login).toHaveBeenCalledTimes(1)
  expect(calls('POST', '/login')).toHaveLength(1)
  const [resident] = await backend.sql('SELECT id FROM resident WHERE mp_openid = ?', phone.phone.openid)
  expect(stored().resident.id).toBe(resident.id)
  expect(await works(stored().token)).toBe(true)

  await open('pages/me/index')
  expect(phone.wx.login).toHaveBeenCalledTimes(1)
  expect(calls('GET', '/me')).toHaveLength(2)          // one per page, on the one session
})

test('a token in its last day is renewed quietly through /token/refresh, without wx.login', async () => {
  await open('pages/report/index')
  const old = stored()
  const inAnHour = Math.floor(Date.now() / 1000) + 3600
  phone.wx.setStorageSync(KEY, { ...old, expires_at: inAnHour })

  await open('pages/me/index')
  const refreshes = calls('POST', '/token/refresh')
  expect(refreshes).toHaveLength(1)
  expect(refreshes[0].header.Authorization).toBe(`Bearer ${old.token}`)
  expect(phone.wx.login).toHaveBeenCalledTimes(1)        // the first page's, no other
  const renewed = stored()
  expect(renewed.expires_at).toBeGreaterThan(inAnHour + 6 * 24 * 3600)   // a fresh week from the server
  expect(await works(renewed.token)).toBe(true)
  // the call it was renewed for went out with the renewed token
  expect(calls('GET', '/me').pop().header.Authorization).toBe(`Bearer ${renewed.token}`)
})

test('a token the server refuses (401) signs in again and repeats the call once', async () => {
  await open('pages/report/index')
  phone.wx.setStorageSync(KEY, { ...stored(), token: 'garbage' })      // forged, or signed with an old key

  const me = await open('pages/me/index')
  expect(phone.wx.login).toHaveBeenCalledTimes(2)
  const tries = calls('GET', '/me').slice(1)
  expect(tries.map(r => r.header.Authorization)).toEqual(['Bearer garbage', `Bearer ${stored().token}`])
  expect(await works(stored().token)).toBe(true)
  expect(text(me, '#error')).toBeNull()                 // the resident saw none of it
})

test('when signing in again fails too, the call is not repeated for ever', async () => {
  await open('pages/report/index')
  phone.wx.setStorageSync(KEY, { ...stored(), token: 'garbage' })
  // and WeChat's own login fails too (wx.login unavailable): one try, then the page says so
  const realLogin = phone.wx.login.getMockImplementation()
  phone.wx.login.mockImplementation(o => o.fail({ errMsg: 'login:fail' }))
  try {
    const me = await open('pages/me/index')
    expect(calls('GET', '/me').slice(1)).toHaveLength(1)
    // said in words with a next step, never WeChat's raw errMsg or an empty banner
    expect(text(me, '#error')).toContain('微信登录没有成功')
    expect(text(me, '#error')).toContain('重试')
  } finally {
    phone.wx.login.mockImplementation(realLogin)
  }
})

test('several calls at once share one sign-in', async () => {
  const api = require('../src/lib/api')
  const answers = await Promise.all([api.get('/me'), api.get('/reports'), api.get('/me'), api.post('/token/refresh')])
  expect(phone.wx.login).toHaveBeenCalledTimes(1)
  expect(calls('POST', '/login')).toHaveLength(1)
  expect(answers[0].id).toBe(stored().resident.id)
  expect(answers[1].items).toEqual([])
})
