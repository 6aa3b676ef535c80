// The staff member's session, apart from the resident's (lib/session.js): its own storage key
// and token kind, so signing in as a worker never signs the phone's resident out, and a
// resident's token is never sent to the staff API. A WeChat bound once (bind page, with the
// console's one-time code) signs in again with wx.login alone (/staff/wx-login). In lib/ because
// two subpackages use it (work/ and leader/): a subpackage cannot require another's files.
const api = require('./api')
const errors = require('./errors')

const KEY = 'linli.staff'

function stored() {
  const s = wx.getStorageSync(KEY)
  return s && s.token && s.expires_at > Math.floor(Date.now() / 1000) + 60 ? s : null
}

function save(answer) {
  const s = { token: answer.token, expires_at: answer.expires_at, staff: answer.staff }
  wx.setStorageSync(KEY, s)
  return s
}

function forget() {
  wx.removeStorageSync(KEY)
}

function wxCode() {
  return new Promise((resolve, reject) => wx.login({
    success: res => (res.code ? resolve(res.code) : reject(new errors.ApiError({ kind: 'login_failed' }))),
    fail: res => reject(errors.fromTransport(res && res.errMsg)),
  }))
}

// Bind this WeChat with the console's code; resolves the session.
async function bind(bindCode) {
  const code = await wxCode()
  return save(await api.raw({ path: '/staff/bind', method: 'POST', data: { bind_code: bindCode, code }, auth: false }))
}

// Sign in with the bound WeChat: rejects with code `not_bound` when it is not bound (the pages
// then open the bind page).
async function signIn() {
  const code = await wxCode()
  return save(await api.raw({ path: '/staff/wx-login', method: 'POST', data: { code }, auth: false }))
}

async function token() {
  const s = stored()
  return s ? s.token : (await signIn()).token
}

// A call to the staff API as the signed-in staff member; a token that lapsed (401) signs in
// again once and repeats the call.
async function call(options) {
  try {
    return await api.raw({ ...options, auth: await token() })
  } catch (e) {
    if (e.status !== 401 || e.code === 'not_bound') throw e
    forget()
    return api.raw({ ...options, auth: (await signIn()).token })
  }
}

function staff() {
  const s = stored()
  return s ? s.staff : null
}

// The signed-in staff member ({id, name, roles}), signing in with the bound WeChat if need be.
async function me() {
  return (stored() || await signIn()).staff
}

// Building and unit leaders (楼长, 单元长) knock on doors; they have no case queue.
const LEADER_ROLES = ['building_leader', 'unit_leader']

function leaderOnly(member) {
  const roles = (member && member.roles) || []
  return roles.length > 0 && roles.every(r => LEADER_ROLES.includes(r))
}

function uploadOnce({ path, filePath, name, formData }, token) {
  return new Promise((resolve, reject) => wx.uploadFile({
    url: api.base() + path, filePath, name, formData, header: { Authorization: `Bearer ${token}` },
    success: res => {
      let data = res.data
      try { data = JSON.parse(res.data) } catch (e) { /* an HTML error page from a proxy */ }
      if (res.statusCode >= 200 && res.statusCode < 300) resolve({ status: res.statusCode, data })
      else reject(errors.fromResponse({ statusCode: res.statusCode, data }))
    },
    fail: res => reject(errors.fromTransport(res && res.errMsg)),
  }))
}

// A multipart call to the staff API (a photo with fields) → {status, data}; a lapsed token signs
// in again once, as call() does.
async function upload(options) {
  try {
    return await uploadOnce(options, await token())
  } catch (e) {
    if (e.status !== 401 || e.code === 'not_bound') throw e
    forget()
    return uploadOnce(options, (await signIn()).token)
  }
}

module.exports = { KEY, LEADER_ROLES, bind, signIn, call, upload, forget, staff, me, stored, leaderOnly }
