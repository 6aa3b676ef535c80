// Story 1 and 2: a resident signs in without noticing, chooses an address from the community's
// structure or from a building's QR code, and sees who can confirm it. Checked in the database.
const { open, tap, type, screen, text } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')

async function residentRow() {
  const rows = await backend.sql(
    'SELECT r.id, r.building_id, r.unit_id, r.room, r.address_state, b.name AS building FROM resident r ' +
    'LEFT JOIN building b ON b.id = r.building_id WHERE r.mp_openid = ?', phone.phone.openid)
  return rows[0]
}

test('signing in happens by itself: the first screen calls wx.login and the session is kept', async () => {
  const me = await open('pages/me/index')
  expect(phone.wx.login).toHaveBeenCalledTimes(1)
  expect(text(me, '#address-state')).toContain('未填写')
  const row = await residentRow()
  expect(row.address_state).toBe('none')
  // a second page in the same session does not sign in again
  await open('pages/me/index')
  expect(phone.wx.login).toHaveBeenCalledTimes(1)
})

test('a resident walks estate → building → unit → room, and the address waits for the building leader', async () => {
  const page = await open('pages/address/index')
  expect(screen(page)).toContain('请选择小区')
  expect(screen(page)).toContain('丰泽园小区')
  await tap(page, '#option-0')                 // 丰泽园小区
  expect(screen(page)).toContain('请选择楼栋')
  await tap(page, '#option-0')                 // 1号楼
  expect(screen(page)).toContain('请选择单元')
  await tap(page, '#option-0')                 // 1单元
  await type(page, '#room', '301')
  await tap(page, '#submit')
  expect(text(page, '#done')).toContain('待确认')
  expect(text(page, '#done')).toContain('丰泽园小区 1号楼 1单元 301')
  expect(text(page, '#done')).toContain('楼长老王')           // building 1's leader may confirm
  const row = await residentRow()
  expect(row).toMatchObject({ address_state: 'pending', room: '301', building: '1号楼' })
  expect(row.unit_id).not.toBeNull()

  const me = await open('pages/me/index')
  expect(text(me, '#address-state')).toContain('待确认')
  expect(text(me, '#confirmers')).toContain('网格员一')
})

test('opened from a building QR code (scene b=<id>), the page starts at that building', async () => {
  const [building] = await backend.sql(
    "SELECT b.id FROM building b JOIN estate e ON e.id = b.estate_id WHERE e.name = '百花小区' AND b.name = '2号楼'")
  const page = await open('pages/address/index', { scene: encodeURIComponent(`b=${building.id}`) })
  expect(text(page, '#scanned')).toContain('百花小区 2号楼')
  expect(screen(page)).toContain('请选择单元')
  await tap(page, '#option-1')
  await tap(page, '#submit')
  const row = await residentRow()
  expect(row).toMatchObject({ building_id: building.id, address_state: 'pending', room: '' })
})

test('a chosen level can be chosen again, and only the last choice is saved', async () => {
  const page = await open('pages/address/index')
  await tap(page, '#option-0')
  await tap(page, '#option-0')
  await tap(page, '#chosen-estate')            // changed their mind about the estate
  expect(screen(page)).toContain('请选择小区')
  await tap(page, '#option-1')                 // 八家庄东区
  await tap(page, '#option-2')                 // its 3号楼
  await tap(page, '#option-0')
  await tap(page, '#submit')
  const [row] = await backend.sql(
    'SELECT e.name AS estate, b.name AS building FROM resident r JOIN building b ON b.id = r.building_id ' +
    'JOIN estate e ON e.id = b.estate_id WHERE r.mp_openid = ?', phone.phone.openid)
  expect(row).toEqual({ estate: '八家庄东区', building: '3号楼' })
})

test('a QR code of a building no longer in use says so, and the list is offered instead', async () => {
  const page = await open('pages/address/index', { scene: 'b%3D999999' })
  expect(text(page, '#scan-problem')).toContain('不在使用')
  expect(screen(page)).toContain('请选择小区')
  expect(await residentRow()).toBeUndefined()      // nothing was claimed (not even signed in)
})
