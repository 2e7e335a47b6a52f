# upload/ (S3), for tests/integration/30_s3_upload.sh: s3rver 3.7.1 from npm (pinned by
# tests/s3/package-lock.json) and node for the small fake servers, python3-botocore to
# check our signatures against AWS's own signer, curl to download uploads back.
command -v npm >/dev/null 2>&1 || TEST_PKGS+=(nodejs npm)
TEST_PKGS+=(curl python3-botocore python3-boto3 openssl) # openssl: certificates for the TLS cases

s3_test_servers_install() {
	local dir=$1
	# Installed already when the pinned s3rver is in place: then do nothing.
	if grep -qs '"version": "3.7.1"' "$dir/node_modules/s3rver/package.json"; then
		return 0
	fi
	echo "jvmsnap deps: npm ci in $dir (s3rver 3.7.1)"
	npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
}
POST_INSTALL+=("s3_test_servers_install '$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/s3'")
