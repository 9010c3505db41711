#!/usr/bin/env bash
# Makes sure the Chromium the dashboard's browser tests drive (test/ui/, playwright-core) is installed
# at /usr/bin/chromium, from Debian's packages: playwright's own browser download cannot work here.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-chromium: Chromium is not installed; installing it from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version
