// The main package's size as WeChat counts it: only files the mini-program can reach are uploaded
// (project.config.json ignoreUploadUnusedFiles), and the main package may not pass 2 MB. Summing
// the folder counts all of tdesign (~1.4 MB) and so fails far too early; this walks what is used:
//   app.json → main pages, subpackages' pages, global usingComponents, tabBar icons
//   each page/component → its .js/.json/.wxml/.wxss and usingComponents (npm paths via miniprogram_npm)
//   JS require/import, WXML import/include/wxs/image src, WXS require, WXSS @import
// A file outside every subpackage root belongs to the main package even when only a subpackage
// uses it. An unresolved reference, a page missing a file, or a main package over --limit exits 1.
//   node scripts/check-size.js [--limit KiB] [--all] [--verbose]
const fs = require('fs')
const path = require('path')

const PROJECT = path.join(__dirname, '..')
const LIMIT_KIB = 2048

function projectRoot() {
  const config = JSON.parse(fs.readFileSync(path.join(PROJECT, 'project.config.json'), 'utf8'))
  return path.join(PROJECT, config.miniprogramRoot || '.')
}

const isFile = f => { try { return fs.statSync(f).isFile() } catch (e) { return false } }
const read = f => fs.readFileSync(f, 'utf8')
const stripBlockComments = s => s.replace(/\/\*[\s\S]*?\*\//g, '')
// Line comments only where `//` starts the line or follows whitespace: "https://…" in a string stays.
const stripJsComments = s => stripBlockComments(s).replace(/(^|[ \t;{}])\/\/.*$/gm, '$1')

function analyse(root = projectRoot()) {
  const app = JSON.parse(read(path.join(root, 'app.json')))
  const subpackages = (app.subPackages || app.subpackages || []).map(p => ({
    root: p.root.replace(/^\/|\/$/g, ''), name: p.name || p.root, pages: p.pages || [], files: new Set(),
  }))
  const problems = []
  const rel = f => path.relative(root, f).split(path.sep).join('/')
  const owner = f => subpackages.find(p => rel(f).startsWith(`${p.root}/`)) || null

  // npm lookup as WeChat does it: miniprogram_npm in the file's folder, then each parent up to root.
  function npmLookup(fromDir, spec, candidates) {
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
      const base = path.join(dir, 'miniprogram_npm', spec)
      const hit = candidates(base).find(isFile)
      if (hit) return hit
      if (path.relative(root, dir) === '' || !dir.startsWith(root)) return null
    }
  }

  function resolveJs(from, spec) {
    const candidates = base => [base, `${base}.js`, path.join(base, 'index.js')]
    const dir = path.dirname(from)
    if (spec.startsWith('/')) return candidates(path.join(root, spec)).find(isFile) || null
    if (spec.startsWith('.')) return candidates(path.resolve(dir, spec)).find(isFile) || null
    // a bare path: WeChat tries it as relative first, then as an npm package
    return candidates(path.resolve(dir, spec)).find(isFile) || npmLookup(dir, spec, candidates)
  }

  // A component path → its base (no extension), or null. npm-style paths may name a package
  // (→ its index) or a file inside it.
  function resolveComponent(jsonFile, spec) {
    const candidates = base => [`${base}.json`, path.join(base, 'index.json')]
    const dir = path.dirname(jsonFile)
    let hit
    if (spec.startsWith('/')) hit = candidates(path.join(root, spec)).find(isFile)
    else if (spec.startsWith('.')) hit = candidates(path.resolve(dir, spec)).find(isFile)
    else hit = candidates(path.resolve(dir, spec)).find(isFile) || npmLookup(dir, spec, candidates)
    return hit ? hit.replace(/\.json$/, '') : null
  }

  function resolveLocal(from, spec) {
    const f = spec.startsWith('/') ? path.join(root, spec) : path.resolve(path.dirname(from), spec)
    return isFile(f) ? f : null
  }

  // Walk everything reachable from the entries into `into` (a Set of absolute paths).
  function walk(entries, into) {
    const queue = [...entries]
    const need = (from, spec, file, what) => {
      if (file) queue.push(file)
      else problems.push(`${rel(from)}: ${what} "${spec}" not found`)
    }
    while (queue.length) {
      const file = queue.pop()
      if (into.has(file)) continue
      into.add(file)
      const ext = path.extname(file)
      const text = ['.js', '.json', '.wxml', '.wxss', '.wxs'].includes(ext) ? read(file) : ''
      if (ext === '.js' || ext === '.wxs') {
        const code = stripJsComments(text)
        const specs = [
          ...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
          ...code.matchAll(/\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g),
          ...code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
        ].map(m => m[1])
        for (const spec of specs) {
          const hit = ext === '.wxs' ? resolveLocal(file, spec) : resolveJs(file, spec)
          need(file, spec, hit, 'require')
        }
      } else if (ext === '.json' && path.basename(file) !== 'app.json') {
        const json = JSON.parse(text)
        for (const [tag, spec] of Object.entries(json.usingComponents || {})) {
          if (spec.startsWith('plugin://') || spec.startsWith('plugin-private://')) continue
          const base = resolveComponent(file, spec)
          if (base) queue.push(...componentFiles(base))
          else problems.push(`${rel(file)}: component <${tag}> "${spec}" not found`)
        }
      } else if (ext === '.wxml') {
        const markup = text.replace(/<!--[\s\S]*?-->/g, '')
        for (const m of markup.matchAll(/<(import|include|wxs|image|cover-image)\b[^>]*?\bsrc\s*=\s*(["'])(.*?)\2/g)) {
          const spec = m[3]
          if (!spec || spec.includes('{{') || /^(https?:|data:|wxfile:|cloud:)/.test(spec)) continue
          need(file, spec, resolveLocal(file, spec), `<${m[1]}> src`)
        }
      } else if (ext === '.wxss') {
        for (const m of stripBlockComments(text).matchAll(/@import\s+(?:url\()?\s*(["'])(.*?)\1/g)) {
          need(file, m[2], resolveLocal(file, m[2]), '@import')
        }
      }
    }
    return into
  }

  // A page or component: .js, .json and .wxml must be there (WeChat refuses the build without
  // them); .wxss only when present.
  function componentFiles(base, from = null) {
    const files = []
    for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
      const f = base + ext
      if (isFile(f)) files.push(f)
      else if (ext !== '.wxss') problems.push(`${from || rel(base)}: ${rel(f)} missing`)
    }
    return files
  }

  const mainEntries = ['app.js', 'app.json', 'app.wxss', app.sitemapLocation, app.themeLocation]
    .filter(Boolean).map(f => path.join(root, f)).filter(isFile)
  for (const page of app.pages || []) mainEntries.push(...componentFiles(path.join(root, page), 'app.json pages'))
  for (const [tag, spec] of Object.entries(app.usingComponents || {})) {
    const base = resolveComponent(path.join(root, 'app.json'), spec)
    if (base) mainEntries.push(...componentFiles(base))
    else problems.push(`app.json: global component <${tag}> "${spec}" not found`)
  }
  for (const item of (app.tabBar && app.tabBar.list) || []) {
    for (const icon of [item.iconPath, item.selectedIconPath].filter(Boolean)) {
      const f = path.join(root, icon)
      if (isFile(f)) mainEntries.push(f)
      else problems.push(`app.json: tabBar icon "${icon}" not found`)
    }
  }

  const main = walk(mainEntries, new Set())
  for (const f of main) {
    const p = owner(f)
    if (p) problems.push(`main package uses ${rel(f)}, which is in subpackage ${p.root}/ (WeChat would not load it)`)
  }
  for (const p of subpackages) {
    const reached = new Set()
    walk(p.pages.flatMap(page => componentFiles(path.join(root, p.root, page), `app.json subpackage ${p.root}`)), reached)
    for (const f of reached) {
      const o = owner(f)
      if (o === p) p.files.add(f)
      else if (o) problems.push(`${p.root}/ uses ${rel(f)} from subpackage ${o.root}/`)
      else main.add(f)        // shared code outside any subpackage ships in the main package
    }
  }

  const describe = files => {
    const list = [...files].sort()
    return { files: list.map(rel), bytes: list.reduce((n, f) => n + fs.statSync(f).size, 0) }
  }
  return {
    root,
    main: describe([...main].filter(f => !owner(f))),
    subpackages: subpackages.map(p => ({ root: p.root, name: p.name, pages: p.pages, ...describe(p.files) })),
    problems: [...new Set(problems)],
  }
}

// Every file under root (the naive sum devtools' upload does not make), for comparison.
function naive(root = projectRoot()) {
  let files = 0
  let bytes = 0
  const visit = dir => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, e.name)
      if (e.isDirectory()) visit(f)
      else { files++; bytes += fs.statSync(f).size }
    }
  }
  visit(root)
  return { files, bytes }
}

const kib = bytes => (bytes / 1024).toFixed(1)

function main(argv) {
  const limitAt = argv.indexOf('--limit')
  const limit = limitAt >= 0 ? Number(argv[limitAt + 1]) : LIMIT_KIB
  if (!(limit > 0)) {
    console.error('--limit takes a size in KiB')
    return 2
  }
  const result = analyse()
  const verbose = argv.includes('--verbose')
  console.log(`main package: ${result.main.files.length} files, ${kib(result.main.bytes)} KiB (limit ${limit} KiB)`)
  if (verbose) result.main.files.forEach(f => console.log(`  ${f}`))
  for (const p of result.subpackages) {
    console.log(`subpackage ${p.root}/: ${p.files.length} files, ${kib(p.bytes)} KiB`)
    if (verbose) p.files.forEach(f => console.log(`  ${f}`))
  }
  const total = result.main.bytes + result.subpackages.reduce((n, p) => n + p.bytes, 0)
  console.log(`all packages: ${kib(total)} KiB`)
  if (argv.includes('--all')) {
    const all = naive()
    console.log(`every file under ${path.relative(PROJECT, result.root) || '.'}/ (naive sum): ${all.files} files, ${kib(all.bytes)} KiB`)
  }
  let failed = false
  for (const problem of result.problems) {
    console.error(`unresolved: ${problem}`)
    failed = true
  }
  if (result.main.bytes > limit * 1024) {
    console.error(`main package is ${kib(result.main.bytes)} KiB, over the ${limit} KiB limit`)
    failed = true
  }
  return failed ? 1 : 0
}

if (require.main === module) process.exitCode = main(process.argv.slice(2))

module.exports = { analyse, naive, LIMIT_KIB }
