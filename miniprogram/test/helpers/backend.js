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

// One HTTP call: resolves {status, data} (JSON parsed where it is JSON), whatever the status.
function send(method, url, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const req = http.request(url, { method, agent, headers: { 'content-type': 'application/json', ...headers } }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed
        try { parsed = JSON.parse(text) } catch (e) { parsed = text }
        resolve({ status: res.statusCode, data: parsed, text })
      })
    })
    req.on('error', reject)
    req.end(data)
  })
}

// The test's hand on WeChat and the database (see tests/miniprogram_backend.py); a refusal
// there is a broken test, so it throws.
async function control(route, body) {
  const answer = await send('POST', info().control + route, { body: body || {} })
  if (answer.status >= 400) throw new Error(`${route}: ${answer.status} ${answer.text}`)
  return answer.data
}

async function sql(query, ...params) {
  return (await control('/sql', { sql: query, params })).rows
}

// The API as a second client would call it (staff acting on a case, a merchant launching a
// campaign): plain HTTP, outside the mini-program under test.
async function api(method, route, { body, token, headers = {} } = {}) {
  const auth = token ? { authorization: `Bearer ${token}` } : {}
  const { status, data } = await send(method, info().api + route, { body, headers: { ...auth, ...headers } })
  return { status, data }
}

module.exports = { INFO, info, control, sql, api }
