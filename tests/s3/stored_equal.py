"""Every local zip is in the store under the key its upload line named, byte for byte.

Usage: stored_equal.py ENDPOINT LOG DIR. LOG holds the agent's lines
("jvmsnap: info: s3://snaps/KEY (N bytes, T ms)"); DIR the local copies
(IOPIPE_PROFILER_LOCAL_DUMP_PATH), each the stem of exactly one stored key. Prints
"E of L equal, S stored"; exits 0 only when every local zip and every stored one match.
Used by tests/integration/53_lambda_s3_faults.sh and 53_lambda_s3_faults_rie.sh."""
import glob
import os
import re
import sys

import boto3

s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
keys = [m.group(1) for l in open(sys.argv[2], errors="replace")
        if (m := re.match(r"jvmsnap: info: s3://snaps/(\S+\.zip) \(", l))]
local = sorted(glob.glob(sys.argv[3] + "/*.zip"))
same = 0
for path in local:
    stem = os.path.basename(path)[:-4]
    match = [k for k in keys if os.path.basename(k).startswith(stem + "_")]
    if len(match) == 1 and s3.get_object(Bucket="snaps", Key=match[0])["Body"].read() == open(path, "rb").read():
        same += 1
print(f"{same} of {len(local)} equal, {len(keys)} stored")
sys.exit(not (same == len(local) == len(keys) and same > 0))
