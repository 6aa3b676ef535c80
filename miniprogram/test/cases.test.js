// Story 4, 我的报事: a resident follows their cases on the list and on each case's page, sees
// the worker's replies, and confirms, reopens or rates when the case is resolved. Staff act
// through the staff API as they would from their phones; every outcome is checked in the database.
const { snapshot } = require('./helpers/screenshot')
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')
const zlib = require('zlib')
const { open, tap, type, screen, text } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const { signIn, claimHome, fileCase, staffAct } = require('./helpers/stories')

const LIST = 'pages/cases/index'
const DETAIL = 'case/detail/index'

// A resident with a home in grid G1 (网格员一) and one case filed through the real API.
async function residentWithCase(description = '3号楼楼道灯坏了一个星期了', extra = {}) {
  const token = await signIn()
  await claimHome(token)
  const filed = await fileCase(token, { description, ...extra })
  return { token, number: filed.number }
}

async function resolved(description) {
  const story = await residentWithCase(description)
  await staffAct('grid1', story.number, 'accept', { note: '收到，马上安排' })
  await staffAct('grid1', story.number, 'resolve', { note: '灯已换新' })
  return story
}

async function caseRow(number) {
  const [row] = await backend.sql(
    'SELECT id, state, rating, rating_comment, confirmed_at, closed_at FROM report WHERE number = ?', number)
  return row
}

async function events(number, kind) {
  return backend.sql(
    'SELECT e.kind, e.note, e.public FROM report_event e JOIN report r ON r.id = e.report_id ' +
    'WHERE r.number = ? AND e.kind = ? ORDER BY e.id', number, kind)
}

function requested(pathEnd) {
  return phone.log.filter(r => r.url.split('?')[0].endsWith(pathEnd))
}

// A real 2×2 PNG, for an upload the backend decodes.
function pngFile() {
  const chunk = (kind, data) => {
    const body = Buffer.concat([Buffer.from(kind), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(zlib.crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(2, 0)
  header.writeUInt32BE(2, 4)
  header.set([8, 2, 0, 0, 0], 8)               // 8-bit RGB
  const rows = Buffer.from([0, 200, 30, 30, 200, 30, 30, 0, 200, 30, 30, 200, 30, 30])
  const file = path.join(os.tmpdir(), `linli-case-${process.pid}.png`)
  fs.writeFileSync(file, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]))
  return file
}

// Tap the n-th star. t-rate reads a tap's position from the layout, which jsdom has not: this
// takes its other tap path (a star of its tips), so its own code still emits `change`.
async function pickStars(page, n) {
  page.querySelector('#rate').instance.onSelect({ currentTarget: { dataset: { value: n } } })
  await phone.settle()
}

function httpStatus(url) {
  return new Promise((resolve, reject) => {
    http.get(url, res => { res.resume(); resolve(res.statusCode) }).on('error', reject)
  })
}

// -- the list ---------------------------------------------------------------------------------
test('the list shows each case with its number, state, category and first words, and a tap opens it', async () => {
  const token = await signIn()
  await claimHome(token)
  const [category] = await backend.sql("SELECT id, name FROM category WHERE active = 1 ORDER BY id DESC LIMIT 1")
  const first = await fileCase(token, { description: '小区东门的垃圾桶已经满了三天，一直没有人来清运，夏天苍蝇很多，味道很大', category_id: category.id })
  const second = await fileCase(token, { description: '3号楼楼道灯坏了' })
  await staffAct('grid1', first.number, 'accept', {})

  const page = await open(LIST)
  snapshot(page, 'cases')
  const shown = text(page, `#case-${first.number}`)
  expect(shown).toContain(first.number)
  expect(shown).toContain('已受理')
  expect(shown).toContain(category.name)
  expect(shown).toContain('小区东门的垃圾桶已经满了三天')
  expect(shown).not.toContain('味道很大')             // the first words only
  expect(text(page, `#case-${second.number}`)).toContain('已提交，等待受理')
  expect(text(page, `#case-${second.number}`)).toContain('待分类')
  // newest first, as the resident filed them
  expect(page.data.items.map(c => c.number)).toEqual([second.number, first.number])
  expect((await caseRow(first.number)).state).toBe('accepted')
  expect((await caseRow(second.number)).state).toBe('submitted')

  await tap(page, `#case-${first.number}`)
  expect(phone.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: `/case/detail/index?number=${first.number}` }))
})

test('with no cases yet, the list offers 我要报事', async () => {
  const page = await open(LIST)
  expect(text(page, '#empty')).toContain('您还没有报过事')
  await tap(page, '#go-report')
  expect(phone.wx.switchTab).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/report/index' }))
  const [me] = await backend.sql(
    'SELECT COUNT(c.id) AS cases FROM resident r LEFT JOIN report c ON c.reporter_id = r.id WHERE r.mp_openid = ?',
    phone.phone.openid)
  expect(me.cases).toBe(0)                           // signed in, and truly nothing filed
})

test('at the bottom the next page loads, each case once, until there are no more', async () => {
  const token = await signIn()
  const numbers = []
  for (let i = 1; i <= 12; i++) numbers.push((await fileCase(token, { description: `第${i}件：路灯不亮了` })).number)
  const page = await open(LIST)
  expect(page.data.items).toHaveLength(10)
  expect(text(page, '#footer')).toBe('上拉加载更多')
  // a case filed while the resident scrolls shifts the pages by one: nothing is shown twice
  numbers.push((await fileCase(token, { description: '第13件：电梯异响' })).number)
  await page.instance.onReachBottom()
  await phone.settle()
  const shown = page.data.items.map(c => c.number)
  expect(new Set(shown).size).toBe(shown.length)
  const rows = await backend.sql(
    'SELECT c.number FROM report c JOIN resident r ON r.id = c.reporter_id WHERE r.mp_openid = ? ' +
    'ORDER BY c.created_at DESC, c.id DESC', phone.phone.openid)
  expect(shown).toEqual(rows.map(r => r.number).filter(n => n !== numbers[12]))
  expect(text(page, '#footer')).toBe('没有更多了')
  await page.instance.onPullDownRefresh()
  await phone.settle()
  expect(page.data.items[0].number).toBe(numbers[12])
})

test('a list that cannot load says why, and 重试 loads it', async () => {
  const { number } = await residentWithCase()
  phone.phone.offline = true
  const page = await open(LIST)
  expect(text(page, '#error')).toContain('网络未连接')
  expect(text(page, '#error')).toContain('重试')
  phone.phone.offline = false
  await tap(page, '#retry')
  expect(page.querySelector('#error')).toBeFalsy()
  expect(text(page, `#case-${number}`)).toContain('已提交')
})

test('pulling down the list shows a state change staff made meanwhile', async () => {
  const { number } = await residentWithCase()
  const page = await open(LIST)
  expect(text(page, `#case-${number}`)).toContain('已提交，等待受理')
  await staffAct('grid1', number, 'accept', {})
  await staffAct('grid1', number, 'start', {})
  await page.instance.onPullDownRefresh()
  await phone.settle()
  expect(text(page, `#case-${number}`)).toContain('处理中')
  expect((await caseRow(number)).state).toBe('in_progress')
  expect(phone.wx.stopPullDownRefresh).toHaveBeenCalled()
})

// -- one case ---------------------------------------------------------------------------------
test('the case page shows who has it and the worker\'s public reply, never the internal note', async () => {
  const { number } = await residentWithCase()
  await staffAct('grid1', number, 'accept', { note: '收到，马上安排' })
  await staffAct('grid1', number, 'note', { text: '已联系物业电工，明早九点上门', public: true })
  await staffAct('grid1', number, 'note', { text: '电工说缺灯管，需采购', public: false })
  const page = await open(DETAIL, { number })
  expect(text(page, '#head')).toContain(number)
  expect(text(page, '#head')).toContain('已受理')
  expect(screen(page)).toContain('网格员 网格员一')
  expect(screen(page)).toContain('办理时限')
  const timeline = text(page, '#timeline')
  expect(text(page, '#event-0')).toContain('已联系物业电工，明早九点上门')     // newest first
  expect(text(page, '#event-0')).toContain('网格员一')
  expect(timeline).toContain('收到，马上安排')
  expect(timeline).not.toContain('缺灯管')
  expect(page.querySelector('#confirm')).toBeFalsy()  // nothing to confirm before it is resolved
  snapshot(page, 'case-detail')
  const notes = await events(number, 'note')
  expect(notes.map(n => [n.note, n.public])).toEqual([['已联系物业电工，明早九点上门', 1], ['电工说缺灯管，需采购', 0]])
})

test('the resident confirms a resolved case, and it is closed', async () => {
  const { number } = await resolved()
  const page = await open(DETAIL, { number })
  expect(text(page, '#resolve-actions')).toContain('问题解决了吗')
  expect(text(page, '#event-0')).toContain('灯已换新')
  await tap(page, '#confirm')
  expect(phone.wx.showModal).toHaveBeenCalled()
  const row = await caseRow(number)
  expect(row.state).toBe('closed')
  expect(row.confirmed_at).not.toBeNull()
  expect(await events(number, 'confirmed')).toHaveLength(1)
  expect(text(page, '#head')).toContain('已关闭')
  expect(page.querySelector('#confirm')).toBeFalsy()
  expect(page.querySelector('#rate-form')).toBeTruthy()    // rating is still open after confirming
})

test('the resident who says 没有解决 sends it back with a reason', async () => {
  const { number } = await resolved()
  const page = await open(DETAIL, { number })
  await tap(page, '#reopen')
  await type(page, '#reopen-reason', '灯换了还是一闪一闪的')
  await tap(page, '#reopen-submit')
  expect((await caseRow(number)).state).toBe('reopened')
  expect((await events(number, 'reopened')).map(e => e.note)).toEqual(['灯换了还是一闪一闪的'])
  expect(text(page, '#head')).toContain('重新处理中')
  expect(text(page, '#event-0')).toContain('灯换了还是一闪一闪的')
  expect(page.querySelector('#resolve-actions')).toBeFalsy()
  expect(phone.wx.requestSubscribeMessage).toHaveBeenCalled()   // to hear of the next progress
})

test('没有解决 without a reason (or only spaces) is refused with a clear message, and nothing changes', async () => {
  // The mistake: a resident taps submit before writing, or types only spaces; staff would get
  // a case back with nothing to go on.
  const { number } = await resolved()
  const page = await open(DETAIL, { number })
  await tap(page, '#reopen')
  await tap(page, '#reopen-submit')
  expect(text(page, '#reason-error')).toContain('请写明哪里还没有解决')
  await type(page, '#reopen-reason', '   ')
  await tap(page, '#reopen-submit')
  expect(text(page, '#reason-error')).toContain('请写明哪里还没有解决')
  expect(requested('/reopen')).toHaveLength(0)
  expect((await caseRow(number)).state).toBe('resolved')
  expect(await events(number, 'reopened')).toHaveLength(0)
  // the rule is the server's too: the same empty reason sent straight to the API is refused
  const direct = await backend.api('POST', `/reports/${number}/reopen`, { token: phone.wx.getStorageSync('linli.session').token, body: { reason: ' ' } })
  expect([direct.status, direct.data.error.code]).toEqual([422, 'reason_required'])
  expect((await caseRow(number)).state).toBe('resolved')
})

test('a rating of 5 with a comment is stored, and the page then shows it instead of the form', async () => {
  const { number } = await resolved()
  const page = await open(DETAIL, { number })
  await tap(page, '#rate-submit')                    // no stars yet
  expect(text(page, '#rate-error')).toContain('请先点星星打分')
  expect(requested('/rating')).toHaveLength(0)
  await pickStars(page, 5)
  await type(page, '#rate-comment', '换得很快，谢谢网格员')
  await tap(page, '#rate-submit')
  const row = await caseRow(number)
  expect([row.rating, row.rating_comment]).toEqual([5, '换得很快，谢谢网格员'])
  expect(text(page, '#my-rating')).toContain('★★★★★ 5 分')
  expect(text(page, '#my-rating')).toContain('换得很快，谢谢网格员')
  expect(page.querySelector('#rate-form')).toBeFalsy()
  snapshot(page, 'case-rated')
})

test('a second rating is refused (409): the page says it was rated already and shows the first', async () => {
  // The same resident with the case open twice (two phones, or a page left open): the second
  // rating must not overwrite the first.
  const { number, token } = await resolved()
  const first = await open(DETAIL, { number })
  const second = await open(DETAIL, { number })
  await pickStars(first, 5)
  await tap(first, '#rate-submit')
  await pickStars(second, 1)
  await type(second, '#rate-comment', '太慢了')
  await tap(second, '#rate-submit')
  expect(text(second, '#notice')).toContain('您已经评价过了')
  expect(text(second, '#my-rating')).toContain('5 分')
  expect(second.querySelector('#rate-form')).toBeFalsy()
  const again = await backend.api('POST', `/reports/${number}/rating`, { token, body: { score: 2 } })
  expect([again.status, again.data.error.code]).toEqual([409, 'already_rated'])
  const row = await caseRow(number)
  expect([row.rating, row.rating_comment]).toEqual([5, ''])
  expect(await events(number, 'rated')).toHaveLength(1)
})

test('an action on a case that changed meanwhile (409) refreshes the page and says what happened', async () => {
  const { number, token } = await resolved()
  const page = await open(DETAIL, { number })
  // confirmed from the resident's other phone while this page stood open
  expect((await backend.api('POST', `/reports/${number}/confirm`, { token })).status).toBe(200)
  await tap(page, '#reopen')
  await type(page, '#reopen-reason', '还是不亮')
  await tap(page, '#reopen-submit')
  expect(text(page, '#notice')).toContain('案件状态刚刚有了变化')
  expect(text(page, '#head')).toContain('已关闭')
  expect(page.querySelector('#resolve-actions')).toBeFalsy()
  expect((await caseRow(number)).state).toBe('closed')
  expect(await events(number, 'reopened')).toHaveLength(0)
})

test('another resident\'s case is not found: the page says so and shows nothing of it', async () => {
  // The attack: case numbers are sequential, so a resident tries the neighbours' numbers.
  const theirs = await signIn(`${phone.phone.openid}-neighbour`)
  const { number } = await fileCase(theirs, { description: '我家302门口漏水，电话13900001111' })
  const page = await open(DETAIL, { number })
  expect(text(page, '#missing')).toContain('没有找到这条报事')
  expect(screen(page)).not.toContain('漏水')
  await tap(page, '#go-list')
  expect(phone.wx.switchTab).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/cases/index' }))
  expect((await caseRow(number)).state).toBe('submitted')
})

test('photos open full size from absolute URLs, and the place opens on the map', async () => {
  await signIn()
  const api = require('../src/lib/api')
  const photo = await api.upload(pngFile())
  const token = phone.wx.getStorageSync('linli.session').token
  const { number } = await fileCase(token, {
    description: '路面塌了一个坑', photo_ids: [photo.id], location: { lat: 38.0531, lng: 114.5262, label: '丰泽园小区东门' } })
  const page = await open(DETAIL, { number })
  await tap(page, '#photo-0')
  const { current, urls } = phone.wx.previewImage.mock.calls[0][0]
  expect(urls).toEqual([backend.info().base + photo.url])
  expect(current).toBe(urls[0])
  expect(await httpStatus(urls[0])).toBe(200)        // the phone can fetch what it is given
  await tap(page, '#location')
  const [row] = await backend.sql('SELECT location_x, location_y, location_label FROM report WHERE number = ?', number)
  expect(phone.wx.openLocation).toHaveBeenCalledWith(expect.objectContaining({
    latitude: row.location_x, longitude: row.location_y, name: row.location_label }))
})

test('pulling down the case page shows what staff did meanwhile', async () => {
  const { number } = await residentWithCase()
  const page = await open(DETAIL, { number })
  expect(text(page, '#head')).toContain('已提交')
  await staffAct('grid1', number, 'accept', {})
  await staffAct('grid1', number, 'resolve', { note: '已清理干净' })
  await page.instance.onPullDownRefresh()
  await phone.settle()
  expect(text(page, '#head')).toContain('已办结，待您确认')
  expect(text(page, '#event-0')).toContain('已清理干净')
  expect(page.querySelector('#confirm')).toBeTruthy()
  expect(phone.wx.stopPullDownRefresh).toHaveBeenCalled()
  expect((await caseRow(number)).state).toBe('resolved')
})
