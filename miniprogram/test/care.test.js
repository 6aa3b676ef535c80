// Care mode (关怀模式) on every page of the mini-program: with the phone's type set large, each
// page opens with large type (`.care` on its root) whatever state it is in, and the README's
// care-mode screenshots come from here (LINLI_SCREENSHOTS=1).
const { snapshot } = require('./helpers/screenshot')
const fs = require('fs')
const path = require('path')
const { open, ROOT } = require('./helpers/page')
const phone = require('./helpers/wx')

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const PAGES = [...app.pages, ...app.subPackages.flatMap(p => p.pages.map(page => `${p.root}/${page}`))]

function careShown(page) {
  return /(^|\s|--)care(\s|$)/.test(page.dom.firstElementChild.className)
}

test.each(PAGES)('%s opens in care mode when the phone\'s type is large', async pagePath => {
  phone.phone.fontSizeSetting = 22            // WeChat's 字体大小 at its third step
  const page = await open(pagePath)
  expect(careShown(page)).toBe(true)
  snapshot(page, `care-${pagePath.replace(/\/index$/, '').replace(/\//g, '-')}`)
})

test.each(PAGES)('%s opens in normal type when the phone\'s type is normal', async pagePath => {
  phone.phone.fontSizeSetting = 16
  const page = await open(pagePath)
  expect(careShown(page)).toBe(false)
})
