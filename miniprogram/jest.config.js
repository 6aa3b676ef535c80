module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  // tdesign's dist does require('tslib'|'dayjs') from its own nested miniprogram_npm
  moduleDirectories: ['node_modules', 'miniprogram_npm'],
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
  setupFilesAfterEnv: ['<rootDir>/test/setup.js'],
  testTimeout: 30000,
  // phone.wx's fakes are made once per file: each test counts only its own calls
  clearMocks: true,
  // Each file talks to the one backend; two at once on 2 cores keeps the run short and stable.
  maxWorkers: 2,
}
