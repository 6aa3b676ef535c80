// The address page in care mode (large type), step by step, with the screenshots the README
// shows (LINLI_SCREENSHOTS=1): every step must keep its words and its large type.
const { snapshot } = require('./helpers/screenshot')
const { open, tap, text, screen } = require('./helpers/page')
const phone = require('./helpers/wx')
const stories = require('./helpers/stories')

function careShown(page) {
  return /(^|\s|--)care(\s|$)/.test(page.dom.firstElementChild.className)
}

test.each([
  ['normal type', 16, false, 'address'],
  ['a large system font (care mode)', 22, true, 'address-care'],
])('with %s, each step of choosing an address is shown and the claim is stored', async (_, font, care, name) => {
  phone.phone.fontSizeSetting = font
  const page = await open('pages/address/index')
  expect(careShown(page)).toBe(care)
  expect(screen(page)).toContain('请选择小区')
  snapshot(page, `${name}-estates`)

  await tap(page, '#option-0')                 // 丰泽园小区
  await tap(page, '#option-0')                 // 1号楼
  await tap(page, '#option-0')                 // 1单元
  await tap(page, '#room-301')
  expect(text(page, '#picked')).toContain('301')
  expect(careShown(page)).toBe(care)
  snapshot(page, `${name}-room`)

  await tap(page, '#submit')
  expect(text(page, '#done')).toContain('丰泽园小区 1号楼 1单元 301')
  expect(careShown(page)).toBe(care)
  snapshot(page, `${name}-done`)
  const row = await stories.residentRow()
  expect(row).toMatchObject({ address_state: 'pending', room: '301' })
  expect(row.household_id).not.toBeNull()
})
