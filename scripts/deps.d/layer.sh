# shellcheck shell=bash
# The Lambda layers (`make layer`, mk/layer.mk, scripts/layer/): cmake, perl and make build
# the dependencies from Debian source packages (apt-get source, dpkg-source: dpkg-dev);
# python3-venv holds the pinned ziglang (PyPI) that scripts/layer/toolchain.sh installs into
# the cache on first use; zip packs the layers. The tests run the arm64 layer under
# qemu-user with Debian's arm64 JRE 17 (multiarch: this moves the host's openjdk-17 to the
# version Debian serves, the two must match), and read its symbols with aarch64 binutils.
BUILD_PKGS+=(cmake perl make dpkg-dev python3-venv zip)
TEST_PKGS+=(qemu-user-static openjdk-17-jre-headless:arm64 binutils-aarch64-linux-gnu)
if [ "${1:-}" = "--test" ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "jvmsnap deps: dpkg --add-architecture arm64"
	if [ "$(id -u)" -ne 0 ]; then sudo dpkg --add-architecture arm64; else dpkg --add-architecture arm64; fi
fi
# The pinned zig toolchain itself (PyPI ziglang, cached by version): installed here with the
# rest, so a fresh machine has it before the first `make layer` (which would also install it).
. "$(dirname "${BASH_SOURCE[0]}")/../layer/toolchain.sh"
POST_INSTALL+=("layer_zig_install")
