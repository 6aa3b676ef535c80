// What staff and WeChat do before a resident reads a notice: an editor writes it in the real
// console (/console, over HTTP with its session cookie and CSRF token), WeChat mass-sends it
// (the emulator) and reports the send finished (a signed MASSSENDJOBFINISH push to /wechat,
// through the control server); an article is written, synced, published, and WeChat reports it
// published (PUBLISHJOBFINISH). And a resident whose address staff confirmed.
const http = require('http')
const backend = require('./backend')
const wx = require('./wx')

const agent = new http.Agent({ keepAlive: false })
const DEMO_PASSWORD = 'linli-demo-2026'
// A 2×2 PNG: the console refuses an article without a cover.
const COVER = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64')

function request(method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(backend.info().base + path, { method, agent, headers }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

// A staff member signed in to the console: GET pages and POST its forms as the browser would.
class Console {
  constructor() { this.cookies = {} }

  headers(extra = {}) {
    const cookie = Object.entries(this.cookies).map(([k, v]) => `${k}=${v}`).join('; ')
    return cookie ? { ...extra, cookie } : extra
  }

  keep(res) {
    for (const line of [].concat(res.headers['set-cookie'] || [])) {
      const [pair] = line.split(';')
      const at = pair.indexOf('=')
      this.cookies[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
    }
    return res
  }

  async get(path) {
    const res = this.keep(await request('GET', path, { headers: this.headers() }))
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`)
    return res.text
  }

  // A form on `page` posted with its CSRF token (and fields); answers the response.
  async post(path, fields, page) {
    const form = { csrf: field(page, 'csrf'), ...fields }
    const body = new URLSearchParams(Object.entries(form).filter(([, v]) => v !== undefined)).toString()
    return this.keep(await request('POST', path, {
      body, headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }),
    }))
  }

  async postMultipart(path, fields, files, page) {
    const boundary = `----linli${Math.random().toString(16).slice(2)}`
    const parts = []
    for (const [key, value] of Object.entries({ csrf: field(page, 'csrf'), ...fields })) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n`), Buffer.from(String(value)), Buffer.from('\r\n'))
    }
    for (const [key, { name, type, data }] of Object.entries(files)) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`), data, Buffer.from('\r\n'))
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`))
    const body = Buffer.concat(parts)
    return this.keep(await request('POST', path, {
      body, headers: this.headers({ 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length }),
    }))
  }
}

function field(page, name) {
  const match = new RegExp(`name="${name}" value="([^"]+)"`).exec(page || '')
  return match ? match[1] : undefined
}

const consoles = {}
async function signedIn(username = 'editor') {
  if (!consoles[username]) {
    const c = new Console()
    const page = await c.get('/console/login')
    const res = await c.post('/console/login', { username, password: DEMO_PASSWORD }, page)
    if (res.status !== 303) throw new Error(`console sign-in as ${username}: ${res.status}`)
    consoles[username] = c
  }
  return consoles[username]
}

// WeChat's pushes: each from its own sender and second, as the gateway deduplicates events by both.
let pushes = 0
async function push(event, inner) {
  pushes += 1
  const xml = `<xml><ToUserName><![CDATA[gh_linli_test]]></ToUserName><FromUserName><![CDATA[o-wechat-${process.pid}-${pushes}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event>${inner}</xml>`
  const answer = await backend.control('/push', { xml })
  if (answer.status !== 200) throw new Error(`push ${event}: ${answer.status} ${answer.body}`)
}

// WeChat reports the mass send of the notice finished: the notice is `sent`.
async function massSendFinished(noticeId) {
  const [row] = await backend.sql('SELECT msg_id FROM notice WHERE id = ?', noticeId)
  if (!row || !row.msg_id) throw new Error(`notice ${noticeId} was not mass-sent`)
  await push('MASSSENDJOBFINISH', `<MsgID>${row.msg_id}</MsgID><Status><![CDATA[send success]]></Status>` +
    '<TotalCount>1</TotalCount><FilterCount>1</FilterCount><SentCount>1</SentCount><ErrorCount>0</ErrorCount>')
  const [done] = await backend.sql('SELECT * FROM notice WHERE id = ?', noticeId)
  if (done.state !== 'sent') throw new Error(`notice ${noticeId} is ${done.state}`)
  return done
}

// `target`: 'all', 'building:<id>' or 'grid:<id>'; `sendAt`: the form's time, Beijing
// 'YYYY-MM-DDTHH:MM' (one in the past goes at once). Resolves the notice row, sent.
async function sendNotice({ text, articleId, target = 'all', urgent = false, sendAt }) {
  const c = await signedIn()
  const formPage = articleId ? `/console/articles/${articleId}` : '/console/articles'
  const page = await c.get(formPage)
  const key = field(page, 'key')
  const res = await c.post('/console/notices', {
    key, target, text: articleId ? undefined : text, article_id: articleId, urgent: urgent ? '1' : undefined,
    send_at: sendAt,
  }, page)
  if (res.status !== 303) throw new Error(`notice form: ${res.status} ${res.text.slice(0, 300)}`)
  const [row] = await backend.sql('SELECT id FROM notice WHERE client_msg_id = ?', key)
  if (!row) throw new Error(`the notice form made no notice: ${res.headers.location}`)
  return massSendFinished(row.id)
}

// An article written, synced to a WeChat draft and published (or only synced: `publish`
// false); `image`: the uploaded cover shown in the body too. Resolves its row.
async function publishArticle({ title, body = '正文', digest = '', author = '八家庄社区', publish = true, image = false }) {
  const c = await signedIn()
  const page = await c.get('/console/articles/new')
  const fields = { title, body, digest, author, body_format: 'markdown', comments: 'open' }
  const res = await c.postMultipart('/console/articles/new', fields,
    { cover_file: { name: 'cover.png', type: 'image/png', data: COVER } }, page)
  const id = Number((/\/console\/articles\/(\d+)/.exec(res.headers.location || '') || [])[1])
  if (res.status !== 303 || !id) throw new Error(`article form: ${res.status} ${res.text.slice(0, 300)}`)
  if (image) {
    const [{ cover_path: cover }] = await backend.sql('SELECT cover_path FROM article WHERE id = ?', id)
    const edit = await c.postMultipart(`/console/articles/${id}`,
      { ...fields, cover_path: cover, body: `${body}\n\n![现场照片](/media/${cover})` }, {}, await c.get(`/console/articles/${id}`))
    if (edit.status !== 303) throw new Error(`article edit: ${edit.status}`)
  }
  const editPage = await c.get(`/console/articles/${id}`)
  await c.post(`/console/articles/${id}/sync`, {}, editPage)
  if (publish) {
    await c.post(`/console/articles/${id}/publish`, { confirm: '1' }, editPage)
    const [row] = await backend.sql('SELECT publish_id FROM article WHERE id = ?', id)
    await push('PUBLISHJOBFINISH', `<PublishEventInfo><publish_id>${row.publish_id}</publish_id><publish_status>0</publish_status>` +
      `<article_id><![CDATA[art-${id}]]></article_id><article_detail><count>1</count><item><idx>1</idx>` +
      `<article_url><![CDATA[https://mp.weixin.qq.com/s/art-${id}]]></article_url></item></article_detail></PublishEventInfo>`)
  }
  const [article] = await backend.sql('SELECT * FROM article WHERE id = ?', id)
  if (article.state !== (publish ? 'published' : 'synced')) throw new Error(`article ${id} is ${article.state}: ${article.errmsg}`)
  return article
}

// The building (with its estate's name) a test works in.
async function building(estate, name) {
  const [row] = await backend.sql(
    'SELECT b.id, b.grid_id, b.community_id, e.name AS estate, b.name FROM building b JOIN estate e ON e.id = b.estate_id ' +
    'WHERE e.name = ? AND b.name = ?', estate, name)
  const units = await backend.sql('SELECT id, name FROM unit WHERE building_id = ? ORDER BY id', row.id)
  return { ...row, label: `${row.estate} ${row.name}`, units }
}

// The test's resident (this phone's openid, or `openid`) living in `place` (from building()),
// in its `unit`-th unit (null: no unit), confirmed by the community's secretary through the
// staff API unless `confirmed` is false.
async function residentAt(place, { unit = 0, room = '301', confirmed = true, openid = wx.phone.openid } = {}) {
  const { code } = await backend.control('/login-code', { openid })
  const login = await backend.api('POST', '/login', { body: { code } })
  const token = login.data.token
  const claim = await backend.api('PUT', '/me/address', {
    token, body: { building_id: place.id, unit_id: unit === null || !place.units.length ? null : place.units[unit].id, room },
  })
  if (claim.status !== 200) throw new Error(`address claim: ${claim.status}`)
  if (confirmed) {
    const staff = await backend.api('POST', '/staff/login', { body: { username: 'tianbing', password: DEMO_PASSWORD } })
    const done = await backend.api('POST', `/staff/residents/${login.data.resident.id}/address`,
      { token: staff.data.token, body: { approve: true } })
    if (done.status !== 200) throw new Error(`address confirmation: ${done.status}`)
  }
  return { id: login.data.resident.id, token }
}

// -- what a resident should see, read from the database (the pages are checked against it) ------
const PINNED_MS = 3 * 24 * 3600 * 1000      // an urgent notice stays on top this long (community/policy.py)

function storedTime(text) {                  // a stored naive-UTC time, "2026-03-01 00:05:00.123456"
  return text ? Date.parse(`${text.replace(' ', 'T').slice(0, 23)}Z`) : 0
}

function firstLine(text) {
  const line = (text.split('\n').map(l => l.trim()).find(l => l) || '')
  return line.length <= 30 ? line : `${line.slice(0, 30)}…`
}

// The titles a resident living (confirmed) in `place` should see, in order, by the rules the
// feature promises: notices WeChat sent to everyone or to their building's or grid's tag, each
// article once, urgent ones first for 3 days, then newest first. `place` null: the public view
// (of the demo community, the only one, which is also a resident's without an address).
async function expectedFeed(place) {
  const community = place ? place.community_id : (await backend.sql('SELECT min(id) AS id FROM community'))[0].id
  const tags = place ? (await backend.sql('SELECT id FROM we_chat_tag WHERE building_id = ? OR grid_id = ?',
    place.id, place.grid_id)).map(t => t.id) : []
  const sent = await backend.sql(
    "SELECT n.id, n.text, n.urgent, n.send_at, n.tag_id, n.article_id, a.title FROM notice n " +
    "LEFT JOIN article a ON a.id = n.article_id WHERE n.state = 'sent' AND n.community_id = ?", community)
  const published = await backend.sql(
    "SELECT id, title, published_at FROM article WHERE state = 'published' AND community_id = ? " +
    'AND (errcode IS NULL OR errcode NOT IN (5, 6))', community)
  const now = Date.now()
  const items = []
  const latestSend = {}
  for (const n of sent.filter(n => n.tag_id === null || tags.includes(n.tag_id))) {
    const at = storedTime(n.send_at)
    const pinned = !!n.urgent && at >= now - PINNED_MS
    if (n.article_id === null) {
      if (n.text) items.push({ title: firstLine(n.text), at, pinned, notice: n.id, id: n.id })
    } else if (!latestSend[n.article_id] || latestSend[n.article_id].notice < n.id) {
      latestSend[n.article_id] = { title: n.title, at, pinned, notice: n.id, id: n.article_id }
    }
  }
  items.push(...Object.values(latestSend))
  for (const a of published.filter(a => !latestSend[a.id])) {
    items.push({ title: a.title, at: storedTime(a.published_at), pinned: false, notice: 0, id: a.id })
  }
  items.sort((x, y) => (y.pinned - x.pinned) || (y.at - x.at) || (y.notice - x.notice) || (y.id - x.id))
  return items
}

module.exports = {
  signedIn, sendNotice, publishArticle, massSendFinished, push, building, residentAt, field, expectedFeed, storedTime,
}
