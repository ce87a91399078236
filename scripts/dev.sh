#!/usr/bin/env bash
# Runs imghost locally on workerd (`wrangler dev`) with R2 and D1 kept on
# disk under .wrangler/state; the UI is served by the same Worker.
# Expects `make dev` to have built the Worker and the UI.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8787}

if [ ! -f .dev.vars ]; then
  token=$(node -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')
  (umask 077 && printf 'ADMIN_TOKEN=%s\n' "$token" > .dev.vars)
  echo "Created .dev.vars with a new random ADMIN_TOKEN."
fi
token=$(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars | tr -d '"')

# Applying migrations starts wrangler (over a second): only when the
# migrations changed since they were last applied to this state.
stamp=.wrangler/state/migrations-applied
applied=$(cat migrations/*.sql | cksum)
if [ "$(cat "$stamp" 2>/dev/null)" != "$applied" ]; then
  wrangler d1 migrations apply DB --local >/dev/null
  mkdir -p "$(dirname "$stamp")" && printf '%s\n' "$applied" > "$stamp"
fi

wrangler dev --ip 127.0.0.1 --port "$PORT" --show-interactive-dev-session=false &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
  kill -0 $server 2>/dev/null || exit 1
  sleep 0.3
done
cat <<MSG

  imghost is running. Open:

      http://127.0.0.1:$PORT/#token=$token

  (the page keeps the token; the API is at http://127.0.0.1:$PORT,
   admin token: $token)

MSG
wait $server
