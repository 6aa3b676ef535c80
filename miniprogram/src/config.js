// The server this build talks to. WeChat only lets a released mini-program reach domains listed
// under 开发管理 → 服务器域名 (request and uploadFile legal domains), over HTTPS.
// Change apiBase here before building; the tests set getApp().globalData.apiBase instead.
// The subscribe-message templates are not built in: the backend names those it sends with
// (GET /settings, lib/settings.js), so a resident is asked only about messages that will come.
module.exports = {
  apiBase: 'https://linli.example.org/api/mp',
  community: 'bajiazhuang',
}
