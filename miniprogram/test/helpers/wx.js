// The phone around the mini-program: `wx.*` as WeChat gives it, for the parts the pages use.
// wx.request and wx.uploadFile go over real HTTP to the backend (test/helpers/backend.js);
// wx.login asks the WeChat emulator for a real one-time code, so /login runs code2session for
// real. What the resident would do on WeChat's own screens (pick photos, pick a place, answer
// the subscribe prompt, scan) is set by the test in `phone`. wx.downloadFile fetches over real
// HTTP into a temporary file, as WeChat does (for a picture that needs the token, such as the
// team leader's check-in QR).
const http = require('http')
const fs = require('fs')
const os = require('os')
const path = require('path')
const backend = require('./backend')

const inFlight = new Set()
// no kept-alive sockets: jest would wait on them after the last test
const agent = new http.Agent({ keepAlive: false })

function track(promise) {
  inFlight.add(promise)
  const forget = () => { inFlight.delete(promise) }
  promise.then(forget, forget)
  return promise
}

// What the resident does on WeChat's own screens, and what the phone is like; reset per test.
const phone = {}
function resetPhone() {
  Object.assign(phone, {
    openid: `o-resident-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    offline: false,
    media: [],                    // chooseMedia picks these files (absolute paths)
    location: null,               // chooseLocation picks this {name, address, latitude, longitude}
    subscribe: 'accept',          // requestSubscribeMessage answers each template id with this ('fail': the call fails)
    modal: { confirm: true, content: '' },   // showModal: the button tapped (and text typed when editable)
    scan: null,                   // scanCode gives {result, path}
    fontSizeSetting: 16,
    brightness: 0.4,
    // (method, url) => true: that request reaches the server, but its answer never reaches the
    // phone (the connection dropped on the way back): the phone sees a timeout.
    lose: null,
  })
  storage.clear()
}

const storage = new Map()

function callbacks(options, promiseResult) {
  // WeChat's async APIs: callbacks when given, a Promise otherwise.
  const { success, fail, complete } = options || {}
  return (ok, result) => {
    if (ok && success) success(result)
    if (!ok && fail) fail(result)
    if (complete) complete(result)
    if (!success && !fail && !complete) {
      return ok ? Promise.resolve(result) : Promise.reject(result)
    }
    return promiseResult
  }
}

function later(options, ok, result) {
  const done = callbacks(options)
  const p = track(new Promise(resolve => setTimeout(resolve, 0)).then(() => done(ok, result)))
  return (options && (options.success || options.fail || options.complete)) ? undefined : p
}

function httpCall({ url, method, headers, body, timeout }) {
  return new Promise((resolve, reject) => {
    if (phone.offline) return reject(new Error('net::ERR_INTERNET_DISCONNECTED'))
    const req = http.request(url, { method, headers, timeout, agent }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        if (phone.lose && phone.lose(method, url)) return reject(new Error('timeout'))
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) })
      })
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(body)
  })
}

function parse(buffer, headers, dataType) {
  const text = buffer.toString('utf8')
  if (dataType !== 'json') return text
  try { return JSON.parse(text) } catch (e) { return text }
}

function request(options) {
  const { url, method = 'GET', data, header = {}, dataType = 'json', timeout = 60000 } = options
  let target = url
  let body
  const headers = { 'content-type': 'application/json', ...header }
  if (method === 'GET' && data && typeof data === 'object') {
    const query = new URLSearchParams(Object.entries(data).filter(([, v]) => v !== undefined && v !== null)).toString()
    if (query) target += (target.includes('?') ? '&' : '?') + query
  } else if (data !== undefined) {
    body = typeof data === 'string' ? data : JSON.stringify(data)
  }
  const done = callbacks(options)
  let aborted = false
  const task = track(httpCall({ url: target, method, headers, body, timeout }).then(
    res => aborted || done(true, { errMsg: 'request:ok', statusCode: res.status, header: res.headers, data: parse(res.body, res.headers, dataType) }),
    err => aborted || done(false, { errMsg: `request:fail ${err.message}` })))
  module.exports.log.push({ method, url: target, header: headers, data })
  return { abort() { aborted = true; done(false, { errMsg: 'request:fail abort' }) }, onHeadersReceived() {}, offHeadersReceived() {} }
}

function uploadFile(options) {
  const { url, filePath, name, header = {}, formData = {} } = options
  const boundary = `----linli${Math.random().toString(16).slice(2)}`
  const parts = []
  for (const [key, value] of Object.entries(formData)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`))
  }
  const type = /\.png$/i.test(filePath) ? 'image/png' : 'image/jpeg'
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${path.basename(filePath)}"\r\nContent-Type: ${type}\r\n\r\n`))
  parts.push(fs.readFileSync(filePath))
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`))
  const body = Buffer.concat(parts)
  const done = callbacks(options)
  const listeners = []
  let aborted = false
  const task = {
    abort() { aborted = true; done(false, { errMsg: 'uploadFile:fail abort' }) },
    onProgressUpdate(fn) { listeners.push(fn) },
    offProgressUpdate() { listeners.length = 0 },
  }
  track(new Promise(r => setTimeout(r, 0)).then(() => httpCall({
    url, method: 'POST', body,
    headers: { ...header, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
  })).then(res => {
    if (aborted) return
    listeners.forEach(fn => fn({ progress: 100, totalBytesSent: body.length, totalBytesExpectedToSend: body.length }))
    // uploadFile gives the body as a string, whatever its type
    done(true, { errMsg: 'uploadFile:ok', statusCode: res.status, data: res.body.toString('utf8') })
  }, err => aborted || done(false, { errMsg: `uploadFile:fail ${err.message}` })))
  module.exports.log.push({ method: 'UPLOAD', url, filePath })
  return task
}

// WeChat calls success for any HTTP status, with the body in the file; fail only on transport.
function downloadFile(options) {
  const { url, header = {} } = options
  const done = callbacks(options)
  track(new Promise(r => setTimeout(r, 0)).then(() => httpCall({ url, method: 'GET', headers: header })).then(res => {
    const file = path.join(os.tmpdir(), `linli-download-${process.pid}-${Math.random().toString(36).slice(2)}`)
    fs.writeFileSync(file, res.body)
    done(true, { errMsg: 'downloadFile:ok', statusCode: res.status, tempFilePath: file })
  }, err => done(false, { errMsg: `downloadFile:fail ${err.message}` })))
  module.exports.log.push({ method: 'GET', url, header, download: true })
}

function login(options) {
  const done = callbacks(options)
  const p = track(backend.control('/login-code', { openid: phone.openid })
    .then(({ code }) => done(true, { errMsg: 'login:ok', code }), () => done(false, { errMsg: 'login:fail' })))
  return options && (options.success || options.fail) ? undefined : p
}

const wxFake = {
  request: jest.fn(request),
  uploadFile: jest.fn(uploadFile),
  downloadFile: jest.fn(downloadFile),
  login: jest.fn(login),
  getStorageSync: jest.fn(key => (storage.has(key) ? JSON.parse(storage.get(key)) : '')),
  setStorageSync: jest.fn((key, value) => { storage.set(key, JSON.stringify(value)) }),
  removeStorageSync: jest.fn(key => { storage.delete(key) }),
  clearStorageSync: jest.fn(() => storage.clear()),
  showToast: jest.fn(o => later(o, true, {})),
  hideToast: jest.fn(),
  showLoading: jest.fn(o => later(o, true, {})),
  hideLoading: jest.fn(),
  showModal: jest.fn(o => later(o, true, { confirm: phone.modal.confirm, cancel: !phone.modal.confirm, content: phone.modal.content })),
  navigateTo: jest.fn(o => later(o, true, { errMsg: 'navigateTo:ok' })),
  redirectTo: jest.fn(o => later(o, true, { errMsg: 'redirectTo:ok' })),
  switchTab: jest.fn(o => later(o, true, { errMsg: 'switchTab:ok' })),
  reLaunch: jest.fn(o => later(o, true, { errMsg: 'reLaunch:ok' })),
  navigateBack: jest.fn(o => later(o, true, { errMsg: 'navigateBack:ok' })),
  stopPullDownRefresh: jest.fn(),
  setNavigationBarTitle: jest.fn(),
  makePhoneCall: jest.fn(o => later(o, true, { errMsg: 'makePhoneCall:ok' })),
  setClipboardData: jest.fn(o => later(o, true, { errMsg: 'setClipboardData:ok' })),
  previewImage: jest.fn(o => later(o, true, {})),
  openLocation: jest.fn(o => later(o, true, {})),
  vibrateShort: jest.fn(),
  chooseMedia: jest.fn(o => later(o, phone.media.length > 0, phone.media.length
    ? { type: 'image', tempFiles: phone.media.map(p => ({ tempFilePath: p, size: fs.statSync(p).size, fileType: 'image' })) }
    : { errMsg: 'chooseMedia:fail cancel' })),
  compressImage: jest.fn(o => later(o, true, { tempFilePath: o.src })),
  chooseLocation: jest.fn(o => later(o, !!phone.location, phone.location || { errMsg: 'chooseLocation:fail cancel' })),
  requestSubscribeMessage: jest.fn(o => (phone.subscribe === 'fail'
    ? later(o, false, { errMsg: 'requestSubscribeMessage:fail last call has not ended', errCode: 20003 })
    : later(o, true, Object.fromEntries([['errMsg', 'requestSubscribeMessage:ok'],
      ...(o.tmplIds || []).map(id => [id, phone.subscribe])])))),
  scanCode: jest.fn(o => later(o, !!phone.scan, phone.scan || { errMsg: 'scanCode:fail cancel' })),
  getNetworkType: jest.fn(o => later(o, true, { networkType: phone.offline ? 'none' : 'wifi' })),
  onNetworkStatusChange: jest.fn(),
  offNetworkStatusChange: jest.fn(),
  getScreenBrightness: jest.fn(o => later(o, true, { value: phone.brightness })),
  setScreenBrightness: jest.fn(o => { phone.brightness = o.value; return later(o, true, {}) }),
  setKeepScreenOn: jest.fn(o => later(o, true, {})),
  onUserCaptureScreen: jest.fn(),
  offUserCaptureScreen: jest.fn(),
  getAppBaseInfo: jest.fn(() => ({ fontSizeSetting: phone.fontSizeSetting, SDKVersion: '3.6.0', theme: 'light' })),
  getWindowInfo: jest.fn(() => ({ windowWidth: 375, windowHeight: 667, pixelRatio: 2 })),
  getAccountInfoSync: jest.fn(() => ({ miniProgram: { appId: 'wx-test-mp', envVersion: 'develop' } })),
}

function install() {
  // the fakes are shared by every test of a file: each test counts its own calls
  Object.values(wxFake).forEach(fn => fn.mockClear())
  Object.assign(global.wx, wxFake)
  module.exports.log = []
}

// Wait until nothing is in flight: every request, upload and timer-0 callback chained on one.
async function settle() {
  for (let i = 0; i < 200; i++) {
    await new Promise(r => setTimeout(r, 0))
    if (inFlight.size === 0) {
      await new Promise(r => setTimeout(r, 0))
      if (inFlight.size === 0) return
    }
    await Promise.allSettled([...inFlight])
  }
  throw new Error('requests still in flight after 200 rounds')
}

async function waitFor(predicate, { timeout = 10000, interval = 20 } = {}) {
  const end = Date.now() + timeout
  for (;;) {
    await settle()
    if (predicate()) return
    if (Date.now() > end) throw new Error('waitFor: condition never held')
    await new Promise(r => setTimeout(r, interval))
  }
}

module.exports = { install, resetPhone, phone, settle, waitFor, storage, wx: wxFake, log: [] }
