// Story 3: a resident reports a problem — category, text, photos, place, anonymity, consent to
// publish the photos — and sees the case number at once. What they type is a draft that survives
// a closed page, a lost session and a failed submit, and a retried submit files once. Every
// story is checked in the database.
const { snapshot } = require('./helpers/screenshot')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { open, tap, type, screen, text } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')

const PAGE = 'pages/report/index'
const DRAFT = 'linli.report.draft'
const FIXTURES = path.join(__dirname, 'fixtures')
const LAMP = path.join(FIXTURES, 'lamp.jpg')
const DOOR = path.join(FIXTURES, 'door.png')
const NOT_A_PHOTO = path.join(FIXTURES, 'not-a-photo.jpg')
const TEMPLATE = 'tmpl-mp-case-progress'        // tests/miniprogram_backend.py: MP_CASE_TEMPLATE_ID

beforeEach(() => {
  Object.values(phone.wx).forEach(fn => fn.mockClear())
})

// -- what the backend holds -----------------------------------------------------------------
async function myCases() {
  return backend.sql(
    'SELECT r.id, r.number, r.description, r.category_id, r.anonymous, r.photos_public, r.building_id, ' +
    'r.location_x, r.location_y, r.location_label, r.channel FROM report r JOIN resident p ON p.id = r.reporter_id ' +
    'WHERE p.mp_openid = ? ORDER BY r.id', phone.phone.openid)
}

async function photosOf(caseId) {
  return backend.sql('SELECT url FROM report_photo WHERE report_id = ? ORDER BY id', caseId)
}

async function categoryId(code) {
  return (await backend.sql('SELECT id FROM category WHERE code = ?', code))[0].id
}

function filings() {
  return phone.log.filter(r => r.method === 'POST' && r.url.endsWith('/reports'))
}

// The resident as a second client (their own token, outside the page): to set up what a story needs.
async function residentToken() {
  const { code } = await backend.control('/login-code', { openid: phone.phone.openid })
  const answer = await backend.api('POST', '/login', { body: { code } })
  expect(answer.status).toBe(200)
  return answer.data.token
}

async function claimAddress() {
  const [place] = await backend.sql(
    'SELECT b.id AS building, u.id AS unit FROM building b JOIN estate e ON e.id = b.estate_id ' +
    "JOIN unit u ON u.building_id = b.id WHERE e.name = '丰泽园小区' AND b.name = '1号楼' ORDER BY u.id LIMIT 1")
  const answer = await backend.api('PUT', '/me/address', {
    token: await residentToken(), body: { building_id: place.building, unit_id: place.unit, room: '301' } })
  expect(answer.status).toBe(200)
  return { building: place.building, label: answer.data.address.label }
}

async function addPhotos(page, files) {
  phone.phone.media = files
  await tap(page, '#add-photo')
}

// -- the story ------------------------------------------------------------------------------
test('a resident files a report with category, text, photos, place and choices, and sees its number at once', async () => {
  const page = await open(PAGE)
  expect(screen(page)).toContain('物业维修')
  await tap(page, '#category-property_repair')
  await type(page, '#text', '3号楼2单元楼道灯坏了一个星期，晚上看不见台阶')
  // what the resident sees of each photo as it goes up: its own progress, the next one waiting
  const seen = []
  const setData = page.instance.setData
  page.instance.setData = function (data, ...rest) {
    const result = setData.call(this, data, ...rest)
    if ('photos[0].progress' in data) seen.push([text(page, '#photo-progress-0'), text(page, '#photo-progress-1')])
    return result
  }
  await addPhotos(page, [LAMP, DOOR])
  expect(seen).toEqual([['0%', '等待上传'], ['100%', '等待上传'], [null, '等待上传']])
  expect(page.instance.data.photos.map(p => [p.state, p.progress])).toEqual([['done', 100], ['done', 100]])
  phone.phone.location = { name: '3号楼2单元', address: '八家庄丰泽园小区', latitude: 38.0421, longitude: 114.5143 }
  await tap(page, '#place-pick')
  expect(screen(page)).toContain('3号楼2单元')
  await tap(page, '#anonymous')
  await tap(page, '#publish-photos')
  snapshot(page, 'report-form')
  await tap(page, '#submit')

  const [filed, ...more] = await myCases()
  expect(more).toEqual([])
  expect(filed).toMatchObject({
    description: '3号楼2单元楼道灯坏了一个星期，晚上看不见台阶', category_id: await categoryId('property_repair'),
    anonymous: 1, photos_public: 1, location_x: 38.0421, location_y: 114.5143, location_label: '3号楼2单元',
    channel: 'miniprogram',
  })
  const photos = await photosOf(filed.id)
  expect(photos).toHaveLength(2)
  photos.forEach(p => expect(p.url).toMatch(/^\/media\/reports\/.+\.jpg$/))
  // the number at once, a way to the case, and a clean slate
  expect(text(page, '#done')).toContain(`已提交，编号 ${filed.number}`)
  snapshot(page, 'report-done')
  expect(phone.storage.has(DRAFT)).toBe(false)
  await tap(page, '#open-case')
  expect(phone.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: `/case/detail/index?number=${filed.number}` }))
  await tap(page, '#new-report')
  expect(page.instance.data.text).toBe('')
  expect(page.instance.data.photos).toEqual([])
})

test('publishing photos and anonymity are off unless the resident turns them on', async () => {
  const page = await open(PAGE)
  await type(page, '#text', '小区东门的垃圾桶满了没人清')
  await addPhotos(page, [LAMP])
  await tap(page, '#submit')
  const [filed] = await myCases()
  expect(filed).toMatchObject({ anonymous: 0, photos_public: 0, category_id: null, location_x: null })
})

test('"my address": a resident who has one files at their building without picking a place', async () => {
  const home = await claimAddress()
  const page = await open(PAGE)
  expect(screen(page)).toContain(home.label)
  await type(page, '#text', '我家楼下的路灯不亮了')
  // a place picked, then the resident changes their mind back to their address
  phone.phone.location = { name: '中心广场', address: '', latitude: 38.04, longitude: 114.51 }
  await tap(page, '#place-pick')
  await tap(page, '#place-home')
  await tap(page, '#submit')
  const [filed] = await myCases()
  expect(filed).toMatchObject({ building_id: home.building, location_x: null, location_label: '' })
})

test('the category chosen last is filed; tapped again, it is unchosen (staff will classify)', async () => {
  const page = await open(PAGE)
  await tap(page, '#category-parking')
  await tap(page, '#category-elevator')            // changed their mind
  expect(text(page, '#category')).toContain('电梯')
  await tap(page, '#category-elevator')            // and again: not sure, staff will classify
  expect(text(page, '#category')).toBeNull()
  await tap(page, '#category-noise_pets')
  await type(page, '#text', '楼上每天半夜拖椅子')
  await tap(page, '#submit')
  const [filed] = await myCases()
  expect(filed.category_id).toBe(await categoryId('noise_pets'))
})

test('categories that did not load say so, come with 重试, and the rest of the form still works', async () => {
  phone.phone.lose = (method, url) => url.endsWith('/categories')
  const page = await open(PAGE)
  phone.phone.lose = null
  expect(text(page, '#error')).toContain('问题类别没有加载出来')
  await tap(page, '#retry')
  expect(text(page, '#error')).toBeNull()
  expect(screen(page)).toContain('电梯')
})

// -- photos -----------------------------------------------------------------------------------
test('photos upload one by one; a failed one shows 重试 and never blocks the others', async () => {
  const page = await open(PAGE)
  await type(page, '#text', '单元门的闭门器坏了，门关不上')
  // The first photo's answer is lost on the way back (the server kept it: an orphan it prunes).
  let uploads = 0
  phone.phone.lose = (method, url) => url.endsWith('/uploads') && ++uploads === 1
  await addPhotos(page, [LAMP, NOT_A_PHOTO, DOOR])
  expect(page.instance.data.photos.map(p => p.state)).toEqual(['failed', 'failed', 'done'])
  expect(text(page, '#photo-error-0')).toContain('超时')
  expect(text(page, '#photo-retry-0')).toBe('重试')
  // a file that is not a photo: trying again cannot help, removing it can
  expect(text(page, '#photo-error-1')).toBeTruthy()
  expect(page.querySelector('#photo-retry-1')).toBeFalsy()

  await tap(page, '#submit')                        // not yet: a photo is missing
  expect(text(page, '#submit-error')).toContain('第1张照片没有上传成功')
  expect(await myCases()).toEqual([])

  await tap(page, '#photo-retry-0')
  await tap(page, '#photo-remove-1')
  expect(page.instance.data.photos.map(p => p.state)).toEqual(['done', 'done'])
  await tap(page, '#submit')
  const [filed] = await myCases()
  expect(await photosOf(filed.id)).toHaveLength(2)
  // the photos went up one at a time, each compressed first
  expect(phone.wx.compressImage).toHaveBeenCalledTimes(4)
  expect(phone.log.filter(r => r.method === 'UPLOAD').map(r => path.basename(r.filePath)))
    .toEqual(['lamp.jpg', 'not-a-photo.jpg', 'door.png', 'lamp.jpg'])
})

test('a photo over 10 MB is refused on its own (413), and the report goes on without it', async () => {
  // a phone whose compression did nothing for a huge picture
  const big = path.join(os.tmpdir(), `linli-big-${process.pid}.jpg`)
  fs.writeFileSync(big, Buffer.alloc(10 * 1024 * 1024 + 1024, 0xff))
  try {
    const page = await open(PAGE)
    await type(page, '#text', '化粪池井盖松动，有人差点踩空')
    await addPhotos(page, [big, LAMP])
    expect(page.instance.data.photos.map(p => p.state)).toEqual(['failed', 'done'])
    expect(text(page, '#photo-error-0')).toContain('10MB')
    expect(page.querySelector('#photo-retry-0')).toBeFalsy()
    await tap(page, '#photo-remove-0')
    await tap(page, '#submit')
    const [filed] = await myCases()
    expect(await photosOf(filed.id)).toHaveLength(1)
  } finally {
    fs.rmSync(big, { force: true })
  }
})

test('at most 9 photos: the picker is asked for what is left, and the add button goes at 9', async () => {
  const page = await open(PAGE)
  await addPhotos(page, [LAMP, DOOR, LAMP, DOOR, LAMP, DOOR, LAMP])
  expect(phone.wx.chooseMedia).toHaveBeenLastCalledWith(expect.objectContaining({ count: 9 }))
  await addPhotos(page, [DOOR, LAMP, DOOR])         // the album returned more than asked
  expect(phone.wx.chooseMedia).toHaveBeenLastCalledWith(expect.objectContaining({ count: 2 }))
  expect(page.instance.data.photos).toHaveLength(9)
  expect(page.querySelector('#add-photo')).toBeFalsy()
  await tap(page, '#submit')                        // photos alone are a report
  const [filed] = await myCases()
  expect(await photosOf(filed.id)).toHaveLength(9)
})

// -- once, and never lost ------------------------------------------------------------------
test('a submit whose answer was lost, retried after reopening, files exactly once with the same number', async () => {
  const page = await open(PAGE)
  await type(page, '#text', '电梯按钮失灵，按了不亮')
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith('/reports')
  await tap(page, '#submit')
  expect(text(page, '#submit-error')).toContain('超时')
  const [first, ...none] = await myCases()          // the server did get it
  expect(none).toEqual([])
  expect(page.instance.data.text).toBe('电梯按钮失灵，按了不亮')

  // the resident closes the mini-program and comes back later
  phone.phone.lose = null
  const again = await open(PAGE)
  expect(text(again, '#restored')).toContain('已恢复')
  expect(again.instance.data.text).toBe('电梯按钮失灵，按了不亮')
  await tap(again, '#submit')
  expect(text(again, '#done')).toContain(`编号 ${first.number}`)
  expect(await myCases()).toHaveLength(1)
  const keys = filings().map(r => r.header['Idempotency-Key'])
  expect(keys).toHaveLength(2)
  expect(keys[0]).toBeTruthy()
  expect(keys[1]).toBe(keys[0])
  expect(await backend.sql('SELECT COUNT(*) AS n FROM filing_key WHERE report_id = ?', first.id)).toEqual([{ n: 1 }])
  expect(phone.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)     // asked once per draft
})

test('edits made after a lost answer are not dropped: the page says the first was filed and offers the edits as a new report', async () => {
  // The mistake: the retry carried the first send's key, the server answered with the case the
  // first send had filed, and the page said 已提交 while the added detail was never filed.
  const page = await open(PAGE)
  await type(page, '#text', '电梯按钮失灵')
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith('/reports')
  await tap(page, '#submit')
  phone.phone.lose = null
  await type(page, '#text', '电梯按钮失灵，3楼和5楼都按不亮')
  await tap(page, '#submit')
  const [first, ...none] = await myCases()
  expect(none).toEqual([])
  expect(first.description).toBe('电梯按钮失灵')
  expect(text(page, '#done')).toContain(`编号 ${first.number}`)
  expect(text(page, '#unsent-edits')).toContain('没有一起提交')
  // the edits are still there, under a new key: filed as a report of their own
  await tap(page, '#file-edits')
  expect(page.instance.data.text).toBe('电梯按钮失灵，3楼和5楼都按不亮')
  await tap(page, '#submit')
  const cases = await myCases()
  expect(cases.map(c => c.description).sort()).toEqual(['电梯按钮失灵', '电梯按钮失灵，3楼和5楼都按不亮'])
  const keys = filings().map(r => r.header['Idempotency-Key'])
  expect(keys[2]).not.toBe(keys[0])
  expect(page.querySelector('#unsent-edits')).toBeFalsy()
})

test('two taps on 提交 in a row file once', async () => {
  // an impatient double tap: the second finds the first under way
  const page = await open(PAGE)
  await type(page, '#text', '消防通道被电动车堵了')
  page.instance.submit()
  page.instance.submit()
  await phone.settle()
  expect(filings()).toHaveLength(1)
  expect(await myCases()).toHaveLength(1)
})

test('the draft comes back after the page is closed and the session lost: text, category, photos, place', async () => {
  const page = await open(PAGE)
  await tap(page, '#category-environment')
  await type(page, '#text', '绿化带里有一堆建筑垃圾')
  await addPhotos(page, [LAMP])
  phone.phone.location = { name: '北门绿化带', address: '', latitude: 38.05, longitude: 114.52 }
  await tap(page, '#place-pick')
  const key = phone.storage.has(DRAFT) && JSON.parse(phone.storage.get(DRAFT)).key
  expect(key).toBeTruthy()

  phone.wx.removeStorageSync('linli.session')       // the session is gone, the draft is not
  const again = await open(PAGE)
  expect(text(again, '#restored')).toContain('已恢复')
  expect(again.instance.data).toMatchObject({
    text: '绿化带里有一堆建筑垃圾', categoryId: await categoryId('environment'),
    place: { lat: 38.05, lng: 114.52, label: '北门绿化带' } })
  expect(again.instance.data.photos.map(p => p.state)).toEqual(['done'])
  await tap(again, '#submit')
  const [filed] = await myCases()
  expect(filed).toMatchObject({ description: '绿化带里有一堆建筑垃圾', location_label: '北门绿化带' })
  expect(await photosOf(filed.id)).toHaveLength(1)
  expect(filings()[0].header['Idempotency-Key']).toBe(key)
})

test.each([
  ['forged', s => ({ ...s, token: 'garbage-token' })],                 // the server answers 401
  ['expired', s => ({ ...s, expires_at: Math.floor(Date.now() / 1000) - 60 })],   // known before asking
])('a %s token mid-way signs in again quietly and the report is still filed, text intact', async (_, spoil) => {
  const page = await open(PAGE)
  await type(page, '#text', '地下车库的排水沟堵了')
  await addPhotos(page, [DOOR])
  phone.wx.setStorageSync('linli.session', spoil(JSON.parse(phone.storage.get('linli.session'))))
  const logins = phone.wx.login.mock.calls.length
  await tap(page, '#submit')
  expect(phone.wx.login.mock.calls.length).toBe(logins + 1)
  const [filed] = await myCases()
  expect(filed.description).toBe('地下车库的排水沟堵了')
  expect(await photosOf(filed.id)).toHaveLength(1)
  expect(text(page, '#done')).toContain(filed.number)
})

// -- subscribe-message consent -------------------------------------------------------------
test.each(['accept', 'reject', 'fail'])(
  'consent to progress messages is asked right after the tap; answered "%s", the report is filed', async answer => {
    phone.phone.subscribe = answer
    const page = await open(PAGE)
    await type(page, '#text', '楼顶水箱漏水，顺着墙往下流')
    await tap(page, '#submit')
    expect(phone.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
    expect(phone.wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([TEMPLATE])
    // asked inside the tap, before the filing went out (WeChat allows the prompt only then)
    const filed = phone.wx.request.mock.calls.findIndex(([o]) => o.method === 'POST' && o.url.endsWith('/reports'))
    expect(phone.wx.requestSubscribeMessage.mock.invocationCallOrder[0])
      .toBeLessThan(phone.wx.request.mock.invocationCallOrder[filed])
    expect(await myCases()).toHaveLength(1)
  })

test('when the backend names no template, the resident is not asked', async () => {
  // GET /settings unanswered: nothing is known to ask about
  phone.phone.lose = (method, url) => url.endsWith('/settings')
  const page = await open(PAGE)
  phone.phone.lose = null
  await type(page, '#text', '健身器材的螺丝松了')
  await tap(page, '#submit')
  expect(phone.wx.requestSubscribeMessage).not.toHaveBeenCalled()
  expect(await myCases()).toHaveLength(1)
})

// -- refusals and failures: said plainly, the text kept ------------------------------------
async function refused(page, typed) {
  expect(await myCases()).toEqual([])
  expect(page.instance.data.text).toBe(typed)
  expect(JSON.parse(phone.storage.get(DRAFT)).text).toBe(typed)
  expect(page.querySelector('#done')).toBeFalsy()
}

test('too short: a resident who taps 提交 after two words is told to say more or add a photo', async () => {
  const page = await open(PAGE)
  await type(page, '#text', '灯坏')
  await tap(page, '#submit')
  expect(text(page, '#submit-error')).toContain('至少5个字')
  expect(text(page, '#submit-error')).toContain('拍张照片')
  await refused(page, '灯坏')
})

test('too long: a pasted wall of text is counted over the limit and refused, and kept to edit', async () => {
  const page = await open(PAGE)
  const wall = '楼道里堆满了杂物'.repeat(126)           // 1008 characters
  await type(page, '#text', wall)
  expect(text(page, '#text-hint')).toContain('超出8个字')
  await tap(page, '#submit')
  expect(text(page, '#submit-error')).toContain('描述太长了')
  expect(text(page, '#submit-error')).not.toMatch(/description/)
  await refused(page, wall)
})

test('banned content: WeChat\'s check refuses it, and the resident is told to reword it', async () => {
  // someone using the report form to publish what the platform forbids
  await backend.control('/risky-words', { words: ['违禁测试词'] })
  const page = await open(PAGE)
  const typed = '请大家关注违禁测试词的活动'
  await type(page, '#text', typed)
  await tap(page, '#submit')
  expect(text(page, '#submit-error')).toContain('违规')
  expect(text(page, '#submit-error')).toContain('修改')
  await refused(page, typed)
})

test('a 21st filing within the hour is refused: the page says to wait and keeps the text', async () => {
  // a flood of reports, or a client stuck in a retry loop with new keys
  const token = await residentToken()
  for (let i = 0; i < 20; i++) {
    const answer = await backend.api('POST', '/reports', {
      token, body: { description: `第${i + 1}件：楼道灯不亮` }, headers: { 'Idempotency-Key': `flood-${i}` } })
    expect(answer.status).toBe(201)
  }
  const page = await open(PAGE)
  await type(page, '#text', '又一件：电梯异响')
  await tap(page, '#submit')
  expect(text(page, '#submit-error')).toContain('提交过于频繁')
  expect(text(page, '#submit-error')).toContain('内容已保存')
  expect(await myCases()).toHaveLength(20)
  expect(page.instance.data.text).toBe('又一件：电梯异响')
})

test('offline: the page says to check the network; back online, 重试 files once', async () => {
  const page = await open(PAGE)
  await type(page, '#text', '小区门口的井盖丢了')
  phone.phone.offline = true
  await tap(page, '#submit')
  expect(text(page, '#submit-error')).toContain('网络未连接')
  expect(text(page, '#submit-error')).toContain('已保存')
  await refused(page, '小区门口的井盖丢了')
  phone.phone.offline = false
  await tap(page, '#retry-submit')
  expect(await myCases()).toHaveLength(1)
  expect(text(page, '#done')).toContain('已提交')
})

test('server down: the page says so and what to do; when it is back, 重试 files', async () => {
  const page = await open(PAGE)
  await type(page, '#text', '单元门禁刷卡没反应')
  const app = getApp()
  const base = app.globalData.apiBase
  app.globalData.apiBase = 'http://127.0.0.1:9/api/mp'       // nothing listens there
  try {
    await tap(page, '#submit')
  } finally {
    app.globalData.apiBase = base
  }
  expect(text(page, '#submit-error')).toContain('服务暂时无法连接')
  expect(text(page, '#submit-error')).toContain('社区电话')
  await refused(page, '单元门禁刷卡没反应')
  await tap(page, '#retry-submit')
  expect(await myCases()).toHaveLength(1)
})
