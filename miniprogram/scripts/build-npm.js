// What WeChat devtools' "构建 npm" does for this project (project.config.json: packNpmManually):
// copy each dependency's mini-program dist into src/miniprogram_npm/<name>. The output matches
// miniprogram-ci's packNpmManually; a dependency without a mini-program dist is refused, since
// devtools would need to bundle it.
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const out = path.join(root, 'src', 'miniprogram_npm')
const pkg = require(path.join(root, 'package.json'))

fs.rmSync(out, { recursive: true, force: true })
for (const name of Object.keys(pkg.dependencies || {})) {
  const dir = path.dirname(require.resolve(`${name}/package.json`, { paths: [root] }))
  const meta = require(path.join(dir, 'package.json'))
  const dist = path.join(dir, meta.miniprogram || 'miniprogram_dist')
  if (!fs.existsSync(dist)) {
    console.error(`${name} has no mini-program dist (${meta.miniprogram || 'miniprogram_dist'}): bundle it instead`)
    process.exit(1)
  }
  fs.cpSync(dist, path.join(out, name), { recursive: true })
}
