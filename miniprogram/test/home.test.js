// 首页: urgent notices on top, the latest three notices and articles below, the big doors, and
// a designed offline state. Notices are written in the real console, sent through the WeChat
// emulator, and the page is checked against the database's rows.
const { snapshot } = require('./helpers/screenshot')
const { open, tap, text, screen } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const content = require('./helpers/content')

const run = Date.now().toString(36)

function shown(page, prefix) {
  const rows = []
  for (let i = 0; page.querySelector(`#${prefix}-${i}`); i++) rows.push(text(page, `#${prefix}-${i}`))
  return rows
}

// The page's urgent cards and latest rows, against what the database says this resident should
// see. Another test file may send a notice meanwhile: then the page is pulled down once more.
async function expectMatchesDatabase(page, place) {
  for (let attempt = 0; ; attempt++) {
    const expected = await content.expectedFeed(place)
    const urgent = expected.filter(i => i.pinned).slice(0, 3).map(i => i.title)
    const latest = expected.filter(i => !i.pinned).slice(0, 3).map(i => i.title)
    const cards = shown(page, 'urgent')
    const rows = shown(page, 'latest')
    const same = cards.length === urgent.length && cards.every((c, i) => c.includes(urgent[i]))
      && rows.length === latest.length && rows.every((r, i) => r.includes(latest[i]))
    if (same || attempt === 2) {
      expect(cards.map((c, i) => c.includes(urgent[i]) && urgent[i])).toEqual(urgent)
      expect(rows.map((r, i) => r.includes(latest[i]) && latest[i])).toEqual(latest)
      return { urgent, latest }
    }
    await page.instance.onPullDownRefresh()
  }
}

test('urgent notices sit on top in red, and the latest three notices and articles follow, as sent', async () => {
  const place = await content.building('丰泽园小区', '3号楼')
  await content.residentAt(place)
  await content.sendNotice({ text: `社区义诊 ${run}` })
  await content.publishArticle({ title: `文明养犬倡议 ${run}`, digest: '请牵绳' })
  await content.sendNotice({ text: `楼道杂物清理 ${run}`, target: `building:${place.id}` })
  const urgent = await content.sendNotice({ text: `3号楼今晚停电 ${run}\n请提前做好准备`, target: `building:${place.id}`, urgent: true })
  await content.sendNotice({ text: `周末垃圾分类宣传 ${run}` })

  const page = await open('pages/home/index')
  const { latest } = await expectMatchesDatabase(page, place)
  snapshot(page, 'home')
  // what was just sent is what the resident sees first
  expect(text(page, '#urgent-0')).toContain(`3号楼今晚停电 ${run}`)
  expect(text(page, '#urgent-0')).toContain('紧急')
  expect(latest[0]).toBe(`周末垃圾分类宣传 ${run}`)
  expect(text(page, '#community')).toBe('八家庄社区')
  expect(text(page, '#address')).toContain('丰泽园小区 3号楼')

  await tap(page, '#urgent-0')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/notices/article/index?notice=${urgent.id}` }))
  await tap(page, '#more')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/notices/list/index' }))
})

test('a notice to another building never reaches this home page', async () => {
  const mine = await content.building('百花小区', '4号楼')
  const theirs = await content.building('百花小区', '5号楼')
  await content.residentAt(mine)
  const secret = `5号楼水管检修 ${run}`
  const notice = await content.sendNotice({ text: secret, target: `building:${theirs.id}`, urgent: true })
  expect(notice.state).toBe('sent')

  const page = await open('pages/home/index')
  await expectMatchesDatabase(page, mine)
  expect(screen(page)).not.toContain(secret)
})

test('the big doors lead to reporting, my cases, my building, the red card and 志愿服务', async () => {
  const page = await open('pages/home/index')
  await tap(page, '#entry-report')
  expect(phone.wx.switchTab).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/report/index' }))
  await tap(page, '#entry-cases')
  expect(phone.wx.switchTab).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/cases/index' }))
  await tap(page, '#entry-building')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/building/index' }))
  await tap(page, '#entry-redcard')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/redcard/campaigns/index' }))
  await tap(page, '#entry-volunteers')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/volunteers/activities/index' }))
})

test('a resident without an address still reads the community notices, and is asked for the address', async () => {
  const everyone = `社区通知：居民议事会 ${run}`
  await content.sendNotice({ text: everyone })
  const page = await open('pages/home/index')
  expect(screen(page)).toContain(everyone)
  const [row] = await backend.sql('SELECT address_state FROM resident WHERE mp_openid = ?', phone.phone.openid)
  expect(row.address_state).toBe('none')
  await tap(page, '#no-address')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/address/index' }))
})

test('offline, the page says so with 重试, keeps the doors and the notices it last loaded', async () => {
  const place = await content.building('丰收小区', '2号楼')
  await content.residentAt(place)
  const page = await open('pages/home/index')
  const before = shown(page, 'latest')
  expect(before.length).toBeGreaterThan(0)
  expect(page.querySelector('#offline')).toBeFalsy()

  phone.phone.offline = true
  const again = await open('pages/home/index')
  expect(text(again, '#offline')).toContain('网络未连接')
  expect(again.querySelector('#retry')).toBeTruthy()
  expect(again.querySelector('#entry-report')).toBeTruthy()
  expect(text(again, '#stale')).toContain('可能不是最新的')
  snapshot(again, 'home-offline')
  expect(shown(again, 'latest')).toEqual(before)

  phone.phone.offline = false
  await tap(again, '#retry')
  expect(again.querySelector('#offline')).toBeFalsy()
  expect(again.querySelector('#stale')).toBeFalsy()
  await expectMatchesDatabase(again, place)
})

test('with the server down and nothing loaded before, the page is not blank: it says what to do', async () => {
  getApp().globalData.apiBase = 'http://127.0.0.1:9/api/mp'        // nothing listens there
  const page = await open('pages/home/index')
  expect(text(page, '#offline')).toContain('服务暂时无法连接')
  expect(text(page, '#offline')).toContain('请过几分钟再试')
  expect(page.querySelector('#entry-building')).toBeTruthy()
  expect(page.querySelector('#no-notices')).toBeFalsy()            // not "no notices": it does not know
  getApp().globalData.apiBase = backend.info().api
  await tap(page, '#retry')
  expect(page.querySelector('#offline')).toBeFalsy()
})
