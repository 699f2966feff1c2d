#!/bin/sh
# Debian packages a fresh machine needs to unpack and build the two kernel trees.
set -eu
apt-get update
apt-get install -y --no-install-recommends \
    build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils git python3 perl
