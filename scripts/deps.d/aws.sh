# shellcheck shell=bash
# AWS's own Lambda tools for tests/integration/52_examples.sh, 48_lambda_rie.sh,
# 48_lambda_rie_managed.sh and bench/lambda_coldstart.sh (issue 15): the Runtime Interface
# Emulator (built with Go), the Java Runtime Interface Client and the example's libraries
# (Maven), cfn-lint with AWS's SAM translator (PyPI, in a venv) and the Serverless
# Framework v3 (npm). Pinned and cached outside the clone by scripts/aws_tools.sh; a second
# run installs nothing. Go, Maven and the JDK come with the machine; Debian's packages are
# the fallback.
command -v mvn >/dev/null 2>&1 || TEST_PKGS+=(maven)
command -v go >/dev/null 2>&1 || TEST_PKGS+=(golang-go) # GOTOOLCHAIN=auto fetches the go version the RIE's go.mod names
command -v npm >/dev/null 2>&1 || TEST_PKGS+=(nodejs npm)
TEST_PKGS+=(python3-venv util-linux) # util-linux: unshare, to lay the layer out at /opt
. "$(dirname "${BASH_SOURCE[0]}")/../aws_tools.sh"
POST_INSTALL+=("aws_tools_install '$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)'")
