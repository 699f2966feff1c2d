#!/bin/sh
# Debian packages a fresh machine needs to unpack and build the kernel trees (x86_64, and arm64
# with the cross compiler).
set -eu
apt-get update
apt-get install -y --no-install-recommends \
    build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils git python3 perl \
    gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
