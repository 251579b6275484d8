import createDebug from 'debug';

/** One logger per area, created once. Enable with `DEBUG=shutdown-hooks:*`. */
export const log = {
  core: createDebug('shutdown-hooks:core'),
  hooks: createDebug('shutdown-hooks:hooks'),
  signals: createDebug('shutdown-hooks:signals'),
  watchdog: createDebug('shutdown-hooks:watchdog'),
  http: createDebug('shutdown-hooks:http'),
} as const;
