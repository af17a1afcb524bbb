#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers at AMQP_URI (default 127.0.0.1:5672).
# With --management, also makes sure its management API answers (the service tests need it).
# Order: a broker already running; else start the local rabbitmq-server; else install
# Debian's package when running as root; else say exactly what to do.
set -euo pipefail
want_management=${1:-}
uri=${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}
hostport=$(python3 -c "from urllib.parse import urlparse as u; p=u('$uri'); print(f'{p.hostname or \"127.0.0.1\"} {p.port or 5672}')")
read -r host port <<<"$hostport"

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
wait_for() {
  for _ in $(seq 1 60); do answers "$1" "$2" && return 0; sleep 1; done
  return 1
}
is_local() { [[ "$host" == 127.* || "$host" == localhost ]]; }

if ! answers "$host" "$port"; then
  if ! is_local; then
    echo "RabbitMQ does not answer at $host:$port (AMQP_URI). Start it there, or unset AMQP_URI." >&2
    exit 1
  fi
  if ! command -v rabbitmq-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing Debian's rabbitmq-server…"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
    else
      echo "RabbitMQ is not running and not installed. Run:" >&2
      echo "  sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached" >&2
      echo "or point AMQP_URI at a running broker." >&2
      exit 1
    fi
  fi
  echo "Starting rabbitmq-server…"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for "$host" "$port" || { echo "rabbitmq-server did not start: see its logs under /var/log/rabbitmq" >&2; exit 1; }
fi

if [ "$want_management" = "--management" ] && ! answers "$host" 15672; then
  if is_local && command -v rabbitmq-plugins >/dev/null; then
    echo "Enabling RabbitMQ's management API (the service tests create a vhost each)…"
    rabbitmq-plugins enable rabbitmq_management >/dev/null
    wait_for "$host" 15672 || { echo "RabbitMQ's management API did not come up on port 15672" >&2; exit 1; }
  else
    echo "RabbitMQ's management API is not reachable; enable the rabbitmq_management plugin" \
         "on the broker and set RABBIT_API_URI." >&2
    exit 1
  fi
fi
