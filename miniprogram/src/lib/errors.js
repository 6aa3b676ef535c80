// Every way a call can fail, said to a resident in plain Chinese with what to do next.
// The backend's own message is used where it already speaks to the resident; these add the
// next step, and cover what never reaches the backend (no network, server down).
const NEXT_STEPS = {
  offline: { title: '网络未连接', next: '请检查手机网络或 Wi-Fi，连上后点“重试”。您填写的内容已保存。' },
  timeout: { title: '网络太慢，请求超时', next: '请稍后点“重试”，您填写的内容不会丢失。' },
  server_down: { title: '服务暂时无法连接', next: '社区服务正在维护或繁忙，请过几分钟再试；急事请直接拨打社区电话。' },
  server_error: { title: '服务出了点问题', next: '请稍后再试；如果一直这样，请告诉网格员。' },
  wechat_unavailable: { title: '微信服务暂时不可用', next: '请稍后再试。' },
  not_configured: { title: '服务暂未开通', next: '社区还在准备这项服务，请先拨打社区电话办理。' },
  session: { title: '登录已失效', next: '正在为您重新登录，请再点一次。' },
  login_failed: { title: '微信登录没有成功', next: '请确认网络正常后点“重试”；如果一直不行，请退出小程序再进入。' },
  rate_limited: { title: '操作太频繁了', next: '请休息一会儿（约一分钟）再试。' },
  too_large: { title: '照片太大', next: '请换一张较小的照片，或在相册里先压缩。' },
  bad_photo: { title: '照片无法识别', next: '请重新拍一张（JPG 或 PNG 格式）。' },
  risky: { title: '内容未通过安全检查', next: '请修改描述中的敏感字词后再提交。' },
  not_found: { title: '没有找到', next: '它可能已被撤回或合并，请下拉刷新。' },
  conflict: { title: '状态已经变化', next: '请下拉刷新后再操作。' },
  address_not_confirmed: { title: '地址尚未确认', next: '请先在“我的”里填写住址，等楼长或网格员确认后再领取。' },
  other_community: { title: '不是本社区的活动', next: '只有本社区居民可以领取。' },
  not_in_audience: { title: '这张券只发给部分楼栋', next: '您所在的楼栋不在本次活动范围内。' },
  sold_out: { title: '已经领完了', next: '下次活动早点来。' },
  limit_reached: { title: '您已领过了', next: '在“我的券”里可以找到它。' },
  daily_limit: { title: '今天已领到上限', next: '明天再来领吧。' },
  not_live: { title: '活动未开始或已暂停', next: '请稍后再看。' },
  outside_claim_window: { title: '不在领取时间内', next: '请看活动说明中的领取时间。' },
  campaign_expired: { title: '活动已结束', next: '' },
  campaign_not_found: { title: '活动已下架', next: '请回到列表看看其他活动。' },
  coupon_not_found: { title: '没有找到这张券', next: '请在“我的红卡券”里查看您领到的券。' },
  bad_field: { title: '填写有误', next: '请检查标红的内容后再提交。' },
  description_too_short: { title: '描述太短', next: '请再写几个字说明问题，或拍张照片一起提交。' },
  description_too_long: { title: '描述太长了', next: '请删减到字数上限以内（见输入框右下角）后再提交。' },
  bad_upload: { title: '照片已失效', next: '请删除标出的照片后重新添加，再提交。' },
  unknown_category: { title: '这个分类已停用', next: '请重新选择分类，或不选分类直接提交。' },
  unknown_household: { title: '这个门牌号已不在名单中', next: '请重新选择单元和门牌号，或点“找不到我家”手动填写。' },
  household_not_in_unit: { title: '门牌号与单元不符', next: '请重新选择单元和门牌号。' },
  no_household: { title: '住址还没有对应到房间', next: '议事以户为单位：请在“我的”里重新填写住址并选择门牌号，或联系楼长、网格员。' },
  outside_scope: { title: '这条议事不面向您家', next: '它只请所在单元、楼栋或小区的住户附议和评论。' },
  already_supported: { title: '您家已附议', next: '每户只能附议一次，家人已经替全家附议过了。' },
  proposal_closed: { title: '这条议事已有结果', next: '不能再附议或评论，下拉刷新看看结果。' },
  bad_scope: { title: '请选择议事范围', next: '选择本单元、本楼、本小区或全社区。' },
  no_estate: { title: '您的楼栋不属于任何小区', next: '请选择本楼或全社区。' },
  bad_title: { title: '请填写标题', next: '用一句话说明要议的事，不超过60个字。' },
  bad_text: { title: '内容字数不合适', next: '请把事情说清楚：提议至少10个字，评论不超过500个字。' },
  too_many_photos: { title: '照片太多了', next: '最多9张，请删掉几张再提交。' },
  sensitive_words: { title: '内容含有不宜发布的字词', next: '请修改后再发。' },
  already_voted: { title: '您家已表态', next: '每户一票，家人已经替全家表过态了；下拉刷新可以看到是谁投的。' },
  change_not_allowed: { title: '本次征询表态后不能更改', next: '如有新的情况，请联系楼长或网格员说明。' },
  closed: { title: '征询已截止', next: '不能再表态了，下拉刷新看看结果。' },
  not_open_yet: { title: '征询还没开始', next: '请在开始时间之后再来表态。' },
  owners_only: { title: '本次表决只由业主参与', next: '依《民法典》第二百七十八条，共有部分的事由业主表决；租住的住户请把意见告诉房东或楼长。' },
  bad_choice: { title: '请选择一个选项', next: '点选一个选项后再提交。' },
  // 志愿服务 (volunteers/): sign-up, check-in by the leader's QR, urgent calls
  full: { title: '名额已满', next: '您已排进候补，有人取消时会按顺序递补并通知您。' },
  waitlisted: { title: '您还在候补中', next: '递补成正式报名后才能签到；有人取消时会通知您。' },
  started: { title: '活动已经开始', next: '开始后不能再报名或取消；不能到场请告诉队长。' },
  activity_cancelled: { title: '活动已取消', next: '请回到活动列表看看其他活动。' },
  bad_role: { title: '请选择岗位', next: '点选一个岗位后再报名。' },
  not_signed_up: { title: '您没有报名这场活动', next: '请先报名，获得名额后再签到。' },
  outside_team: { title: '这支服务队只面向本楼居民', next: '请加入社区的服务队，或您所在楼栋的服务队。' },
  qr_expired: { title: '签到码已过期', next: '签到码每分钟更新一次，截图或转发的不能用：请扫队长手机上正在显示的码。' },
  qr_forged: { title: '这不是活动的签到码', next: '请扫队长手机上“签到码”页面显示的二维码。' },
  wrong_activity: { title: '这是另一场活动的签到码', next: '请确认您在本场活动现场，扫本场队长显示的码。' },
  already_checked_in: { title: '您已经签到过了', next: '以第一次签到时间为准，活动结束时记得扫码签退。' },
  already_checked_out: { title: '您已经签退过了', next: '以第一次签退时间为准，服务时长等队长确认。' },
  not_checked_in: { title: '您还没有签到', next: '请先扫码签到；忘了签到请找队长补签。' },
  outside_activity: { title: '还不到签到时间', next: '活动开始前1小时起可以签到，结束后不能再签到。' },
  hours_confirmed: { title: '服务时长已经确认', next: '确认后不能再签到签退；如有出入请联系队长。' },
  call_filled: { title: '人已经够了', next: '这次不用来了，下次有任务会再通知您。' },
  already_answered: { title: '您已经回应过了', next: '每人回应一次；情况有变请直接告诉队长。' },
  not_a_member: { title: '您不是这支服务队的队员', next: '紧急任务只请该队队员回应；可以在“志愿服务”里申请入队。' },
  key_reused: { title: '报名没有成功', next: '请回到活动页面重新点“报名”。' },
  unknown: { title: '出了点问题', next: '请稍后再试。' },
}

class ApiError extends Error {
  constructor({ kind, code, status, message }) {
    const step = NEXT_STEPS[kind] || NEXT_STEPS.unknown
    super(message || step.title)
    this.kind = kind
    this.code = code || kind
    this.status = status || 0
    this.title = message || step.title
    this.next = step.next
  }
}

// What kind of failure an HTTP answer is: the backend's code where we have a next step for it.
function kindOf(status, code) {
  if (code === 'database_unavailable') return 'server_down'
  if (code && NEXT_STEPS[code]) return code
  if (status === 401) return 'session'
  if (status === 404) return 'not_found'
  if (status === 409) return 'conflict'
  if (status === 413) return 'too_large'
  if (status === 429) return 'rate_limited'
  if (status === 502) return 'wechat_unavailable'
  if (status === 503) return code === 'wechat_not_configured' ? 'not_configured' : 'server_down'
  if (status === 504) return 'server_down'
  if (status >= 500) return 'server_error'
  if (['not_an_image', 'unsupported_type', 'too_many_pixels', 'empty_file'].includes(code)) return 'bad_photo'
  if (code === 'file_too_large') return 'too_large'
  if (code === 'content_rejected') return 'risky'
  if (status === 400) return 'bad_field'
  return 'unknown'
}

function fromResponse(res) {
  const error = (res.data && res.data.error) || {}
  // nginx's own 502/504 page is HTML: there is no backend message to show then
  const message = typeof error.message === 'string' && res.statusCode < 500 ? error.message : ''
  return new ApiError({ kind: kindOf(res.statusCode, error.code), code: error.code, status: res.statusCode, message })
}

function fromTransport(errMsg) {
  const text = String(errMsg || '')
  if (/timeout|timed out/i.test(text)) return new ApiError({ kind: 'timeout' })
  if (/INTERNET_DISCONNECTED|network|offline/i.test(text)) return new ApiError({ kind: 'offline' })
  return new ApiError({ kind: 'server_down' })
}

// The one place a page shows an error: a title and the next step, never a raw code.
function show(error) {
  const e = error instanceof ApiError ? error : new ApiError({ kind: 'unknown' })
  wx.showModal({ title: e.title, content: e.next || ' ', showCancel: false, confirmText: '知道了' })
  return e
}

module.exports = { ApiError, NEXT_STEPS, fromResponse, fromTransport, kindOf, show }
