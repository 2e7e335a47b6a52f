# shellcheck shell=bash
# The examples' test parses serverless.yml and the SAM template with PyYAML.
TEST_PKGS+=(python3-yaml)
