// One notice or article: ?id=<article id>, or ?notice=<notice id> (a text notice shows its text;
// an article's notice opens the article). The body is the backend's cleaned HTML, shown with
// <rich-text>; its images live on our server, so their paths are made whole here.
const api = require('../../lib/api')
const care = require('../../lib/care')
const notices = require('../../lib/notices')

// Images fit the screen: the backend strips every style, so ours is the only one.
const IMAGE_STYLE = 'max-width:100%;height:auto;display:block;margin:16rpx 0;'

function forPhone(html, origin) {
  return html
    .replace(/<img\b/g, `<img style="${IMAGE_STYLE}"`)
    .replace(/(<img\b[^>]*\bsrc=")\/media\//g, `$1${origin}/media/`)
}

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', doc: null, error: null },
  methods: {
    onLoad(query = {}) {
      this.query = query
      this.load()
    },

    async load() {
      this.setData({ state: 'loading', error: null })
      try {
        const { id, notice } = this.query
        if (notice) {
          const sent = await api.get(`/notices/${Number(notice)}`)
          if (sent.article_id) return await this.loadArticle(sent.article_id)
          return this.show({
            kind: 'text', title: sent.title, text: sent.text, urgent: sent.urgent,
            meta: `${notices.shortTime(sent.at)} · ${sent.audience}`,
          })
        }
        return await this.loadArticle(Number(id))
      } catch (e) {
        this.setData({ state: 'error', error: { title: e.title, next: e.next } })
      }
    },

    async loadArticle(id) {
      const a = await api.get(`/articles/${id}`)
      const origin = api.origin()
      this.show({
        kind: 'article', title: a.title, urgent: a.urgent, url: a.url || '',
        meta: [a.author, notices.shortTime(a.published_at), a.audience].filter(Boolean).join(' · '),
        digest: a.digest, cover: a.cover ? origin + a.cover : '', html: forPhone(a.html, origin),
      })
    },

    show(doc) {
      this.setData({ state: 'ready', doc })
      wx.setNavigationBarTitle({ title: doc.kind === 'article' ? '文章' : '通知' })
    },

    retry() { this.load() },

    // WeChat's own copy of the article (with its comments) opens from a pasted link.
    copyLink() {
      wx.setClipboardData({ data: this.data.doc.url })
    },
  },
})
