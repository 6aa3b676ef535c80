// What a story needs set up before the resident opens a page, done the way it happens: through
// the real API, as the resident (the test's phone) or as staff working a case from their phone.
const backend = require('./backend')
const phone = require('./wx')

const STAFF_PASSWORD = 'linli-demo-2026'
const SESSION_KEY = 'linli.session'        // src/lib/session.js
const staffTokens = {}                      // username → token, for the whole test file

function ok(answer, what) {
  if (answer.status >= 200 && answer.status < 300) return answer.data
  throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.data)}`)
}

// Sign in as `openid` (the test's resident by default) as wx.login + /login would. The test's
// own resident's session is kept in the phone's storage, so pages do not sign in again.
async function signIn(openid = phone.phone.openid) {
  const { code } = await backend.control('/login-code', { openid })
  const session = ok(await backend.api('POST', '/login', { body: { code } }), 'login')
  if (openid === phone.phone.openid) {
    phone.wx.setStorageSync(SESSION_KEY, { token: session.token, expires_at: session.expires_at, resident: session.resident })
  }
  return session.token
}

// Claim a home in 丰泽园小区 1号楼 1单元 (grid G1: 网格员一, grid1), so cases go to that grid.
async function claimHome(token, room = '301') {
  const [home] = await backend.sql(
    'SELECT b.id AS building, MIN(u.id) AS unit FROM building b JOIN estate e ON e.id = b.estate_id ' +
    "JOIN unit u ON u.building_id = b.id WHERE e.name = '丰泽园小区' AND b.name = '1号楼' GROUP BY b.id")
  return ok(await backend.api('PUT', '/me/address', { token, body: { building_id: home.building, unit_id: home.unit, room } }), 'address')
}

// File a case through POST /reports; returns its summary ({number, state, …}).
async function fileCase(token, body) {
  const key = `test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
  const answer = await backend.api('POST', '/reports', { token, body, headers: { 'Idempotency-Key': key } })
  return ok(answer, 'file a case')
}

async function staffToken(username) {
  if (!staffTokens[username]) {
    const answer = await backend.api('POST', '/staff/login', { body: { username, password: STAFF_PASSWORD } })
    staffTokens[username] = ok(answer, `staff login ${username}`).token
  }
  return staffTokens[username]
}

// A staff action on a case (cases/workflow.py ACTIONS: accept, start, note, resolve, …).
async function staffAct(username, number, action, body = {}) {
  const token = await staffToken(username)
  return ok(await backend.api('POST', `/staff/cases/${number}/${action}`, { token, body }), `${username} ${action}`)
}

module.exports = { signIn, claimHome, fileCase, staffToken, staffAct }
