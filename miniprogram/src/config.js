// The server this build talks to. WeChat only lets a released mini-program reach domains listed
// under 开发管理 → 服务器域名 (request and uploadFile legal domains), over HTTPS.
// Change apiBase here before building; the tests set getApp().globalData.apiBase instead.
module.exports = {
  apiBase: 'https://linli.example.org/api/mp',
  // Subscribe-message template the backend sends case updates with (MP_SUBSCRIBE_TEMPLATE_ID,
  // or whatever the account configured). Empty: the resident is never asked.
  caseTemplateIds: ['case-progress-template'],
  couponTemplateIds: ['coupon-expiry-template'],
  community: 'bajiazhuang',
}
