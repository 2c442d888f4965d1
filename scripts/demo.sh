#!/usr/bin/env bash
# demo.sh: what `make demo` runs.
#
# Once `impress demo` exists (the whole flow on the offline sandbox: render,
# login, publish, comments, purge) this script hands over to it. Until then it
# walks through what works already: the daemon, doctor, the account profile,
# config and the job queue, in a throw-away IMPRESS_HOME, printing each
# command before it runs it.
#
# Environment: IMPRESS (binary, default bin/impress), IMPRESS_DEMO_KEEP=1 to
# keep the temporary home for a look afterwards.
set -euo pipefail

impress=${IMPRESS:-bin/impress}
if [[ ! -x $impress ]]; then
	echo "demo: $impress not found; run \`make build\` first" >&2
	exit 1
fi

if "$impress" demo --help >/dev/null 2>&1; then
	echo "\$ impress demo${*:+ $*}"
	exec "$impress" demo "$@"
fi

# Nothing from the user's own set-up may leak into the demo, nor the demo
# into it: one temporary root for config, data, logs and socket.
unset IMPRESS_CONFIG IMPRESS_DATA_DIR IMPRESS_STATE_DIR IMPRESS_SOCKET IMPRESS_NO_AUTOSTART IMPRESS_META_ENDPOINT
IMPRESS_HOME=$(mktemp -d "${TMPDIR:-/tmp}/impress-demo.XXXXXX")
export IMPRESS_HOME

cleanup() {
	"$impress" daemon stop >/dev/null 2>&1 || true
	if [[ ${IMPRESS_DEMO_KEEP:-0} == 1 ]]; then
		echo "demo: kept IMPRESS_HOME=$IMPRESS_HOME"
	else
		rm -rf "$IMPRESS_HOME"
	fi
}
trap cleanup EXIT

# step prints the command as one would type it, then runs it.
step() {
	local a line="impress"
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9@%+=:,./_-]+$ ]]; then
			line+=" $a"
		else
			line+=" '${a//\'/\'\\\'\'}'"
		fi
	done
	printf '\n$ %s\n' "$line"
	"$impress" "$@"
}

echo "demo: impress $("$impress" --version 2>/dev/null | sed 's/^impress //') with IMPRESS_HOME=$IMPRESS_HOME"
step daemon start
step daemon status
step doctor
step account set --email demo@example.com --company "Demo Shop" --store "demo-shop" --contact "Ada Demo"
step account show
step account show --json
step config list
step jobs list
step daemon stop
# shellcheck disable=SC2016 # the backquotes are literal
printf '\ndemo: done (the full render → publish demo arrives with `impress demo`)\n'
