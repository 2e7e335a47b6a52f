# upload/ (S3): the s3put tool drives tests/integration/30_s3_upload.sh.
TEST_EXTRA += $(BUILD)/tests/s3put
