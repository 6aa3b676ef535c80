// Starts the real backend once for the whole run (see backend.js) and waits for its address.
const { spawn } = require('child_process')
const fs = require('fs')
const path = require('path')

const REPO = path.join(__dirname, '..', '..', '..')

function python() {
  if (process.env.LINLI_PYTHON) return process.env.LINLI_PYTHON
  const venv = path.join(REPO, '.venv', 'bin', 'python')
  return fs.existsSync(venv) ? venv : 'python3'
}

module.exports = async function globalSetup() {
  process.env.LINLI_MP_RUN = String(process.pid)
  const { INFO } = require('./backend')
  const child = spawn(python(), ['-m', 'tests.miniprogram_backend'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', d => { stderr = (stderr + d).slice(-20000) })
  const line = await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`backend did not start in 90 s:\n${stderr}`)), 90000)
    child.stdout.on('data', d => {
      out += d
      const nl = out.indexOf('\n')
      if (nl >= 0) { clearTimeout(timer); resolve(out.slice(0, nl)) }
    })
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`backend exited (${code}):\n${stderr}`)) })
  })
  fs.writeFileSync(INFO, line)
  child.removeAllListeners('exit')
  globalThis.__LINLI_BACKEND__ = { child, INFO, stderr: () => stderr }
}
