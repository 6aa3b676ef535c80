const fs = require('fs')

module.exports = async function globalTeardown() {
  const backend = globalThis.__LINLI_BACKEND__
  if (!backend) return
  await new Promise(resolve => {
    backend.child.on('exit', resolve)
    backend.child.stdin.end()           // the backend stops gunicorn and the emulator when its stdin closes
    setTimeout(() => { backend.child.kill('SIGKILL'); resolve() }, 15000)
  })
  fs.rmSync(backend.INFO, { force: true })
}
