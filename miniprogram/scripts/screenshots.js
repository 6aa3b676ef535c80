// npm run screenshots [-- <jest args>]: run the tests with LINLI_SCREENSHOTS=1, so that each
// snapshot(page, name) in them writes test/screenshots/<name>.html (test/helpers/screenshot.js),
// then render each of those files as a phone would show it (375 px wide, pixel ratio 2, the whole
// page) to docs/screenshots/<name>.png for the README.
//   --render-only   skip the tests; render the HTML files already there
// Needs Chromium or Chrome (Debian: apt-get install chromium; or set LINLI_CHROMIUM). Talks to
// it over the DevTools protocol on a pipe, so no npm package is needed.
const { spawn, spawnSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')

const PROJECT = path.join(__dirname, '..')
const HTML_DIR = path.join(PROJECT, 'test', 'screenshots')
const PNG_DIR = path.join(PROJECT, 'docs', 'screenshots')
const VIEWPORT = { width: 375, height: 667, deviceScaleFactor: 2, mobile: true }

function findChromium() {
  const candidates = [process.env.LINLI_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium']
  return candidates.find(c => c && fs.existsSync(c)) || null
}

// A DevTools-protocol client over --remote-debugging-pipe: JSON messages ending in \0 on fd 3
// (to the browser) and fd 4 (from it).
function launch(executable) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'linli-shots-'))
  const child = spawn(executable, ['--headless', '--remote-debugging-pipe', '--no-sandbox', '--disable-gpu',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-quic', '--hide-scrollbars', '--font-render-hinting=none', `--user-data-dir=${profile}`, 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', d => { stderr = (stderr + d).slice(-4000) })
  const pending = new Map()
  const waiters = []
  let nextId = 1
  let buffer = ''
  child.stdio[4].on('data', chunk => {
    buffer += chunk.toString('utf8')
    let end
    while ((end = buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffer.slice(0, end))
      buffer = buffer.slice(end + 1)
      if (message.id && pending.has(message.id)) {
        const { resolve, reject, method } = pending.get(message.id)
        pending.delete(message.id)
        if (message.error) reject(new Error(`${method}: ${message.error.message}`))
        else resolve(message.result)
      } else if (message.method) {
        for (const w of [...waiters]) {
          if (w.method === message.method && w.sessionId === message.sessionId) {
            waiters.splice(waiters.indexOf(w), 1)
            w.resolve(message.params)
          }
        }
      }
    }
  })
  const exited = new Promise(resolve => child.on('exit', resolve))
  exited.then(() => {
    for (const { reject, method } of pending.values()) reject(new Error(`${method}: the browser exited\n${stderr}`))
  })
  const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = nextId++
    pending.set(id, { resolve, reject, method })
    child.stdio[3].write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`)
  })
  const once = (method, sessionId) => new Promise(resolve => waiters.push({ method, sessionId, resolve }))
  const close = async () => {
    await send('Browser.close').catch(() => {})
    await Promise.race([exited, new Promise(r => setTimeout(r, 5000))])
    if (child.exitCode === null) child.kill('SIGKILL')
    fs.rmSync(profile, { recursive: true, force: true })
  }
  return { send, once, close }
}

async function render(browser, htmlFile, pngFile) {
  const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' })
  const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true })
  const send = (method, params) => browser.send(method, params, sessionId)
  await send('Page.enable')
  await send('Network.enable')
  await send('Network.setBlockedURLs', { urls: ['http://*', 'https://*'] })    // the page is all local
  await send('Emulation.setDeviceMetricsOverride', VIEWPORT)
  const loaded = browser.once('Page.loadEventFired', sessionId)
  await send('Page.navigate', { url: `file://${htmlFile}` })
  await loaded
  await send('Runtime.evaluate', { expression: 'document.fonts.ready.then(() => true)', awaitPromise: true })
  // the whole page, however long: the phone's 667 px is the least
  const { result } = await send('Runtime.evaluate', { expression: 'document.documentElement.scrollHeight', returnByValue: true })
  const height = Math.max(VIEWPORT.height, Math.ceil(result.value))
  await send('Emulation.setDeviceMetricsOverride', { ...VIEWPORT, height })
  const { data } = await send('Page.captureScreenshot', { format: 'png', clip: { x: 0, y: 0, width: VIEWPORT.width, height, scale: 1 } })
  fs.writeFileSync(pngFile, Buffer.from(data, 'base64'))
  await browser.send('Target.closeTarget', { targetId })
}

async function main(argv) {
  const renderOnly = argv.includes('--render-only')
  if (!renderOnly) {
    const build = spawnSync(process.execPath, [path.join(__dirname, 'build-npm.js')], { stdio: 'inherit' })
    if (build.status !== 0) return build.status || 1
    fs.rmSync(HTML_DIR, { recursive: true, force: true })      // no stale page from an older run
    const jest = path.join(PROJECT, 'node_modules', '.bin', 'jest')
    const run = spawnSync(jest, argv.filter(a => a !== '--render-only'), {
      cwd: PROJECT, stdio: 'inherit', env: { ...process.env, LINLI_SCREENSHOTS: '1' },
    })
    if (run.status !== 0) {
      console.error('the tests failed: no screenshots rendered (a failing page is not one to show)')
      return run.status || 1
    }
  }
  const files = fs.existsSync(HTML_DIR) ? fs.readdirSync(HTML_DIR).filter(f => f.endsWith('.html')).sort() : []
  if (!files.length) {
    console.error(`no snapshots in ${path.relative(PROJECT, HTML_DIR)}/ (tests call snapshot(page, name))`)
    return 1
  }
  const executable = findChromium()
  if (!executable) {
    console.error('no Chromium or Chrome found (Debian: apt-get install chromium), or set LINLI_CHROMIUM')
    return 1
  }
  fs.mkdirSync(PNG_DIR, { recursive: true })
  const browser = launch(executable)
  try {
    for (const f of files) {
      const png = path.join(PNG_DIR, f.replace(/\.html$/, '.png'))
      await render(browser, path.join(HTML_DIR, f), png)
      console.log(path.relative(PROJECT, png))
    }
  } finally {
    await browser.close()
  }
  return 0
}

main(process.argv.slice(2)).then(code => { process.exitCode = code }, err => {
  console.error(err)
  process.exitCode = 1
})
