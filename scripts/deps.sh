# shellcheck shell=sh
# deps.sh: installs the Debian packages chakong needs to build and test, if
# any is missing.  Sourced by scripts/demo and scripts/test; scripts/fuzz
# and scripts/test-long also need the long suites' packages (clang for
# libFuzzer, valgrind), which CI does not.

CK_PACKAGES="build-essential cmake pkg-config libcurl4-openssl-dev libxml2-dev
libsqlite3-dev zlib1g-dev libssl-dev libcsv-dev libcmocka-dev libmicrohttpd-dev libgnutls28-dev openssl bsdutils clang-format tidy python3
curl time"

# The long suites only (scripts/test-long, scripts/fuzz).
CK_LONG_PACKAGES="clang valgrind"

# shellcheck disable=SC2086
ck_ensure_deps() {
	ck_install_missing $CK_PACKAGES
}

# shellcheck disable=SC2086
ck_ensure_long_deps() {
	ck_install_missing $CK_LONG_PACKAGES
}

ck_install_missing() {
	missing=""
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
			missing="$missing $pkg"
		fi
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "chakong needs these Debian packages:$missing" >&2
		echo "run this script as root to install them, or: sudo apt-get install$missing" >&2
		exit 2
	fi
	echo "installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2
}
