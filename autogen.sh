#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Generate ./configure from a git checkout (release tarballs ship it).
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf --force --install --symlink
if [ "$1" != "--no-configure" ] && [ -z "$NOCONFIGURE" ]; then
	echo "Now run ./configure && make"
fi
