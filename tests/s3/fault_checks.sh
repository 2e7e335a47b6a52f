# shellcheck shell=bash
# Checks shared by tests/integration/53_lambda_s3_faults.sh and 53_lambda_s3_faults_rie.sh,
# sourced after tests/integration/lib.sh; N is the number of invocations.

# zip_puts LOG: the PUTs of snapshot zips (not of their summaries) in a fake server's log.
zip_puts() { grep '"method":"PUT"' "$1" 2>/dev/null | grep -c '[.]zip"'; }

# s503_checks AGENT_LOG FAKE_LOG S3_ENDPOINT SNAPS: after "503 for 3 PUTs, then s3rver":
# one warning and no breaker, every local zip in the store byte for byte, and the PUTs the
# 3 refused ones, one per snapshot (init + N) and at most 4 retries.
s503_checks() {
	local log=$1 puts
	check "s503: one warning for the failed upload, no breaker" \
		sh -c "grep -q '^jvmsnap: warning: upload to s3://snaps/.*ServiceUnavailable' '$log' && ! grep -q '^jvmsnap: warning: .*S3 uploads paused for' '$log'"
	check "s503: every snapshot is in the store, byte for byte its local copy" \
		/usr/bin/python3 "$ROOT/tests/s3/stored_equal.py" "$3" "$log" "$4"
	puts=$(zip_puts "$2")
	check "s503: the 3 refused PUTs, one per snapshot, at most 4 retries ($puts)" \
		test "$puts" -ge $((N + 1 + 3)) -a "$puts" -le $((N + 1 + 3 + 4))
}
