// `output: 'standalone'` is how Next apps run in containers: .next/standalone holds server.js and
// the node_modules it traced. shutdown-hooks stays a package of its own there (not bundled), so
// that the instrumentation and the routes share one copy.
export default {
  output: 'standalone',
  serverExternalPackages: ['shutdown-hooks'],
};
