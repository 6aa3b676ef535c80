// Set-ups stories share: what the resident or the staff did before the test's own steps, done
// through the API (a second client) rather than through pages another test already covers.
const backend = require('./backend')
const phone = require('./wx')

// The signed-in resident's token and row. The resident signs in by opening a page first: the
// mini-program's own sign-in is what the tests are about, so they do not mint tokens themselves.
function residentToken() {
  const session = phone.storage.has('linli.session') ? JSON.parse(phone.storage.get('linli.session')) : null
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
// confirmation. Default: 丰泽园小区 1号楼 1单元 301, whose building leader is louzhang1.
async function claimAddress({ estate = '丰泽园小区', name = '1号楼', room = '301' } = {}) {
  const { building_id, unit_id } = await building(estate, name)
  const res = await backend.api('PUT', '/me/address', { token: residentToken(), body: { building_id, unit_id, room } })
  if (res.status !== 200) throw new Error(`PUT /me/address: ${res.status} ${JSON.stringify(res.data)}`)
  return res.data
}

const staffTokens = {}
async function staffToken(username = 'louzhang1') {
  if (!staffTokens[username]) {
    const res = await backend.api('POST', '/staff/login', { body: { username, password: 'linli-demo-2026' } })
    if (res.status !== 200) throw new Error(`staff login ${username}: ${res.status} ${JSON.stringify(res.data)}`)
    staffTokens[username] = res.data.token
  }
  return staffTokens[username]
}

// Staff confirm (or reject) the resident's claimed address, as in the staff app.
async function confirmAddress({ by = 'louzhang1', approve = true } = {}) {
  const resident = await residentRow()
  const res = await backend.api('POST', `/staff/residents/${resident.id}/address`, {
    token: await staffToken(by), body: { approve },
  })
  if (res.status !== 200) throw new Error(`confirm address: ${res.status} ${JSON.stringify(res.data)}`)
  return res.data
}

module.exports = { residentToken, residentRow, building, claimAddress, staffToken, confirmAddress }
