# The fleet test (tests/integration/65_fleet.sh, docs/fleet.md): DuckDB runs the documented
# SQL over a folder of summaries the agent wrote. PyPI's duckdb, pinned, in a venv cached
# outside the clone (keyed by version) so a second run installs nothing.
TEST_PKGS+=(python3-venv)
FLEET_DUCKDB_VERSION=2.0.0
fleet_duckdb_install() {
	local dir=${JVMSNAP_CACHE:-/var/cache/jvmsnap}/duckdb-$FLEET_DUCKDB_VERSION
	if "$dir/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$FLEET_DUCKDB_VERSION')" 2>/dev/null; then
		return 0
	fi
	echo "jvmsnap deps: duckdb $FLEET_DUCKDB_VERSION into $dir"
	rm -rf "$dir"
	python3 -m venv "$dir" && "$dir/bin/pip" install --quiet --disable-pip-version-check "duckdb==$FLEET_DUCKDB_VERSION"
}
POST_INSTALL+=("fleet_duckdb_install")
