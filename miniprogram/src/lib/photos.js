// Photos a resident adds to what they send (a report, a proposal): picked, compressed and
// uploaded one at a time with progress, a failed one retried or removed. Pages mix in `behavior`
// and render the strip with photos.wxml (template "photos") and photos.wxss. A page that keeps a
// draft defines photosChanged(), called whenever the list changes (a photo added, uploaded,
// removed); only uploaded photos (state 'done', with the upload's id) are sent. A page that
// uploads elsewhere (staff: /staff/uploads) defines uploadPhoto(file, onProgress) over this one.
const api = require('./api')
const errors = require('./errors')

const MAX_PHOTOS = 9              // cases/filing.py and cases/proposals.py allow 9
// Failures a second try may cure; a photo refused for what it is (too large, not a photo) is not.
const TRANSIENT = ['offline', 'timeout', 'server_down', 'server_error', 'rate_limited', 'session', 'unknown']

// A photo uploaded earlier (a restored draft), as the strip shows it.
function restored(uid, { id, url }) {
  return { uid, id, url, src: api.origin() + url, state: 'done', progress: 100 }
}

const behavior = Behavior({
  data: { photos: [], maxPhotos: MAX_PHOTOS },
  methods: {
    nextUid() { this.uid = (this.uid || 0) + 1; return `p${this.uid}` },

    photosChanged() {},

    uploadPhoto(file, onProgress) { return api.upload(file, onProgress) },

    addPhotos() {
      const room = this.data.maxPhotos - this.data.photos.length
      if (room <= 0) return
      wx.chooseMedia({
        count: room, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'],
        success: res => {
          const added = (res.tempFiles || []).slice(0, room).map(f => ({
            uid: this.nextUid(), path: f.tempFilePath, src: f.tempFilePath, state: 'waiting', progress: 0,
          }))
          this.setData({ photos: this.data.photos.concat(added) })
          this.photosChanged()
          this.pump()
        },
        // cancelled on WeChat's own screen: nothing to do
      })
    },

    async pump() {
      if (this.pumping) return
      this.pumping = true
      try {
        for (;;) {
          const next = this.data.photos.find(p => p.state === 'waiting')
          if (!next) break
          await this.uploadOne(next)
        }
      } finally {
        this.pumping = false
      }
    },

    async uploadOne(photo) {
      this.patchPhoto(photo.uid, { state: 'uploading', progress: 0, error: '' })
      try {
        const file = await new Promise(resolve => wx.compressImage({
          src: photo.path, quality: 80,
          success: res => resolve(res.tempFilePath),
          fail: () => resolve(photo.path),          // an uncompressed photo still beats none
        }))
        const saved = await this.uploadPhoto(file, progress => this.patchPhoto(photo.uid, { progress }))
        if (this.patchPhoto(photo.uid, { state: 'done', progress: 100, id: saved.id, url: saved.url })) this.photosChanged()
      } catch (e) {
        const error = e instanceof errors.ApiError ? e : new errors.ApiError({ kind: 'unknown' })
        this.patchPhoto(photo.uid, { state: 'failed', error: error.title, retryable: TRANSIENT.includes(error.kind) })
      }
    },

    // Update the photo `uid` if it is still there (it may have been removed meanwhile).
    patchPhoto(uid, fields) {
      const index = this.data.photos.findIndex(p => p.uid === uid)
      if (index < 0) return false
      const changes = {}
      Object.entries(fields).forEach(([k, v]) => { changes[`photos[${index}].${k}`] = v })
      this.setData(changes)
      return true
    },

    retryPhoto(e) {
      const uid = e.currentTarget.dataset.uid
      if (this.patchPhoto(uid, { state: 'waiting', progress: 0, error: '' })) this.pump()
    },

    removePhoto(e) {
      const uid = e.currentTarget.dataset.uid
      this.setData({ photos: this.data.photos.filter(p => p.uid !== uid) })
      this.photosChanged()
    },

    previewPhoto(e) {
      const urls = this.data.photos.map(p => p.src)
      wx.previewImage({ urls, current: urls[e.currentTarget.dataset.index] })
    },

    // What keeps the photos from being sent as they are, said to the resident; null when nothing.
    photosBlocker() {
      const photos = this.data.photos
      if (photos.some(p => p.state === 'waiting' || p.state === 'uploading')) {
        return { title: '照片还在上传', next: '请等照片上传完（进度到100%）再提交。' }
      }
      const failed = photos.findIndex(p => p.state === 'failed')
      if (failed >= 0) {
        return { title: `第${failed + 1}张照片没有上传成功`, next: '请点照片上的“重试”，或删除它再提交。' }
      }
      return null
    },

    // The uploads' ids, for the request's photo_ids.
    photoIds() {
      return this.data.photos.filter(p => p.state === 'done').map(p => p.id)
    },
  },
})

module.exports = { behavior, restored, MAX_PHOTOS }
