# shellcheck shell=bash
# Lambda (jvmagent/net/lambda_proxy.c, `make layer`): libmicrohttpd serves the Runtime API proxy;
# patchelf sets $ORIGIN on the layer's libraries, zip packs it. The proxy's tests run a
# small Runtime API emulator on node (tests/lambda/runtime_api.js, no npm packages).
BUILD_PKGS+=(libmicrohttpd-dev patchelf zip)
command -v node >/dev/null 2>&1 || TEST_PKGS+=(nodejs)
TEST_PKGS+=(curl jq iproute2)
