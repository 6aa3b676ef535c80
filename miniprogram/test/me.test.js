// 我的: the resident's address and whether it is confirmed (and by whom it can be), care mode
// (large type) for every page, and binding a phone number through WeChat's phone button.
const { snapshot } = require('./helpers/screenshot')
const { open, find, text, screen, settle } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const stories = require('./helpers/stories')

// Back on the 我的 tab: the page's onShow and the care behaviour's page show both run.
async function showAgain(page) {
  if (page.instance.onShow) page.instance.onShow()
  page.triggerPageLifeTime('show')
  await settle()
}

// Care mode as the resident sees it: the root view's class (app.wxss .care), not page data.
function careShown(page) {
  return /(^|\s|--)care(\s|$)/.test(page.dom.firstElementChild.className)
}

function switchOn(page) {
  return !!find(page, '#care-switch').querySelector('.t-switch__body--checked')
}

async function tapSwitch(page) {
  find(page, '#care-switch').querySelector('.t-switch').dispatchEvent('tap')
  await settle()
}

// What WeChat's phone sheet hands the button: a one-time code when the resident allows it.
// WeChat's getphonenumber does not bubble, but every event simulate dispatches does (the page
// would hear it twice, from the native button and from t-button): so it goes to t-button's own
// handler, which passes it on once, as on a phone.
async function phoneButton(page, detail) {
  find(page, '#bind-phone').instance.getphonenumber({ type: 'getphonenumber', detail })
  await settle()
}

test('a new resident has no address yet: asked to fill one in, nobody listed to confirm it', async () => {
  const me = await open('pages/me/index')
  expect(text(me, '#address-state')).toContain('未填写')
  expect(screen(me)).toContain('尚未填写住址')
  expect(text(me, '#confirmers')).toBeNull()
  expect((await stories.residentRow()).address_state).toBe('none')
  snapshot(me, 'me-new')
})

test('a claimed address waits: 待确认, and the building leader, grid worker and secretary are listed', async () => {
  const me = await open('pages/me/index')
  await stories.claimAddress()
  await showAgain(me)
  expect(screen(me)).toContain('丰泽园小区 1号楼 1单元 301')
  expect(text(me, '#address-state')).toContain('待确认')
  expect(text(me, '#confirmers')).toContain('楼长老王')
  expect(text(me, '#confirmers')).toContain('网格员一')
  expect(text(me, '#confirmers')).toContain('书记')
  expect((await stories.residentRow()).address_state).toBe('pending')
  snapshot(me, 'me-pending')
})

test('once the building leader confirms it, the address reads 已确认 and no one is listed any more', async () => {
  const me = await open('pages/me/index')
  await stories.claimAddress()
  await stories.confirmAddress({ by: 'louzhang1' })
  await showAgain(me)
  expect(text(me, '#address-state')).toContain('已确认')
  expect(text(me, '#address-state')).not.toContain('待确认')
  expect(text(me, '#confirmers')).toBeNull()
  expect(screen(me)).not.toContain('楼长老王')
  expect((await stories.residentRow()).address_state).toBe('confirmed')
  snapshot(me, 'me')
})

test('the 关怀模式 switch turns large type on for this page and the others, and remembers it', async () => {
  phone.phone.fontSizeSetting = 16
  const me = await open('pages/me/index')
  expect(careShown(me)).toBe(false)
  expect(switchOn(me)).toBe(false)

  await tapSwitch(me)
  expect(careShown(me)).toBe(true)
  expect(switchOn(me)).toBe(true)
  expect(phone.wx.setStorageSync).toHaveBeenCalledWith('linli.care', 'on')

  const address = await open('pages/address/index')      // another page, opened afterwards
  expect(careShown(address)).toBe(true)
  await showAgain(address)                               // and one already open, shown again
  expect(careShown(address)).toBe(true)

  await tapSwitch(me)
  expect(careShown(me)).toBe(false)
  expect(phone.storage.get('linli.care')).toBe(JSON.stringify('off'))
  await showAgain(address)
  expect(careShown(address)).toBe(false)
})

test('until the resident chooses, care mode follows the phone’s font size (微信 字体大小)', async () => {
  phone.phone.fontSizeSetting = 22                       // a large system font
  const me = await open('pages/me/index')
  expect(careShown(me)).toBe(true)
  expect(switchOn(me)).toBe(true)
  expect(careShown(await open('pages/address/index'))).toBe(true)
  await stories.claimAddress()
  await stories.confirmAddress()
  await showAgain(me)
  snapshot(me, 'me-care')

  // turned off by hand, it stays off whatever the font size
  await tapSwitch(me)
  expect(careShown(await open('pages/address/index'))).toBe(false)

  phone.resetPhone()                                     // another phone, normal font, no choice made
  phone.phone.fontSizeSetting = 16
  expect(careShown(await open('pages/me/index'))).toBe(false)
})

test('binding a phone number: WeChat’s code goes to the backend, which stores the number; shown masked', async () => {
  const me = await open('pages/me/index')
  expect(text(me, '#phone')).toBe('未绑定')
  const { code } = await backend.control('/phone-code', { phone: '13800000000' })
  await phoneButton(me, { errMsg: 'getPhoneNumber:ok', code })
  expect((await stories.residentRow()).phone).toBe('13800000000')
  expect(text(me, '#phone')).toBe('138****0000')
  expect(screen(me)).not.toContain('13800000000')
  expect(screen(me)).toContain('更换手机号')
  expect(phone.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已绑定' }))
  // the number comes back from the server on the next visit too
  await showAgain(me)
  expect(text(me, '#phone')).toBe('138****0000')
  snapshot(me, 'me-phone')
})

test('declining on WeChat’s phone sheet sends nothing and changes nothing', async () => {
  const me = await open('pages/me/index')
  await phoneButton(me, { errMsg: 'getPhoneNumber:fail user deny' })
  expect(phone.log.filter(r => r.url.endsWith('/me/phone'))).toEqual([])
  expect((await stories.residentRow()).phone).toBeFalsy()
  expect(text(me, '#phone')).toBe('未绑定')
  expect(phone.wx.showModal).not.toHaveBeenCalled()
})

// A forged code (someone posting a number WeChat never vouched for) and a replayed one (a code
// seen once, sent again) are both refused by WeChat; the stored number stays as it was.
test('a code WeChat did not issue, or one already used, is refused and the number stays', async () => {
  const me = await open('pages/me/index')
  await phoneButton(me, { errMsg: 'getPhoneNumber:ok', code: 'phone-999999999' })
  expect((await stories.residentRow()).phone).toBeFalsy()
  expect(text(me, '#phone')).toBe('未绑定')
  expect(phone.wx.showModal).toHaveBeenLastCalledWith(expect.objectContaining({ content: expect.stringContaining('再点一次') }))

  const { code } = await backend.control('/phone-code', { phone: '13800000000' })
  await phoneButton(me, { errMsg: 'getPhoneNumber:ok', code })
  expect((await stories.residentRow()).phone).toBe('13800000000')
  phone.wx.showModal.mockClear()
  await phoneButton(me, { errMsg: 'getPhoneNumber:ok', code })      // the same code again
  expect(phone.wx.showModal).toHaveBeenCalledTimes(1)
  expect(phone.wx.showModal.mock.calls[0][0].title).toContain('已使用')
  expect((await stories.residentRow()).phone).toBe('13800000000')
})
