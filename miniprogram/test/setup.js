// Runs in every test file: WeChat's globals that miniprogram-simulate lacks, the phone's wx.*
// over real HTTP (helpers/wx.js), the app, and a fresh phone and resident per test.
require('miniprogram-simulate')        // puts its stub wx on global first; ours goes over it
const phone = require('./helpers/wx')
const backend = require('./helpers/backend')

let app
global.App = options => { app = options }
global.getApp = () => app
global.getCurrentPages = () => global.__linliPages || []

phone.install()
require('../src/app.js')

beforeEach(async () => {
  phone.resetPhone()
  phone.install()                       // a fresh wx.* (and call log) per test
  app.globalData.apiBase = backend.info().api
  // Every test signs in from 127.0.0.1: the backend's per-address sign-in limit would count
  // the whole run as one flood.
  await backend.control('/reset-limits')
})

// Every call the pages made this file, for the check against the API's OpenAPI document.
const calls = []
afterEach(async () => {
  await phone.settle()
  calls.push(...phone.log)
})

afterAll(async () => {
  const missing = await require('./helpers/openapi').undocumented(calls)
  expect(missing).toEqual([])           // each is a call the API's OpenAPI document does not list
})
