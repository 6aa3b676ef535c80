const fs = require('fs')

module.exports = async function globalTeardown() {
  const backend = globalThis.__LINLI_BACKEND__
  if (!backend) return
  if (backend.child.exitCode !== null || backend.child.signalCode !== null) return fs.rmSync(backend.INFO, { force: true })
  await new Promise(resolve => {
    // The fallback kill's timer is cleared once the backend exits: left pending, it kept jest's
    // process alive for its full 15 s ("Jest did not exit one second after the test run").
    const timer = setTimeout(() => { backend.child.kill('SIGKILL'); resolve() }, 15000)
    backend.child.on('exit', () => { clearTimeout(timer); resolve() })
    backend.child.stdin.end()           // the backend stops gunicorn and the emulator when its stdin closes
  })
  fs.rmSync(backend.INFO, { force: true })
}
