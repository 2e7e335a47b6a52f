#!/usr/bin/env bash
# 58's scenario with a fixed IOPIPE_PROFILER_ALTERNATIVE_PREFIX: each invocation's zip has
# the same local name, so the zip of a failed upload must be moved aside before the next
# invocation's zip is written there, and still reach S3 byte for byte at the next upload.
exec bash "$(dirname "$0")/58_agent_s3_retry.sh" retryfixed
