// Story 7, the community red card (社区红卡): a resident with a confirmed address sees the live
// campaigns with what is left, claims one with a tap (a second tap or a retry gets the same
// coupon), and shows it at the counter as a QR code that rotates, on a bright screen. Set up
// through the real API: the community's secretary onboards a merchant, binds its clerk, drafts,
// approves and launches campaigns, and confirms the resident's address; the clerk redeems.
const { snapshot } = require('./helpers/screenshot')
const { open, tap, screen, text, settle } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')

const DAY = 24 * 3600 * 1000
const simulate = require('miniprogram-simulate')
const RUN = `${process.pid}-${Date.now().toString(36)}`

async function ok(method, path, options, status = 200) {
  const answer = await backend.api(method, path, options)
  if (answer.status !== status) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.data)}`)
  return answer.data
}

// The secretary of 八家庄 (runs the red card and may confirm any address there), signed in once.
let secretaryToken
async function secretary() {
  if (!secretaryToken) {
    secretaryToken = (await ok('POST', '/staff/login', { body: { username: 'tianbing', password: 'linli-demo-2026' } })).token
  }
  return secretaryToken
}

// One merchant for the whole file, with a clerk whose WeChat is bound by the one-time code.
let shop
async function merchant() {
  if (shop) return shop
  const token = await secretary()
  const made = await ok('POST', '/staff/redcard/merchants', {
    token, body: { name: `老街坊早餐铺-${RUN}`, address: '八家庄路 12 号', category: '餐饮' },
  }, 201)
  const clerk = await ok('POST', `/staff/redcard/merchants/${made.id}/staff`, { token, body: { name: '小张', role: 'clerk' } }, 201)
  const { code } = await backend.control('/login-code', { openid: `o-clerk-${RUN}` })
  const bound = await ok('POST', '/merchant/bind', { body: { code, binding_code: clerk.binding_code } })
  shop = { id: made.id, clerk: bound.token }
  return shop
}

// A live campaign of the merchant, drafted, approved and launched by the secretary.
async function liveCampaign(values = {}) {
  const token = await secretary()
  const now = Date.now()
  const draft = await ok('POST', '/staff/redcard/campaigns', {
    token,
    body: {
      merchant_id: (await merchant()).id, title: '早餐满20减5', kind: 'cash_off', value_fen: 500, threshold_fen: 2000,
      total_stock: 10, per_resident_limit: 1, claim_starts_at: new Date(now - DAY).toISOString(),
      claim_ends_at: new Date(now + 7 * DAY).toISOString(), valid_days: 30, rules: '限堂食，不与其他优惠同享', ...values,
    },
  }, 201)
  await ok('POST', `/staff/redcard/campaigns/${draft.id}/approve`, { token })
  return ok('POST', `/staff/redcard/campaigns/${draft.id}/launch`, { token })
}

// A resident signed in through the WeChat emulator (the phone's openid unless given): their
// address submitted for 八家庄's first building, and confirmed by the secretary unless not.
async function resident({ openid = phone.phone.openid, confirmed = true } = {}) {
  const { code } = await backend.control('/login-code', { openid })
  const session = await ok('POST', '/login', { body: { code } })
  const [building] = await backend.sql(
    "SELECT b.id FROM building b JOIN community c ON c.id = b.community_id WHERE c.code = 'bajiazhuang' ORDER BY b.id LIMIT 1")
  await ok('PUT', '/me/address', { token: session.token, body: { building_id: building.id, room: '502' } })
  if (confirmed) {
    await ok('POST', `/staff/residents/${session.resident.id}/address`, { token: await secretary(), body: { approve: true } })
  }
  return { id: session.resident.id, token: session.token }
}

// A resident (this phone's) holding a fresh coupon of a new live campaign, claimed through the API.
async function claimedCoupon() {
  const campaign = await liveCampaign()
  const me = await resident()
  const coupon = await claimAs(me, campaign, 'first')
  return { campaign, me, coupon }
}

function claimAs(someone, campaign, key) {
  return ok('POST', `/campaigns/${campaign.id}/claim`, { token: someone.token, headers: { 'Idempotency-Key': key } }, 201)
}

function couponsOf(residentId, campaignId) {
  return backend.sql('SELECT id, code, state, idempotency_key FROM coupon WHERE resident_id = ? AND campaign_id = ?',
    residentId, campaignId)
}

// The code as the page shows it (groups of four), from the stored one.
function shown(code) {
  return code.match(/.{1,4}/g).join('-')
}

// The shared fakes keep their calls from test to test: each test here counts only its own.
beforeEach(() => Object.values(phone.wx).forEach(fn => fn.mockClear()))

// Tap the `index`th tab of the t-tabs with `selector` (its items are inside the component).
async function tapTab(page, selector, index) {
  page.querySelector(selector).querySelectorAll('.t-tabs__item')[index].dispatchEvent('tap', { detail: {} })
  await simulate.sleep(0)
  await settle()
}

// What the clerk's scanner reads: the t-qrcode's value.
function qrValue(page) {
  return page.querySelector('#qrcode').instance.data.value
}

test('the list shows a live campaign with its terms and what is left', async () => {
  const campaign = await liveCampaign({ total_stock: 8 })
  const other = await resident({ openid: `o-neighbour-${RUN}-${Math.random()}` })
  await claimAs(other, campaign, 'n-1')
  await resident()
  const page = await open('redcard/campaigns/index')
  expect(text(page, `#offer-${campaign.id}`)).toBe('满20元减5元')
  expect(text(page, `#merchant-${campaign.id}`)).toContain('八家庄路 12 号')
  expect(text(page, `#rules-${campaign.id}`)).toContain('限堂食')
  expect(text(page, `#remaining-${campaign.id}`)).toBe('剩余 7 张')       // one taken by the neighbour
  expect(screen(page)).toContain('立即领取')
  snapshot(page, 'redcard-campaigns')
})

test('one tap claims one coupon, stored for the resident and shown with its code', async () => {
  const campaign = await liveCampaign()
  const me = await resident()
  const page = await open('redcard/campaigns/index')
  await tap(page, `#claim-${campaign.id}`)
  const rows = await couponsOf(me.id, campaign.id)
  expect(rows).toHaveLength(1)
  expect(rows[0].state).toBe('issued')
  expect(text(page, `#claimed-${campaign.id}`)).toContain(shown(rows[0].code))
  expect(text(page, `#remaining-${campaign.id}`)).toBe('剩余 9 张，您已领 1 张')
  await tap(page, `#use-${campaign.id}`)
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/redcard/coupon/index?id=${rows[0].id}` }))
})

test('a double tap claims once and shows that one coupon', async () => {
  // Two coupons allowed per resident, so a second claim would go through if the taps were
  // taken as two intents: the page and the key must make them one.
  const campaign = await liveCampaign({ per_resident_limit: 2 })
  const me = await resident()
  const page = await open('redcard/campaigns/index')
  const button = page.querySelector(`#claim-${campaign.id}`).querySelector('.t-button')
  button.dispatchEvent('tap', { detail: {} })
  button.dispatchEvent('tap', { detail: {} })
  await settle()
  await settle()
  const rows = await couponsOf(me.id, campaign.id)
  expect(rows).toHaveLength(1)
  expect(text(page, `#claimed-${campaign.id}`)).toContain(shown(rows[0].code))
  expect(phone.wx.showModal).not.toHaveBeenCalled()            // no refusal shown for the second tap
})

test('a retry after the answer was lost reuses the key and gets the same coupon', async () => {
  // The claim reached the server but the phone heard only a timeout (a lift, a tunnel). With a
  // fresh key the retry would claim a second coupon (two are allowed here).
  const campaign = await liveCampaign({ per_resident_limit: 2 })
  const me = await resident()
  const page = await open('redcard/campaigns/index')
  const real = phone.wx.request.getMockImplementation()
  phone.wx.request.mockImplementationOnce(options => real({
    ...options, success: () => options.fail({ errMsg: 'request:fail timeout' }),
  }))
  await tap(page, `#claim-${campaign.id}`)
  expect(phone.wx.showModal).toHaveBeenLastCalledWith(expect.objectContaining({ title: '网络太慢，请求超时' }))
  const [first] = await couponsOf(me.id, campaign.id)
  expect(first).toBeDefined()                                   // the server did claim it
  await tap(page, `#claim-${campaign.id}`)                      // the resident tries again
  const rows = await couponsOf(me.id, campaign.id)
  expect(rows).toHaveLength(1)
  expect(text(page, `#claimed-${campaign.id}`)).toContain(shown(first.code))
  // said as it is: the coupon the lost answer carried, not a new one
  expect(phone.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '已领到这张券' }))
  const claims = phone.log.filter(r => r.method === 'POST' && r.url.endsWith(`/campaigns/${campaign.id}/claim`))
  expect(claims).toHaveLength(2)
  expect(claims[0].header['Idempotency-Key']).toBe(claims[1].header['Idempotency-Key'])
  expect(claims[0].header['Idempotency-Key']).toBe(first.idempotency_key)
  // The key is spent: a later, deliberate claim is a new intent with a new key.
  await tap(page, `#claim-${campaign.id}`)
  expect(await couponsOf(me.id, campaign.id)).toHaveLength(2)
  expect(phone.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '领取成功' }))
})

test('the last coupon taken while the resident looked: told it is sold out, and nothing issued', async () => {
  const campaign = await liveCampaign({ total_stock: 1 })
  const me = await resident()
  const page = await open('redcard/campaigns/index')
  expect(text(page, `#remaining-${campaign.id}`)).toBe('剩余 1 张')
  const quicker = await resident({ openid: `o-quicker-${RUN}-${Math.random()}` })
  await claimAs(quicker, campaign, 'q-1')
  await tap(page, `#claim-${campaign.id}`)
  expect(phone.wx.showModal).toHaveBeenLastCalledWith(expect.objectContaining({ title: '来晚了，券已领完' }))
  expect(phone.wx.showModal.mock.calls.at(-1)[0].content).toContain('下次活动早点来')
  expect(await couponsOf(me.id, campaign.id)).toHaveLength(0)
  expect(text(page, `#remaining-${campaign.id}`)).toBe('已领完')      // the list was read again
  expect(page.instance.data.items.find(c => c.id === campaign.id).soldOut).toBe(true)
})

test('without a confirmed address: the list says why it is empty and offers the address page', async () => {
  const campaign = await liveCampaign()
  await resident({ confirmed: false })
  const page = await open('redcard/campaigns/index')
  expect(text(page, '#need-address')).toContain('住址还在等待确认')
  expect(page.querySelector(`#campaign-${campaign.id}`)).toBeFalsy()
  await tap(page, '#go-address')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/address/index' }))
})

test('a resident whose address went back to waiting (moved flats) is refused and offered the address page', async () => {
  const campaign = await liveCampaign()
  const me = await resident()
  const page = await open('redcard/campaigns/index')
  // They re-submit their address elsewhere: until it is confirmed again they may not claim.
  const [building] = await backend.sql(
    "SELECT b.id FROM building b JOIN community c ON c.id = b.community_id WHERE c.code = 'bajiazhuang' ORDER BY b.id LIMIT 1 OFFSET 1")
  await ok('PUT', '/me/address', { token: me.token, body: { building_id: building.id, room: '101' } })
  phone.phone.modal = { confirm: true, content: '' }
  await tap(page, `#claim-${campaign.id}`)
  const modal = phone.wx.showModal.mock.calls.at(-1)[0]
  expect(modal.title).toContain('住址')
  expect(modal.confirmText).toBe('去填写住址')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/address/index' }))
  expect(await couponsOf(me.id, campaign.id)).toHaveLength(0)
})

test('the coupon page shows the QR and the code, and a fresh payload the counter accepts after the refresh', async () => {
  const { campaign, me, coupon } = await claimedCoupon()
  const timers = jest.spyOn(global, 'setTimeout')
  try {
    const page = await open('redcard/coupon/index', { id: String(coupon.id) })
    expect(text(page, '#code')).toBe(coupon.code)
    expect(text(page, '#merchant')).toContain('八家庄路 12 号')
    const first = qrValue(page)
    snapshot(page, 'redcard-coupon')
    expect(first).toBeTruthy()
    const scheduled = timers.mock.calls.filter(([, ms]) => ms === 60000)
    expect(scheduled).toHaveLength(1)                     // every qr_refresh_seconds (60)
    // The payload's timestamp is in whole seconds: a refresh in the same second would sign the
    // same text. The timer fires (called by hand rather than waiting a minute).
    await new Promise(r => setTimeout(r, 1100))
    scheduled[0][0]()
    await settle()
    const second = qrValue(page)
    expect(second).toBeTruthy()
    expect(second).not.toBe(first)
    expect(timers.mock.calls.filter(([, ms]) => ms === 60000)).toHaveLength(2)   // and the next one is set
    // The clerk scans the fresh code at the counter.
    const done = await ok('POST', '/merchant/redeem', { token: (await merchant()).clerk, body: { qr: second, order_fen: 2600 } })
    expect(done.state).toBe('redeemed')
    const [row] = await couponsOf(me.id, campaign.id)
    expect(row.state).toBe('redeemed')
    page.instance.onUnload()
  } finally {
    timers.mockRestore()
  }
})

test('the screen is made bright and kept on while the QR shows, and given back on hide', async () => {
  const { coupon } = await claimedCoupon()
  phone.phone.brightness = 0.3
  const stops = jest.spyOn(global, 'clearTimeout')
  try {
    const page = await open('redcard/coupon/index', { id: String(coupon.id) })
    expect(phone.phone.brightness).toBe(1)
    expect(phone.wx.setKeepScreenOn).toHaveBeenLastCalledWith(expect.objectContaining({ keepScreenOn: true }))
    const timer = page.instance.timer
    expect(timer).toBeTruthy()
    page.instance.onHide()
    page.triggerPageLifeTime('hide')
    await settle()
    expect(phone.phone.brightness).toBe(0.3)
    expect(phone.wx.setKeepScreenOn).toHaveBeenLastCalledWith(expect.objectContaining({ keepScreenOn: false }))
    expect(stops).toHaveBeenCalledWith(timer)              // no refresh while hidden
    // Back on screen: bright again, the payload fetched afresh, and brightness given back on leaving.
    const fetches = phone.log.filter(r => r.url.includes(`/coupons/${coupon.id}/qr`)).length
    page.instance.onShow()
    await settle()
    expect(phone.phone.brightness).toBe(1)
    expect(phone.log.filter(r => r.url.includes(`/coupons/${coupon.id}/qr`)).length).toBe(fetches + 1)
    page.instance.onUnload()
    await settle()
    expect(phone.phone.brightness).toBe(0.3)
    // the resident's own brightness was read once, never taken as 1 from our own raising
    expect(phone.wx.setScreenBrightness.mock.calls.map(([o]) => o.value)).toEqual([1, 0.3, 1, 0.3])
  } finally {
    stops.mockRestore()
  }
})

test('a phone that will not tell its brightness still gets its screen back (keep-on turned off) on leaving', async () => {
  // The mistake: keep-screen-on was given back only together with a brightness read, so a phone
  // whose getScreenBrightness failed kept its screen on for the rest of the session.
  const { coupon } = await claimedCoupon()
  phone.wx.getScreenBrightness.mockImplementationOnce(o => o.fail({ errMsg: 'getScreenBrightness:fail' }))
  const page = await open('redcard/coupon/index', { id: String(coupon.id) })
  expect(phone.wx.setKeepScreenOn).toHaveBeenLastCalledWith(expect.objectContaining({ keepScreenOn: true }))
  page.instance.onUnload()
  await settle()
  expect(phone.wx.setKeepScreenOn).toHaveBeenLastCalledWith(expect.objectContaining({ keepScreenOn: false }))
  expect(phone.wx.setScreenBrightness).not.toHaveBeenCalled()     // the resident's own level is unknown: left alone
})

test('a coupon redeemed at the counter shows 已使用 with its date and no QR', async () => {
  const { coupon } = await claimedCoupon()
  const done = await ok('POST', '/merchant/redeem', { token: (await merchant()).clerk, body: { code: coupon.code, order_fen: 2000 } })
  const page = await open('redcard/coupon/index', { id: String(coupon.id) })
  expect(text(page, '#state')).toContain('已使用')
  expect(text(page, '#when')).toBe(`已于 ${done.redeemed_at.slice(0, 10)} ${done.redeemed_at.slice(11, 16)} 使用`)
  expect(page.querySelector('#qrcode')).toBeFalsy()
  expect(page.instance.data.qr).toBe('')
  expect(text(page, '#code')).toBe(coupon.code)
  expect(phone.wx.setScreenBrightness).not.toHaveBeenCalled()   // nothing to scan: the screen is left alone
})

test('scanned while on screen: the next refresh turns the page to 已使用 and gives the brightness back', async () => {
  const { coupon } = await claimedCoupon()
  phone.phone.brightness = 0.5
  const page = await open('redcard/coupon/index', { id: String(coupon.id) })
  await ok('POST', '/merchant/redeem', { token: (await merchant()).clerk, body: { qr: qrValue(page), order_fen: 2100 } })
  await page.instance.refresh()
  await settle()
  expect(text(page, '#state')).toContain('已使用')
  expect(page.querySelector('#qrcode')).toBeFalsy()
  expect(phone.phone.brightness).toBe(0.5)
  expect(page.instance.timer).toBeNull()
})

test('my coupons sorts them into 可使用, 已使用 and 已过期', async () => {
  const campaign = await liveCampaign({ per_resident_limit: 2 })
  const me = await resident()
  const kept = await claimAs(me, campaign, 'm-1')
  const used = await claimAs(me, campaign, 'm-2')
  await ok('POST', '/merchant/redeem', { token: (await merchant()).clerk, body: { code: used.code, order_fen: 2000 } })
  const page = await open('redcard/coupons/index')
  expect(page.querySelector(`#coupon-${kept.id}`)).toBeTruthy()
  expect(page.querySelector(`#coupon-${used.id}`)).toBeFalsy()
  expect(text(page, `#state-${kept.id}`)).toBe('可使用')
  snapshot(page, 'redcard-coupons')
  expect(screen(page)).toContain('已过期')              // the three tabs are drawn
  await tapTab(page, '#tabs', 1)
  expect(page.querySelector(`#coupon-${kept.id}`)).toBeFalsy()
  expect(text(page, `#state-${used.id}`)).toBe('已使用')
  await tapTab(page, '#tabs', 2)
  expect(text(page, '#empty')).toContain('没有过期的券')
  await tapTab(page, '#tabs', 0)
  await tap(page, `#coupon-${kept.id}`)
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/redcard/coupon/index?id=${kept.id}` }))
})

test('a coupon past its end shows 已过期, no QR, and sits under 已过期 at once', async () => {
  // Fixed validity ending in two seconds: the expiry sweep (every 10 minutes) has not run, and
  // the resident must still not be shown a QR the counter would refuse.
  const now = Date.now()
  const ends = now + 2000
  const campaign = await liveCampaign({
    valid_days: null, valid_from: new Date(now - DAY).toISOString(), valid_until: new Date(ends).toISOString(),
  })
  const me = await resident()
  const coupon = await claimAs(me, campaign, 'e-1')
  await new Promise(r => setTimeout(r, ends - Date.now() + 300))
  const page = await open('redcard/coupon/index', { id: String(coupon.id) })
  expect(text(page, '#state')).toContain('已过期')
  expect(text(page, '#when')).toBe(`已于 ${coupon.expires_at.slice(0, 10)} ${coupon.expires_at.slice(11, 16)} 过期`)
  expect(page.querySelector('#qrcode')).toBeFalsy()
  expect(phone.wx.setScreenBrightness).not.toHaveBeenCalled()
  const list = await open('redcard/coupons/index', { state: 'expired' })
  expect(text(list, `#state-${coupon.id}`)).toBe('已过期')
})
