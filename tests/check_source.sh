#!/bin/sh
# Standing checks on the source tree: every C file is formatted with the
# project's .clang-format, and no banned call (unbounded string functions,
# non-reentrant time conversions, unchecked number parsing) is used.
set -u
top=${1:?usage: check_source.sh SOURCE_DIR}
cd "$top" || exit 2
files=$(find include src adapters tests -name '*.[ch]' 2>/dev/null | sort)
status=0

if command -v clang-format >/dev/null 2>&1; then
	for f in $files; do
		if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
			echo "not formatted: $f (run: clang-format -i $f)"
			status=1
		fi
	done
else
	echo "clang-format is not installed: formatting not checked (scripts/deps.sh installs it)"
	status=1
fi

banned='(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|gmtime|localtime|mktime|gets)[[:space:]]*\('
if grep -nE "$banned" $files; then
	echo "banned calls above: use snprintf, memcpy with a checked length, strtoll with checks, timeutil.h"
	status=1
fi
[ $status -eq 0 ] && echo "1 passed, 0 failed"
[ $status -ne 0 ] && echo "0 passed, 1 failed"
exit $status
