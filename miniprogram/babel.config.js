// For jest only: tdesign's dist uses import/export; WeChat devtools does its own ES6 -> ES5.
module.exports = { sourceType: 'unambiguous', plugins: ['@babel/plugin-transform-modules-commonjs'] }
