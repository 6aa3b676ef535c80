// snapshot(page, name): the page as rendered in the test, saved as a stand-alone HTML file that
// scripts/screenshots.js turns into a PNG for the README. Only with LINLI_SCREENSHOTS=1
// (npm run screenshots); otherwise it does nothing.
//
// What it writes: the page's DOM (simulate renders WeChat's tags as wx-view, wx-text …) and the
// styles that apply to it: app.wxss and the page's wxss (compiled here with the class prefix the
// page's DOM carries, "main--"), its components' wxss (simulate compiles and injects those into
// document.head when the page renders), and a base sheet for WeChat's built-in tags. rpx become
// px as on a 375-px-wide phone (750rpx = 375px): simulate would make 1rpx = 1px, so its rpx
// conversion is replaced as soon as this file is required (at the top of a test file, before
// any page renders). The page sits under a navigation bar with its title, as on a phone.
const fs = require('fs')
const path = require('path')
const simUtils = require('miniprogram-simulate/src/utils')
const wxss = require('miniprogram-simulate/src/wxss')
const { ROOT, load } = require('./page')

const ENABLED = process.env.LINLI_SCREENSHOTS === '1'
const OUT = path.join(__dirname, '..', 'screenshots')
const PHONE_WIDTH = 375                 // px; WeChat's layout width is 750rpx whatever the phone

function rpxToPx(css) {
  return css.replace(/(-?\d*\.?\d+)rpx/gi, (all, n) => `${+(Number(n) * PHONE_WIDTH / 750).toFixed(3)}px`)
}
simUtils.transformRpx = rpxToPx

// WeChat's own look for its built-in tags, as far as these pages need it.
const BASE = `
html { -webkit-text-size-adjust: none; }
body { margin: 0; width: ${PHONE_WIDTH}px; background: #f5f6f7;
  font-family: -apple-system, "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; }
page, main, wx-view, wx-scroll-view, wx-swiper, wx-swiper-item, wx-form, wx-navigator, wx-movable-area,
wx-cover-view, wx-rich-text, wx-canvas { display: block; }
wx-text, wx-label, wx-icon { display: inline; }
wx-text { white-space: pre-wrap; }
wx-image { display: inline-block; overflow: hidden; width: 320px; height: 240px; background: #e5e6eb center / cover no-repeat; }
wx-button { display: block; position: relative; margin: 0 auto; padding: 0 14px; box-sizing: border-box;
  font-size: 18px; text-align: center; line-height: 2.55555556; border-radius: 5px; overflow: hidden;
  background: #f8f8f8; color: #000; }
wx-input { display: block; min-height: 1.4em; line-height: 1.4em; overflow: hidden; white-space: nowrap; }
wx-input[data-shown]::before, wx-textarea[data-shown]::before { content: attr(data-shown); }
wx-input[data-placeholder]::before, wx-textarea[data-placeholder]::before { content: attr(data-placeholder); color: #bbbfc4; }
wx-textarea { display: block; width: 300px; min-height: 150px; white-space: pre-wrap; }
wx-switch, wx-checkbox, wx-radio { display: inline-block; }
.linli-navbar { height: 44px; display: flex; align-items: center; justify-content: center; position: relative;
  font-size: 17px; font-weight: 600; border-bottom: 0.5px solid #e5e6eb; }
.linli-navbar::after { content: "··· ◎"; position: absolute; right: 8px; top: 7px; height: 30px; width: 86px;
  box-sizing: border-box; border: 0.5px solid #d0d3d6; border-radius: 15px; font-size: 14px; line-height: 30px;
  text-align: center; font-weight: 400; color: #1f2329; }
`

// TDesign draws icons with a font served from tdesign.gtimg.com, which a machine without the
// internet cannot load: the icons these pages use are drawn from ordinary characters instead.
const ICONS = {
  'chevron-right': '›', 'chevron-left': '‹', 'chevron-down': '⌄', 'chevron-up': '⌃', close: '×',
  'close-circle-filled': '⊗', check: '✓', 'check-circle-filled': '✔', 'check-circle': '✓', add: '+',
  'star-filled': '★', star: '☆', 'info-circle-filled': 'ⓘ', 'info-circle': 'ⓘ', 'error-circle-filled': '!',
  'error-circle': '!', sound: '♪', 'notification-filled': '♪', location: '⌖', camera: '◉', image: '▣',
  search: '⌕', 'call': '☎', 'time': '◷', 'help-circle': '?',
}
const ICON_CSS = `[class*="t-icon--t-icon-"]::before { content: ""; font-family: inherit !important; }\n${
  Object.entries(ICONS).map(([name, ch]) => `.t-icon--t-icon-${name}::before { content: "${ch}" !important; }`).join('\n')}`

function compiledPageStyles(route) {
  // the page's root element is <main>, so its classes (and app.wxss's) carry "main--"
  const sheets = [path.join(ROOT, 'app.wxss'), path.join(ROOT, `${route}.wxss`)]
  return sheets.map(f => (fs.existsSync(f) ? wxss.compile(wxss.getContent(f), { prefix: 'main' }) : '')).join('\n')
}

function title(route) {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${route}.json`), 'utf8'))
  return json.navigationBarTitleText || (app.window || {}).navigationBarTitleText || ''
}

// simulate keeps no attributes of WeChat's native <input>/<textarea>: what the resident sees in
// them (the value, else the placeholder) is read from the TDesign component around them
// (t-input, t-textarea) and put in an attribute the base sheet shows.
function fieldText(dom) {
  const root = dom.__wxElement && dom.__wxElement.ownerShadowRoot
  const host = root && root.__wxHost
  const data = host && host.data
  if (!data || !('value' in data) || !('placeholder' in data)) return {}
  return { value: data.value === null || data.value === undefined ? '' : String(data.value), placeholder: data.placeholder || '' }
}

function visibleMarkup(page) {
  const dom = page.dom.cloneNode(true)
  const originals = page.dom.querySelectorAll('wx-input, wx-textarea')
  dom.querySelectorAll('wx-input, wx-textarea').forEach((el, i) => {
    const { value, placeholder } = fieldText(originals[i])
    if (value) el.setAttribute('data-shown', value)
    else if (placeholder) el.setAttribute('data-placeholder', placeholder)
  })
  return dom.outerHTML
}

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]))
}

function snapshot(page, name) {
  if (!ENABLED) return null
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) throw new Error(`snapshot name "${name}": letters, digits, . _ - only`)
  const route = page.route
  const components = document.getElementById(load(route))       // simulate's <style> for this page
  const css = [BASE, rpxToPx(compiledPageStyles(route)), components ? components.innerHTML : '', ICON_CSS].join('\n')
  const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=${PHONE_WIDTH}">
<title>${escapeHtml(name)} — ${escapeHtml(route)}</title>
<style>${css}</style></head>
<body><div class="linli-navbar">${escapeHtml(title(route))}</div><page>${visibleMarkup(page)}</page></body></html>
`
  fs.mkdirSync(OUT, { recursive: true })
  const file = path.join(OUT, `${name}.html`)
  fs.writeFileSync(file, html)
  return file
}

module.exports = { snapshot, rpxToPx, ENABLED, OUT }
