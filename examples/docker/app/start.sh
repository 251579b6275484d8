#!/bin/sh
# Whatever must happen before the service starts (migrations, configuration from the
# environment), then exec: the shell is replaced by node, which receives SIGTERM itself.
set -e
echo "starting on port ${PORT:-3000}"
exec node server.mjs
