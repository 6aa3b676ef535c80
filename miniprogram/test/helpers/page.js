// Load a page of src/ the way WeChat would, render it, and drive it as a resident would.
// See ../../../shared/miniprogram-testing.md for why each step is as it is.
const fs = require('fs')
const path = require('path')
const simulate = require('miniprogram-simulate')
const { settle, waitFor } = require('./wx')

const ROOT = path.join(__dirname, '..', '..', 'src')
const APP = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const loaded = {}

// simulate runs each component's JS with require(): jest's module cache ignores simulate's
// `delete require.cache[...]`, so the second page using t-cell would get no t-cell at all
// (Component() never called again). Each load runs its components' JS afresh instead.
require('miniprogram-simulate/src/utils').runJs = file => jest.isolateModules(() => require(file))

// simulate does not resolve npm-style component paths (tdesign-miniprogram/button/button): it
// would render a bare <t-button> without a word. Map them to /miniprogram_npm/..., following
// our own components' json too, and fail loudly on a path that is not there.
function npmComponents(jsonFile, found = {}, seen = new Set()) {
  if (seen.has(jsonFile) || !fs.existsSync(jsonFile)) return found
  seen.add(jsonFile)
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'))
  if (!json.usingComponents) throw new Error(`${jsonFile}: a Component page needs "usingComponents"`)
  const entries = { ...(APP.usingComponents || {}), ...json.usingComponents }
  for (const [tag, target] of Object.entries(entries)) {
    if (target.startsWith('/')) {
      npmComponents(path.join(ROOT, `${target}.json`), found, seen)
    } else if (target.startsWith('.')) {
      npmComponents(path.join(path.dirname(jsonFile), `${target}.json`), found, seen)
    } else {
      const mapped = `/miniprogram_npm/${target}`
      if (!fs.existsSync(path.join(ROOT, `${mapped}.js`))) throw new Error(`${jsonFile}: ${tag} → ${target} not built (npm run build:npm)`)
      found[tag] = mapped
    }
  }
  return found
}

// simulate compiles every WXML under src/ (with TDesign's) in one run of WeChat's wcc, whose
// output passed the compiler's default 1 MB buffer as pages were added (spawnSync ENOBUFS).
const COMPILER = { maxBuffer: 16 * 1024 * 1024 }

function load(pagePath) {
  if (!loaded[pagePath]) {
    const file = path.join(ROOT, pagePath)
    loaded[pagePath] = simulate.load(file, { rootPath: ROOT, usingComponents: npmComponents(`${file}.json`), compilerOptions: COMPILER })
  }
  return loaded[pagePath]
}

// Render `pagePath` (e.g. 'pages/me/index') as if opened with `query`, and wait for its first
// requests. Returns the j-component wrapper; `.instance` is the page's `this`.
async function open(pagePath, query = {}, { wait = true } = {}) {
  const page = simulate.render(load(pagePath))
  page.attach(document.createElement('parent-wrapper'))
  page.route = pagePath
  page.options = query
  global.__linliPages = [...(global.__linliPages || []), page.instance]
  page.instance.route = pagePath
  page.instance.options = query
  if (page.instance.onLoad) page.instance.onLoad(query)
  if (page.instance.onShow) page.instance.onShow()
  page.triggerPageLifeTime('show')
  if (wait) await settle()
  return page
}

function find(page, selector) {
  const el = page.querySelector(selector)
  if (!el) throw new Error(`${page.route}: nothing matches ${selector}`)
  return el
}

function text(page, selector) {
  const el = page.querySelector(selector)
  if (!el) return null
  return (el.dom ? el.dom.textContent : '').replace(/\s+/g, ' ').trim()
}

// All text the resident sees on the page, for "does it say X" checks.
function screen(page) {
  return page.dom.textContent.replace(/\s+/g, ' ').trim()
}

// Tap a view, or a TDesign button/cell by the id given to it.
async function tap(page, selector, detail = {}) {
  const el = find(page, selector)
  const inner = el.querySelector('.t-button') || el.querySelector('.t-cell') || el
  inner.dispatchEvent('tap', { detail })
  await simulate.sleep(0)
  await settle()
}

// Type into a TDesign input or textarea (or any element whose bindinput we target).
async function type(page, selector, value) {
  const el = find(page, selector)
  const inner = el.querySelector('.t-input__control') || el.querySelector('.t-textarea__wrapper-inner') || el
  inner.dispatchEvent('input', { detail: { value, cursor: value.length } })
  await simulate.sleep(0)
  await settle()
}

// Fire a component event (change, select, pick …) on the element with `selector`.
async function fire(page, selector, event, detail = {}) {
  find(page, selector).dispatchEvent(event, { detail })
  await simulate.sleep(0)
  await settle()
}

module.exports = { ROOT, open, load, find, text, screen, tap, type, fire, settle, waitFor }
