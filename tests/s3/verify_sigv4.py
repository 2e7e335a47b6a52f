"""Checks captured S3 PUTs against botocore's own SigV4 signer (test-only).

Usage: python3 verify_sigv4.py LOGFILE SECRET REGION
LOGFILE holds one JSON object per request, as written by fake_servers.js. For every PUT it
recomputes the Authorization header with botocore.auth.S3SigV4Auth over exactly the
headers the request says it signed, and checks x-amz-content-sha256 and Content-MD5
against the body that actually arrived. Exits 1 on the first mismatch, 2 when there is
nothing to check; prints "verified N requests" otherwise.
"""
import base64
import datetime
import hashlib
import json
import re
import sys

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def check(entry, secret, region):
    h = entry["headers"]
    auth = h["authorization"]
    m = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
        r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", auth)
    if not m:
        return "malformed Authorization header"
    akid, _, scope_region, signed, _ = m.groups()
    if scope_region != region:
        return "region %s in the scope, expected %s" % (scope_region, region)
    if h["x-amz-content-sha256"] != entry["body_sha256"]:
        return "x-amz-content-sha256 is not the hash of the body received"
    if entry["body_b64"] is not None:
        md5 = base64.b64encode(hashlib.md5(base64.b64decode(entry["body_b64"])).digest()).decode()
        if h.get("content-md5") != md5:
            return "Content-MD5 is not the MD5 of the body received"
    token = h.get("x-amz-security-token")
    creds = Credentials(akid, secret, token)
    headers = {name: h[name] for name in signed.split(";")}
    req = AWSRequest(method=entry["method"], url="http://" + h["host"] + entry["url"],
                     headers=headers)
    signer = S3SigV4Auth(creds, "s3", region)
    req.context["timestamp"] = h["x-amz-date"]
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    expected = signer.signature(sts, req)
    if not auth.endswith("Signature=" + expected):
        return "signature differs from botocore's; canonical request:\n" + canonical
    return None


def main():
    log, secret, region = sys.argv[1:4]
    entries = [json.loads(line) for line in open(log, encoding="utf-8") if line.strip()]
    puts = [e for e in entries if e["method"] == "PUT"]
    for e in puts:
        problem = check(e, secret, region)
        if problem:
            print("MISMATCH for %s: %s" % (e["url"], problem))
            return 1
    if not puts:
        print("no PUT requests captured")
        return 2
    print("verified %d requests" % len(puts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
