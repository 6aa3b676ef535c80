// Story 5, "my building": the service board of the resident's unit (片长, 楼长, 单元长, 网格员)
// with a call button only where the person published a phone, and the building's resolved
// cases. Staff are added in the real console, cases filed and resolved through the API.
const { snapshot } = require('./helpers/screenshot')
const { open, tap, text, screen } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const content = require('./helpers/content')

const run = Date.now().toString(36)
const LABELS = { building_leader: '楼长', unit_leader: '单元长', grid_worker: '网格员', area_cadre: '片区负责人' }
const ORDER = Object.keys(LABELS)

// Who the database says serves this unit (or the whole building when `unitId` is null), nearest first.
async function expectedBoard(place, unitId) {
  const rows = await backend.sql(
    'SELECT r.id, r.role, r.unit_id, s.name, s.phone, s.phone_public FROM role_assignment r JOIN staff s ON s.id = r.staff_id ' +
    "WHERE s.active = 1 AND ((r.role = 'building_leader' AND r.building_id = ?) " +
    "OR (r.role = 'unit_leader' AND r.unit_id IN (SELECT id FROM unit WHERE building_id = ?) AND (? IS NULL OR r.unit_id = ?)) " +
    "OR (r.role IN ('grid_worker', 'area_cadre') AND r.grid_id = ?))",
    place.id, place.id, unitId, unitId, place.grid_id)
  rows.sort((a, b) => (ORDER.indexOf(a.role) - ORDER.indexOf(b.role)) || ((a.unit_id || 0) - (b.unit_id || 0)) || (a.id - b.id))
  return rows.map(r => ({ role: LABELS[r.role], name: r.name, phone: r.phone_public && r.phone ? r.phone : null }))
}

function contacts(page) {
  const rows = []
  for (let i = 0; page.querySelector(`#contact-${i}`); i++) rows.push(text(page, `#contact-${i}`))
  return rows
}

function resolvedRows(page) {
  const rows = []
  for (let i = 0; page.querySelector(`#resolved-${i}`); i++) rows.push(text(page, `#resolved-${i}`))
  return rows
}

async function staffToken() {
  return (await backend.api('POST', '/staff/login', { body: { username: 'tianbing', password: 'linli-demo-2026' } })).data.token
}

// A case filed by a resident of `place` and resolved by the secretary; resolves its number.
async function resolvedCase(place, description, openid) {
  const { token } = await content.residentAt(place, { openid })
  const filed = await backend.api('POST', '/reports', { token, body: { description }, headers: { 'Idempotency-Key': `k-${Date.now()}-${Math.random().toString(36).slice(2)}` } })
  expect(filed.status).toBe(201)
  const done = await backend.api('POST', `/staff/cases/${filed.data.number}/resolve`, { token: await staffToken(), body: { note: '已处理' } })
  expect(done.status).toBe(200)
  return filed.data.number
}

test("my unit's board lists who serves it, and only a published phone can be called", async () => {
  const place = await content.building('建北小区', '2号楼')
  // A new unit leader added in the console: the console leaves a new person's phone unpublished.
  const secretary = await content.signedIn('tianbing')
  const staffPage = await secretary.get('/console/staff')
  const added = await secretary.post('/console/staff', {
    username: `unit-${run}`, name: `单元长小${run.slice(-3)}`, role: 'unit_leader', scope: `unit:${place.units[0].id}`, phone: '13800001111',
  }, staffPage)
  expect(added.status).toBeLessThan(400)
  const [leader] = await backend.sql('SELECT phone, phone_public FROM staff WHERE username = ?', `unit-${run}`)
  expect(leader).toEqual({ phone: '13800001111', phone_public: 0 })
  await content.residentAt(place)

  const page = await open('building/index')
  const expected = await expectedBoard(place, place.units[0].id)
  expect(expected.map(e => e.role)).toEqual(['单元长', '网格员', '片区负责人'])
  snapshot(page, 'building')
  const shown = contacts(page)
  expect(shown.length).toBe(expected.length)
  expected.forEach((e, i) => {
    expect(shown[i]).toContain(e.role)
    expect(shown[i]).toContain(e.name)
    expect(!!page.querySelector(`#call-${i}`)).toBe(!!e.phone)
  })
  expect(shown[0]).toContain('未公开电话')
  expect(screen(page)).not.toContain('13800001111')               // an unpublished phone is never shown

  const gridWorker = expected.findIndex(e => e.role === '网格员')
  await tap(page, `#call-${gridWorker}`)
  expect(phone.wx.makePhoneCall).toHaveBeenCalledTimes(1)
  expect(phone.wx.makePhoneCall).toHaveBeenLastCalledWith(expect.objectContaining({ phoneNumber: expected[gridWorker].phone }))
  expect(text(page, '#building')).toBe(`${place.label} ${place.units[0].name}`)
})

test("the building's resolved cases are this building's only, newest first, with more on request", async () => {
  const place = await content.building('建北小区', '5号楼')
  const next = await content.building('建北小区', '6号楼')
  for (let n = 1; n <= 11; n++) await resolvedCase(place, `5号楼第${n}处路灯已修复 ${run}`, `o-lamp-${run}`)
  const elsewhere = `6号楼门禁已修复 ${run}`
  await resolvedCase(next, elsewhere, `o-door-${run}`)
  await content.residentAt(place)

  const page = await open('building/index')
  const rows = await backend.sql(
    "SELECT description FROM report WHERE building_id = ? AND state IN ('resolved', 'closed') ORDER BY resolved_at DESC, id DESC",
    place.id)
  expect(rows.filter(r => r.description.endsWith(run)).length).toBe(11)    // the demo's history may add some
  expect(resolvedRows(page).length).toBe(10)
  resolvedRows(page).forEach((row, i) => expect(row).toContain(rows[i].description))
  await tap(page, '#more-resolved')
  const both = resolvedRows(page)
  expect(both.length).toBe(Math.min(20, rows.length))
  both.forEach((row, i) => expect(row).toContain(rows[i].description))
  expect(!!page.querySelector('#more-resolved')).toBe(rows.length > 20)
  expect(screen(page)).not.toContain(elsewhere)
})

test('without an address the page asks for one, and leads to the address page', async () => {
  const page = await open('building/index')
  expect(text(page, '#no-address')).toContain('还没有填写住址')
  expect(page.querySelector('#contact-0')).toBeFalsy()
  const [row] = await backend.sql('SELECT address_state, building_id FROM resident WHERE mp_openid = ?', phone.phone.openid)
  expect(row).toEqual({ address_state: 'none', building_id: null })
  await tap(page, '#fill-address')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/address/index' }))
})

test('with an address still waiting for confirmation, the board is already shown', async () => {
  const place = await content.building('丰泽园小区', '1号楼')
  await content.residentAt(place, { confirmed: false })
  const [row] = await backend.sql('SELECT address_state FROM resident WHERE mp_openid = ?', phone.phone.openid)
  expect(row.address_state).toBe('pending')
  const page = await open('building/index')
  expect(text(page, '#address-hint')).toContain('住址确认后')
  const expected = await expectedBoard(place, place.units[0].id)
  expect(contacts(page).map((c, i) => c.includes(expected[i].name))).toEqual(expected.map(() => true))
  expect(contacts(page)[0]).toContain('楼长老王')
})

test("an address without a unit shows the building's board, every unit's leader on it", async () => {
  const place = await content.building('丰泽园小区', '1号楼')
  await content.residentAt(place, { unit: null })
  const page = await open('building/index')
  const expected = await expectedBoard(place, null)
  const shown = contacts(page)
  expect(shown.length).toBe(expected.length)
  expect(shown.join('|')).toContain('1单元 单元长')
  expect(shown.join('|')).toContain('单元长小张')
})

test('when the server cannot be reached the page says so and 重试 loads it', async () => {
  const place = await content.building('丰收小区', '3号楼')
  await content.residentAt(place)
  phone.phone.offline = true
  const page = await open('building/index')
  expect(text(page, '#error')).toContain('网络未连接')
  phone.phone.offline = false
  await tap(page, '#retry')
  expect(page.querySelector('#error')).toBeFalsy()
  expect(contacts(page).length).toBe((await expectedBoard(place, place.units[0].id)).length)
})
