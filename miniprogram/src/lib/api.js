// The one door to the backend (/api/mp, documented in its OpenAPI). Every call returns a
// Promise of the JSON body; failures reject with an ApiError (lib/errors.js) that pages show.
// A 401 on a signed-in call signs in again and repeats the call once, so a resident whose
// session lapsed keeps what they were doing.
const errors = require('./errors')
const session = require('./session')

function base() {
  const app = typeof getApp === 'function' ? getApp() : null
  return (app && app.globalData && app.globalData.apiBase) || require('../config').apiBase
}

function origin() {
  return base().replace(/\/api\/mp\/?$/, '')
}

// One HTTP call. `auth`: false for public calls, a token string, or true for "the resident's".
// `withStatus`: resolve {status, data} instead of the body, for callers that must tell a new
// resource (201) from a replay of an Idempotency-Key (200).
function raw({ path, method = 'GET', data, auth = true, header = {}, timeout = 15000, withStatus = false }) {
  return new Promise((resolve, reject) => {
    const headers = { ...header }
    if (typeof auth === 'string') headers.Authorization = `Bearer ${auth}`
    wx.request({
      url: base() + path, method, data, header: headers, timeout,
      success: res => (res.statusCode >= 200 && res.statusCode < 300) || res.statusCode === 304
        ? resolve(withStatus ? { status: res.statusCode, data: res.data } : res.data) : reject(errors.fromResponse(res)),
      fail: res => reject(errors.fromTransport(res.errMsg)),
    })
  })
}

async function call(options) {
  if (options.auth === false) return raw(options)
  const token = await session.token(raw)
  try {
    return await raw({ ...options, auth: token })
  } catch (e) {
    if (e.status !== 401) throw e
    session.forget()
    const fresh = (await session.signIn(raw)).token
    return raw({ ...options, auth: fresh })
  }
}

// A photo to `path` (under the API) as `token`, with progress (0..100) reported to onProgress;
// resolves {id, url}. The staff's photos of a fix go to /staff/uploads with the staff token.
function uploadFile(path, filePath, token, onProgress) {
  return new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url: `${base()}${path}`, filePath, name: 'file', header: { Authorization: `Bearer ${token}` },
      success: res => {
        let data = res.data
        try { data = JSON.parse(res.data) } catch (e) { /* an HTML error page from a proxy */ }
        if (res.statusCode === 201 || res.statusCode === 200) resolve(data)
        else reject(errors.fromResponse({ statusCode: res.statusCode, data }))
      },
      fail: res => reject(errors.fromTransport(res.errMsg)),
    })
    if (task && task.onProgressUpdate && onProgress) task.onProgressUpdate(p => onProgress(p.progress))
  })
}

// A resident's photo to /uploads; resolves {id, url}.
async function upload(filePath, onProgress) {
  const attempt = token => uploadFile('/uploads', filePath, token, onProgress)
  const token = await session.token(raw)
  try {
    return await attempt(token)
  } catch (e) {
    if (e.status !== 401) throw e
    session.forget()
    return attempt((await session.signIn(raw)).token)
  }
}

// An Idempotency-Key for one thing the resident means to do once (a filing, a claim).
function newKey(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
}

const get = (path, data, extra) => call({ path, data, ...extra })
const post = (path, data, extra) => call({ path, method: 'POST', data, ...extra })
const put = (path, data, extra) => call({ path, method: 'PUT', data, ...extra })

module.exports = { call, get, post, put, upload, uploadFile, newKey, base, origin, raw }
