// Setup file of every test: the variables that name a platform (PLATFORMS, detectPlatform) are
// removed from the environment of the test workers, and so of every child they start, so that a
// machine run by systemd, PM2 or a development shell does not change the defaults the tests
// expect. A test that wants a platform sets its variables, or passes `platform`, itself. The
// container marker file (/.dockerenv) stays: the docker row's defaults are the plain ones.
const PLATFORM_VARIABLES = [
  'pm_id',
  'kill_timeout',
  'PM2_KILL_TIMEOUT',
  'PM2_KILL_SIGNAL',
  'KUBERNETES_SERVICE_HOST',
  'ECS_CONTAINER_METADATA_URI_V4',
  'ECS_CONTAINER_METADATA_URI',
  'K_SERVICE',
  'K_REVISION',
  'FLY_APP_NAME',
  'DYNO',
  'RENDER',
  'WATCH_REPORT_DEPENDENCIES',
  'INVOCATION_ID',
  'SHUTDOWN_HOOKS_PLATFORM',
];
for (const name of PLATFORM_VARIABLES) delete process.env[name];
if (process.env.NODE_ENV === 'development') delete process.env.NODE_ENV;
