# cli/ (the jvmsnap command), for tests/integration/60_cli.sh: headless Chromium opens the
# flame graph and report pages (driven over the DevTools protocol by tests/cli/browser.mjs,
# which needs only node, no npm package); zip builds a foreign zip for the error checks.
command -v node >/dev/null 2>&1 || TEST_PKGS+=(nodejs)
TEST_PKGS+=(chromium zip)
TEST_PKGS+=(time) # GNU time: peak RSS of jvmsnap on a CSV dense with commas (60_cli.sh)
