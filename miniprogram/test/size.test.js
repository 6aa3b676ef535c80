// What WeChat checks when the mini-program is built and uploaded, checked here without devtools:
// the main package's size (2 MB), each page's files, subpackage pages kept out of the main
// package, every WXML file compiling, and every component tag resolving to a component.
const { execFileSync, spawnSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const simulate = require('miniprogram-simulate')
const { analyse, LIMIT_KIB } = require('../scripts/check-size')
const { ROOT, load } = require('./helpers/page')

const APP = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const SCRIPT = path.join(__dirname, '..', 'scripts', 'check-size.js')
const allPages = [
  ...APP.pages,
  ...APP.subPackages.flatMap(p => p.pages.map(page => `${p.root}/${page}`)),
]

test('the main package is under 2 MB counting what WeChat uploads, and every reference resolves', () => {
  const result = analyse()
  expect(result.problems).toEqual([])
  expect(result.main.bytes).toBeLessThan(LIMIT_KIB * 1024)
  // tdesign is in it: the walk followed the npm components, not only our own files
  expect(result.main.files).toContain('miniprogram_npm/tdesign-miniprogram/cell/cell.js')
  expect(result.main.files).toContain('miniprogram_npm/tdesign-miniprogram/miniprogram_npm/tslib/index.js')
  // and the rest of tdesign is not: this is the sum devtools uploads, not the folder's
  expect(result.main.files).not.toContain('miniprogram_npm/tdesign-miniprogram/calendar/calendar.js')
})

test('npm run size passes, and fails when the main package is over --limit', () => {
  expect(execFileSync('node', [SCRIPT], { encoding: 'utf8' })).toMatch(/^main package: \d+ files, [\d.]+ KiB/)
  const over = spawnSync('node', [SCRIPT, '--limit', '1'], { encoding: 'utf8' })
  expect(over.status).toBe(1)
  expect(over.stderr).toContain('over the 1 KiB limit')
})

test('every page in app.json has its js, json, wxml and wxss', () => {
  const missing = allPages.flatMap(page => ['js', 'json', 'wxml', 'wxss']
    .map(ext => `${page}.${ext}`).filter(f => !fs.existsSync(path.join(ROOT, f))))
  expect(missing).toEqual([])
})

test('no subpackage page or file is in the main package', () => {
  const roots = APP.subPackages.map(p => `${p.root.replace(/\/$/, '')}/`)
  const { main, subpackages } = analyse()
  expect(APP.pages.filter(page => roots.some(r => page.startsWith(r)))).toEqual([])
  expect(main.files.filter(f => roots.some(r => f.startsWith(r)))).toEqual([])
  for (const p of subpackages) {
    for (const page of p.pages) expect(p.files).toContain(`${p.root}/${page}.js`)
  }
})

// A made-up mini-program with one broken reference of each kind: the check must catch them all.
test('an unresolved require, component, import or @import is reported (the check can fail)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'linli-size-'))
  const write = (f, text) => { fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true }); fs.writeFileSync(path.join(root, f), text) }
  write('app.json', JSON.stringify({ pages: ['pages/a/index'], subPackages: [{ root: 'sub', pages: ['b/index'] }] }))
  write('app.js', "require('./lib/gone')")
  write('pages/a/index.js', "const x = require('left-pad') // require('./commented-out')")
  write('pages/a/index.json', JSON.stringify({ usingComponents: { 't-gone': 'tdesign-miniprogram/gone/gone' } }))
  write('pages/a/index.wxml', '<import src="./missing.wxml"/><wxs src="../../sub/b/x.wxs" module="x"/>')
  write('pages/a/index.wxss', "@import '../../style/missing.wxss';")
  write('sub/b/index.js', '')
  write('sub/b/index.json', '{}')
  write('sub/b/index.wxml', '')
  write('sub/b/x.wxs', '')
  try {
    const { problems } = analyse(root)
    expect(problems).toEqual(expect.arrayContaining([
      'app.js: require "./lib/gone" not found',
      'pages/a/index.js: require "left-pad" not found',
      'pages/a/index.json: component <t-gone> "tdesign-miniprogram/gone/gone" not found',
      'pages/a/index.wxml: <import> src "./missing.wxml" not found',
      'pages/a/index.wxss: @import "../../style/missing.wxss" not found',
      'main package uses sub/b/x.wxs, which is in subpackage sub/ (WeChat would not load it)',
    ]))
    expect(problems.join('\n')).not.toContain('commented-out')
    expect(problems).toHaveLength(6)
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

// simulate's official compiler (wcc) compiles every WXML file under src/ when the first page
// loads, so one load is the compile check for all of them.
test('every WXML file compiles', () => {
  expect(() => load('pages/me/index')).not.toThrow()
})

// A tag the page json does not map to a component renders as a bare <t-…> element, silently
// (an npm-style path simulate cannot resolve, or a component used but not declared).
test.each(allPages)('%s renders no bare component tag', page => {
  const rendered = simulate.render(load(page))
  rendered.attach(document.createElement('parent-wrapper'))
  expect(rendered.dom.innerHTML).not.toMatch(/<t-[a-z]/)
})
