// Set-ups stories share: what the resident or the staff did before the test's own steps, done
// through the real API (a second client) rather than through pages another test already covers.
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

// The signed-in resident's token, after a page signed them in (the sign-in itself is under test).
function residentToken() {
  const session = phone.storage.has(SESSION_KEY) ? JSON.parse(phone.storage.get(SESSION_KEY)) : null
  if (!session || !session.token) throw new Error('open a page first: the resident signs in on the first screen')
  return session.token
}

async function residentRow() {
  const rows = await backend.sql('SELECT * FROM resident WHERE mp_openid = ?', phone.phone.openid)
  return rows[0]
}

// A building (and its first unit) by names from the demo community, e.g. ('丰泽园小区', '1号楼').
async function building(estate, name) {
  const [row] = await backend.sql(
    'SELECT b.id AS building_id, (SELECT MIN(u.id) FROM unit u WHERE u.building_id = b.id) AS unit_id ' +
    'FROM building b JOIN estate e ON e.id = b.estate_id WHERE e.name = ? AND b.name = ?', estate, name)
  if (!row) throw new Error(`no building ${estate} ${name} in the demo community`)
  return row
}

// The resident claims an address (PUT /me/address) as the address page would; it waits for
// confirmation. Default: 丰泽园小区 1号楼 1单元 301 (grid G1: grid1; building leader louzhang1).
async function claimAddress({ token = residentToken(), estate = '丰泽园小区', name = '1号楼', room = '301' } = {}) {
  const { building_id, unit_id } = await building(estate, name)
  return ok(await backend.api('PUT', '/me/address', { token, body: { building_id, unit_id, room } }), 'PUT /me/address')
}

function claimHome(token, room = '301') {
  return claimAddress({ token, room })
}

// File a case through POST /reports; returns its summary ({number, state, …}).
async function fileCase(token, body) {
  const key = `test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
  const answer = await backend.api('POST', '/reports', { token, body, headers: { 'Idempotency-Key': key } })
  return ok(answer, 'file a case')
}

async function staffToken(username = 'louzhang1') {
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

// Staff confirm (or reject) the resident's claimed address, as in the staff app.
async function confirmAddress({ by = 'louzhang1', approve = true } = {}) {
  const resident = await residentRow()
  return ok(await backend.api('POST', `/staff/residents/${resident.id}/address`, {
    token: await staffToken(by), body: { approve },
  }), 'confirm address')
}

// A household (room) of the demo community: `unit` counts the building's units from 0.
async function household({ estate = '丰泽园小区', name = '1号楼', unit = 0, room = '301' } = {}) {
  const rows = await backend.sql(
    'SELECT h.id, h.unit_id, u.building_id FROM household h JOIN unit u ON u.id = h.unit_id ' +
    'JOIN building b ON b.id = u.building_id JOIN estate e ON e.id = b.estate_id ' +
    'WHERE e.name = ? AND b.name = ? AND h.room = ? ORDER BY u.id', estate, name, room)
  if (!rows[unit]) throw new Error(`no room ${room} in unit ${unit} of ${estate} ${name}`)
  return rows[unit]
}

// `openid` signed in, living in `home` (from household()) as the address page files it (the
// room tapped: household_id), confirmed by `by` through the staff API. Returns {id, token}.
async function residentOf(home, { openid = phone.phone.openid, by = 'louzhang1' } = {}) {
  const token = await signIn(openid)
  const me = ok(await backend.api('PUT', '/me/address', {
    token, body: { building_id: home.building_id, unit_id: home.unit_id, household_id: home.id },
  }), 'PUT /me/address')
  const [row] = await backend.sql('SELECT id FROM resident WHERE mp_openid = ?', openid)
  ok(await backend.api('POST', `/staff/residents/${row.id}/address`, {
    token: await staffToken(by), body: { approve: true },
  }), 'confirm address')
  return { id: row.id, token, address: me.address }
}

module.exports = {
  signIn, residentToken, residentRow, building, claimAddress, claimHome, fileCase, staffToken, staffAct, confirmAddress,
  household, residentOf,
}
