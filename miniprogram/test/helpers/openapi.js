// Every call the mini-program made in a test file must be one the API documents: its method and
// path in /api/mp/openapi.json. Checked after each file (setup.js), over the calls wx.request
// and wx.uploadFile really made, so a path built at run time is checked too.
const http = require('http')
const backend = require('./backend')

let documented = null

function fetchDocument() {
  return new Promise((resolve, reject) => {
    http.get(`${backend.info().api}/openapi.json`, { agent: new http.Agent({ keepAlive: false }) }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))))
    }).on('error', reject)
  })
}

// "/api/mp/reports/{number}" → a pattern for the path under the API base, and its methods.
async function operations() {
  if (!documented) {
    const doc = await fetchDocument()
    documented = Object.entries(doc.paths).map(([template, item]) => ({
      template,
      pattern: new RegExp(`^${template.replace(/^\/api\/mp/, '').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      methods: Object.keys(item).map(m => m.toUpperCase()),
    }))
  }
  return documented
}

async function undocumented(calls) {
  const ops = await operations()
  const base = backend.info().api
  const missing = new Set()
  for (const call of calls) {
    if (!call.url.startsWith(base)) continue
    const path = call.url.slice(base.length).split('?')[0]
    const method = call.method === 'UPLOAD' ? 'POST' : call.method
    if (!ops.some(op => op.pattern.test(path) && op.methods.includes(method))) missing.add(`${method} ${path}`)
  }
  return [...missing]
}

module.exports = { undocumented }
