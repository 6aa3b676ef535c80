const config = require('./config')

App({
  globalData: {
    apiBase: config.apiBase,
    community: config.community,
  },
})
