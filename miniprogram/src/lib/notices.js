// The community's notices and articles as the pages list them (GET /notices): one shape for the
// home page and the list, and the one way to open an item.

// "2026-03-01T08:05:00+08:00" → "03-01 08:05": the backend already speaks Beijing time.
function shortTime(at) {
  return at ? `${at.slice(5, 10)} ${at.slice(11, 16)}` : ''
}

function view(item) {
  return {
    key: `${item.kind}-${item.id}`,
    kind: item.kind,
    id: item.id,
    title: item.title,
    summary: item.summary,
    urgent: item.urgent,
    pinned: item.pinned,
    date: shortTime(item.at),
    audience: item.audience,
    isArticle: item.kind === 'article',
  }
}

// A text notice opens by the notice's id; an article by the article's.
function url(item) {
  const query = item.kind === 'article' ? `id=${item.id}` : `notice=${item.id}`
  return `/notices/article/index?${query}`
}

function open(item) {
  wx.navigateTo({ url: url(item) })
}

module.exports = { view, url, open, shortTime }
