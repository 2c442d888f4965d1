#!/usr/bin/env bash
# ensure-deps.sh: make sure the system tools impress needs at run time and in
# its tests are installed: ffmpeg and ffprobe (render, probe, doctor), the
# DejaVu fonts (drawtext captions and texts) and fontconfig's fc-list (specs
# that name a font, `impress doctor`'s font list).
#
# Idempotent and quiet when everything is present. When something is missing:
#   - Debian/Ubuntu as root, or with password-less sudo: apt-get update once,
#     then apt-get install the missing packages;
#   - anywhere else: print the exact command to run, and fail.
#
# Environment:
#   IMPRESS_NO_INSTALL=1   only check; never install (print the command, fail)
#   IMPRESS_DEPS_VERBOSE=1 say what was found even when nothing is missing
#
# Usage: scripts/ensure-deps.sh [--check]
set -euo pipefail

check_only=${IMPRESS_NO_INSTALL:-0}
if [[ ${1:-} == --check ]]; then
	check_only=1
elif [[ -n ${1:-} ]]; then
	echo "usage: $0 [--check]" >&2
	exit 2
fi

log() { printf 'ensure-deps: %s\n' "$*" >&2; }

# DejaVu is where Debian (fonts-dejavu-core), Fedora (dejavu-sans-fonts)
# and Homebrew put it; fc-list covers the rest.
have_font() {
	local f
	for f in /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
		/usr/share/fonts/dejavu/DejaVuSans.ttf \
		/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf \
		/usr/local/share/fonts/DejaVuSans.ttf \
		/opt/homebrew/share/fonts/DejaVuSans.ttf; do
		[[ -f $f ]] && return 0
	done
	if command -v fc-list >/dev/null 2>&1; then
		# No `grep -q`: it would close the pipe early and fc-list would die
		# of SIGPIPE, which pipefail turns into "no font".
		[[ -n $(fc-list 2>/dev/null | grep -i 'DejaVuSans\.ttf' || true) ]] && return 0
	fi
	return 1
}

missing_tools=()
for tool in ffmpeg ffprobe; do
	command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool")
done
font_missing=0
fc_missing=0
# macOS ships fonts of its own; the DejaVu and fontconfig checks are for
# Linux-style systems.
if [[ $(uname -s) != Darwin ]]; then
	have_font || font_missing=1
	command -v fc-list >/dev/null 2>&1 || fc_missing=1
fi

if ((${#missing_tools[@]} == 0 && font_missing == 0 && fc_missing == 0)); then
	if [[ ${IMPRESS_DEPS_VERBOSE:-0} == 1 ]]; then
		log "ffmpeg $(command -v ffmpeg), ffprobe $(command -v ffprobe), DejaVu font, fc-list: all present"
	fi
	exit 0
fi

# Debian package names for what is missing (ffmpeg brings ffprobe).
apt_pkgs=()
((${#missing_tools[@]} > 0)) && apt_pkgs+=(ffmpeg)
((font_missing)) && apt_pkgs+=(fonts-dejavu-core)
((fc_missing)) && apt_pkgs+=(fontconfig)
what="${missing_tools[*]}"
((font_missing)) && what="${what:+$what }DejaVu font"
((fc_missing)) && what="${what:+$what }fc-list"
log "missing: $what"

advise() {
	log "install them, then re-run:"
	if command -v apt-get >/dev/null 2>&1; then
		log "    sudo apt-get update && sudo apt-get install -y ${apt_pkgs[*]}"
	elif command -v brew >/dev/null 2>&1 || [[ $(uname -s) == Darwin ]]; then
		log "    brew install ffmpeg"
	elif command -v dnf >/dev/null 2>&1; then
		log "    sudo dnf install -y ffmpeg dejavu-sans-fonts fontconfig   (ffmpeg comes from RPM Fusion on Fedora)"
	else
		log "    Debian/Ubuntu: sudo apt-get install -y ffmpeg fonts-dejavu-core fontconfig"
		log "    macOS:         brew install ffmpeg"
	fi
	exit 1
}

if [[ $check_only == 1 ]] || ! command -v apt-get >/dev/null 2>&1; then
	advise
fi

sudo=()
if [[ $(id -u) != 0 ]]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
		sudo=(sudo -n)
	else
		log "not root and no password-less sudo, so not installing"
		advise
	fi
fi

export DEBIAN_FRONTEND=noninteractive
log "installing ${apt_pkgs[*]} with apt-get (this can take a minute)"
# The output of apt goes to a log file so a successful install stays quiet;
# on failure it is shown.
apt_log=$(mktemp "${TMPDIR:-/tmp}/ensure-deps.XXXXXX")
trap 'rm -f "$apt_log"' EXIT
if ! "${sudo[@]}" apt-get update -q >"$apt_log" 2>&1 ||
	! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${apt_pkgs[@]}" >>"$apt_log" 2>&1; then
	cat "$apt_log" >&2
	log "apt-get failed (output above)"
	advise
fi

for tool in ffmpeg ffprobe; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		log "$tool still not on PATH after installing ${apt_pkgs[*]}"
		exit 1
	fi
done
if [[ $(uname -s) != Darwin ]] && ! have_font; then
	log "DejaVu font still not found after installing ${apt_pkgs[*]}"
	exit 1
fi
if [[ $(uname -s) != Darwin ]] && ! command -v fc-list >/dev/null 2>&1; then
	log "fc-list still not on PATH after installing ${apt_pkgs[*]}"
	exit 1
fi
log "installed: ${apt_pkgs[*]} ($(ffmpeg -version 2>&1 | sed -n 1p))"
