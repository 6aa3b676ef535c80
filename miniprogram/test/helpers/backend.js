// The real backend the tests drive: started once per run by global-setup.js
// (python -m tests.miniprogram_backend: gunicorn, SQLite, the demo community, the WeChat
// emulator), described in a file the test workers read.
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')

const agent = new http.Agent({ keepAlive: false })
const INFO = path.join(os.tmpdir(), `linli-mp-backend-${process.env.LINLI_MP_RUN || 'local'}.json`)

function info() {
  return JSON.parse(fs.readFileSync(INFO, 'utf8'))
}

function post(url, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body || {}))
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed
        try { parsed = JSON.parse(text) } catch (e) { parsed = text }
        if (res.statusCode >= 400) reject(new Error(`${url}: ${res.statusCode} ${text}`))
        else resolve(parsed)
      })
    })
    req.on('error', reject)
    req.end(data)
  })
}

// The test's hand on WeChat and the database (see tests/miniprogram_backend.py).
function control(route, body) {
  return post(info().control + route, body)
}

async function sql(query, ...params) {
  return (await control('/sql', { sql: query, params })).rows
}

// The API as a second client would call it (staff acting on a case, a merchant launching a
// campaign): plain HTTP, outside the mini-program under test.
function api(method, route, { body, token, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const req = http.request(info().api + route, {
      method,
      agent,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed
        try { parsed = JSON.parse(text) } catch (e) { parsed = text }
        resolve({ status: res.statusCode, data: parsed })
      })
    })
    req.on('error', reject)
    req.end(data)
  })
}

module.exports = { INFO, info, control, sql, api }
