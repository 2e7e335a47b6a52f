# shellcheck shell=bash
# AWS's own Lambda tools the tests run against (issue 15), pinned, each installed once into
# ${JVMSNAP_CACHE:-/var/cache/jvmsnap}/<name>-<version>/ (outside the clone) and reused.
# Sourced by scripts/deps.d/aws.sh (which installs them on `make test-deps`) and by the
# tests and benchmarks that use them (which only read the paths, and fail when one is
# missing). Maven artifacts go to Maven's own cache (~/.m2), also outside the clone.
AWS_CACHE=${JVMSNAP_CACHE:-/var/cache/jvmsnap}

# The Runtime Interface Emulator, built from its Go module (the Go proxy serves this
# pseudo-version; the command is cmd/aws-lambda-rie, which also carries the managed-instances
# mode, chosen by AWS_LAMBDA_MAX_CONCURRENCY).
RIE_VERSION=v0.0.0-20261030222936-bef5c4ba774d
RIE_DIR=$AWS_CACHE/rie-$RIE_VERSION
RIE_BIN=$RIE_DIR/bin/aws-lambda-rie
# The Java Runtime Interface Client and the libraries a handler compiles against. The same
# versions are in examples/serverless/pom.xml and tests/lambda/ric/pom.xml.
RIC_VERSION=2.10.1
MAVEN_DEPENDENCY_PLUGIN=3.8.1
CFN_LINT_VERSION=1.58.0
CFN_LINT_DIR=$AWS_CACHE/cfn-lint-$CFN_LINT_VERSION
CFN_LINT_BIN=$CFN_LINT_DIR/bin/cfn-lint
# AWS's SAM translator (in the same venv) turns the SAM template into the CloudFormation
# that `sam deploy` would submit, for the tests to read and lint.
SAM_TRANSLATOR_VERSION=1.115.0
SERVERLESS_VERSION=3.40.0
SERVERLESS_DIR=$AWS_CACHE/serverless-$SERVERLESS_VERSION
SERVERLESS_BIN=$SERVERLESS_DIR/node_modules/.bin/serverless

aws_rie_install() {
	[ -x "$RIE_BIN" ] && return 0
	echo "jvmsnap deps: building aws-lambda-rie $RIE_VERSION into $RIE_DIR"
	mkdir -p "$RIE_DIR"
	# Module and build caches beside the binary: a second run finds the binary and stops above.
	GOMODCACHE=$RIE_DIR/gomod GOCACHE=$RIE_DIR/gocache GOFLAGS=-modcacherw GOBIN=$RIE_DIR/bin \
		CGO_ENABLED=0 go install \
		"github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION"
}

# Resolves every Maven dependency and plugin the example and the RIC test project use into
# ~/.m2 (a real build of each, in a scratch folder), so the tests then build with `mvn -o`.
aws_maven_install() {
	local root=$1 pom tmp stamp
	# Done once per content of the two poms (the stamp), as long as ~/.m2 keeps the jars.
	stamp=$AWS_CACHE/maven-resolved/$(cat "$root/examples/serverless/pom.xml" "$root/tests/lambda/ric/pom.xml" | sha256sum | cut -c1-16)
	[ -f "$stamp" ] && [ -d "$HOME/.m2/repository/com/amazonaws/aws-lambda-java-runtime-interface-client/$RIC_VERSION" ] && return 0
	echo "jvmsnap deps: resolving the Maven projects' dependencies into ~/.m2"
	tmp=$(mktemp -d)
	for pom in "$root/examples/serverless/pom.xml" "$root/tests/lambda/ric/pom.xml"; do
		mvn -q -B -f "$pom" -DbuildDir="$tmp/build" package \
			"org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN:build-classpath" \
			-Dmdep.outputFile="$tmp/cp.txt" >"$tmp/mvn.out" 2>&1 ||
			{ cat "$tmp/mvn.out" >&2; echo "jvmsnap deps: mvn could not build $pom" >&2; rm -rf "$tmp"; return 1; }
		rm -rf "$tmp/build"
	done
	mvn -q -B -f "$root/examples/serverless/pom.xml" -DbuildDir="$tmp/build" -Pcontainer package >"$tmp/mvn.out" 2>&1 ||
		{ cat "$tmp/mvn.out" >&2; echo "jvmsnap deps: mvn could not build the example's container jar" >&2; rm -rf "$tmp"; return 1; }
	rm -rf "$tmp"
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
}

aws_cfn_lint_install() {
	grep -qs "^$SAM_TRANSLATOR_VERSION\$" "$CFN_LINT_DIR/.sam-translator" && return 0
	echo "jvmsnap deps: cfn-lint $CFN_LINT_VERSION and aws-sam-translator $SAM_TRANSLATOR_VERSION into $CFN_LINT_DIR"
	python3 -m venv "$CFN_LINT_DIR"
	"$CFN_LINT_DIR/bin/pip" install -q --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION" \
		"aws-sam-translator==$SAM_TRANSLATOR_VERSION" &&
		echo "$SAM_TRANSLATOR_VERSION" >"$CFN_LINT_DIR/.sam-translator"
}

aws_serverless_install() {
	grep -qs "\"version\": \"$SERVERLESS_VERSION\"" "$SERVERLESS_DIR/node_modules/serverless/package.json" && return 0
	echo "jvmsnap deps: serverless $SERVERLESS_VERSION into $SERVERLESS_DIR"
	mkdir -p "$SERVERLESS_DIR"
	npm install --prefix "$SERVERLESS_DIR" --no-audit --no-fund --loglevel=error \
		"serverless@$SERVERLESS_VERSION" >/dev/null
}

aws_tools_install() {
	aws_rie_install && aws_maven_install "$1" && aws_cfn_lint_install && aws_serverless_install
}
