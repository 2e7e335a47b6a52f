#!/usr/bin/env bash
# The Lambda layers `make layer` built (dist/jvmsnap-layer-{x86_64,arm64}.zip,
# scripts/lambda_layer.sh): their contents and size; every library's glibc ceiling (2.26,
# Amazon Linux 2), NEEDED entries (glibc's only) and exports (the entry points only), read
# with objdump and nm independently of the build's own check; the build's check refusing a
# host-built agent, a too-new symbol, a leaked export and a wrong architecture; each layer's
# libraries loading with RTLD_NOW in a root holding nothing but glibc (arm64 under
# qemu-user); every /opt path the docs and examples name existing in the layer; and the
# AWS_LAMBDA_EXEC_WRAPPER script. tests/integration/53_layer_run.sh runs JVMs with them.
. "$(dirname "$0")/lib.sh"
LAYER=$ROOT/scripts/lambda_layer.sh
WRAPPER=$ROOT/scripts/lambda_wrapper.sh
CEILING=2.26
MAX_BYTES=$((6 * 1000 * 1000)) # each zip <= 6 MB
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }
only_glibc() { ! tr ' ' '\n' <<<"$1" | grep -Ev '^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])?$' >/dev/null; }
tools_for() { # binutils reading ARCH's ELF files
	case "$1" in
	x86_64) OBJDUMP=objdump NM=nm ;;
	arm64) OBJDUMP=aarch64-linux-gnu-objdump NM=aarch64-linux-gnu-nm ;;
	esac
}
FILES="bin/jvmsnap-wrapper lib/libjvmsnap-agent.so lib/libjvmsnap-net.so lib/libjvmsnap.so"

for arch in x86_64 arm64; do
	zip=$ROOT/dist/jvmsnap-layer-$arch.zip
	if [ ! -f "$zip" ]; then
		not_ok "make layer built dist/jvmsnap-layer-$arch.zip"
		continue
	fi
	size=$(stat -c %s "$zip")
	check "$arch: the zip is $size bytes (<= $MAX_BYTES)" test "$size" -le $MAX_BYTES
	check "$arch: it holds $FILES, nothing else" test "$(unzip -Z1 "$zip" | LC_ALL=C sort | tr '\n' ' ')" = "$FILES "
	check "$arch: bin/jvmsnap-wrapper is executable" bash -c "unzip -Z '$zip' bin/jvmsnap-wrapper | grep -q '^-rwxr-xr-x'"
	mkdir -p "$T/$arch"
	unzip -q "$zip" -d "$T/$arch"
	check "$arch: the build's own check passes (lambda_layer.sh --check)" bash "$LAYER" --check "$arch" "$T/$arch"/lib/*
	tools_for "$arch"
	if ! command -v "$OBJDUMP" >/dev/null || ! command -v "$NM" >/dev/null; then
		not_ok "$arch: $OBJDUMP and $NM installed (make test-deps)"
		continue
	fi
	machine=$([ "$arch" = x86_64 ] && echo i386:x86-64 || echo aarch64)
	for f in "$T/$arch"/lib/*.so; do
		n=$(basename "$f")
		check "$arch $n: an ELF for $machine" bash -c "$OBJDUMP -f '$f' | grep -q 'architecture: $machine'"
		max=$($OBJDUMP -T "$f" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
		check "$arch $n: its newest glibc symbol version is ${max:-none} (<= $CEILING)" version_le "${max:-0}" $CEILING
		needed=$($OBJDUMP -p "$f" | awk '$1 == "NEEDED" {print $2}' | tr '\n' ' ')
		check "$arch $n: needs only glibc ($needed)" only_glibc "$needed"
		exports=$($NM -D --defined-only "$f" | awk '{print $NF}' | LC_ALL=C sort | tr '\n' ' ')
		case "$n" in
		libjvmsnap.so) # the JVMTI entry points; Agent_OnLoad at least
			check "$arch $n: exports the JVMTI entry points only ($exports)" bash -c \
				"[[ ' $exports' == *' Agent_OnLoad '* ]] && [ -z \"\$(tr ' ' '\n' <<<'$exports' | grep -Ev '^(Agent_OnLoad|Agent_OnAttach|Agent_OnUnload)?\$')\" ]" ;;
		libjvmsnap-agent.so) # the two the loader finds with dlsym
			check "$arch $n: exports jvmsnap_agent_load and jvmsnap_agent_unload only ($exports)" \
				test "$exports" = "jvmsnap_agent_load jvmsnap_agent_unload " ;;
		libjvmsnap-net.so)
			check "$arch $n: exports the net table only ($exports)" test "$exports" = "jvmsnap_net_api " ;;
		esac
	done
done

# --- the build's check can fail: the host build (Debian's glibc 2.36 and shared libraries)
for f in libjvmsnap-net.so libjvmsnap-agent.so; do
	host=$ROOT/$BUILD/$f
	[ -f "$host" ] || { not_ok "the host build's $f exists (make all)"; continue; }
	hmax=$(objdump -T "$host" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
	check "the host-built $f needs GLIBC_$hmax, above $CEILING (the input is a real violation)" bash -c "! { printf '%s\n%s\n' '$hmax' $CEILING | sort -V | tail -n 1 | grep -qx $CEILING; }"
	bash "$LAYER" --check x86_64 "$host" 2>"$T/host.err"
	rc=$?
	check "--check refuses the host-built $f (rc $rc), naming GLIBC_$hmax" \
		bash -c "[ $rc -ne 0 ] && grep -q '$f needs GLIBC_$hmax, newer than the target' '$T/host.err'"
done
check "... and names the host's libcurl as not glibc's" grep -q 'libjvmsnap-net.so needs libcurl.so.4, which is not glibc' <(bash "$LAYER" --check x86_64 "$ROOT/$BUILD/libjvmsnap-net.so" 2>&1)
bash "$LAYER" x86_64 "$ROOT/$BUILD/libjvmsnap.so" "$T/host.zip" >"$T/host-pack.out" 2>&1
rc=$?
check "packing the host build fails (rc $rc) and writes no zip" test "$rc" -ne 0 -a ! -e "$T/host.zip"
check "--check refuses an x86_64 library declared arm64" bash -c "! bash '$LAYER' --check arm64 '$T/x86_64/lib/libjvmsnap.so' 2>'$T/arch.err' && grep -q 'is not an arm64 ELF' '$T/arch.err'"

cat >"$T/new.c" <<'EOF'
#include <stdlib.h>
unsigned int jvmsnap_test_random(void);
unsigned int jvmsnap_test_random(void) { return arc4random(); } /* GLIBC_2.36 */
EOF
cat >"$T/leak.c" <<'EOF'
#include <string.h>
const void *jvmsnap_net_api(void);
const void *jvmsnap_net_api(void) { return 0; }
size_t curl_easy_init(const char *s); /* a dependency's symbol left visible */
size_t curl_easy_init(const char *s) { return strlen(s); }
EOF
mkdir -p "$T/leak"
if cc -shared -fPIC -o "$T/libnew.so" "$T/new.c" 2>"$T/cc.err" && cc -shared -fPIC -o "$T/leak/libjvmsnap-net.so" "$T/leak.c" 2>>"$T/cc.err"; then
	check "crafted input really needs GLIBC_2.36" bash -c "readelf -V -W '$T/libnew.so' | grep -q 'Name: GLIBC_2.36'"
	bash "$LAYER" --check-glibc "$T/libnew.so" 2>"$T/check.err"
	check "--check-glibc fails on a GLIBC_2.36 symbol, naming it" bash -c "[ $? -ne 0 ] && grep -q 'libnew.so needs GLIBC_2.36.*arc4random' '$T/check.err'"
	check "JVMSNAP_MAX_GLIBC moves the ceiling (2.36 accepts it)" env JVMSNAP_MAX_GLIBC=2.36 bash "$LAYER" --check-glibc "$T/libnew.so"
	check "--check refuses a net half exporting curl_easy_init" bash -c "! bash '$LAYER' --check x86_64 '$T/leak/libjvmsnap-net.so' 2>'$T/leak.err' && grep -q 'exports curl_easy_init' '$T/leak.err'"
else
	not_ok "compile the crafted check inputs: $(cat "$T/cc.err")"
fi

# --- only glibc: each layer's libraries load (RTLD_NOW, every symbol bound) in a root that
# holds glibc and the layer at /opt, nothing else. arm64 runs under qemu-user.
cat >"$T/dlopen.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
		if (!h || !dlsym(h, argv[i + 1])) {
			printf("failed: %s %s: %s\n", argv[i], argv[i + 1], dlerror());
			return 1;
		}
		printf("loaded %s %s\n", argv[i], argv[i + 1]);
	}
	return 0;
}
EOF
LOADS=(/opt/lib/libjvmsnap.so Agent_OnLoad /opt/lib/libjvmsnap-agent.so jvmsnap_agent_load /opt/lib/libjvmsnap-net.so jvmsnap_net_api)
glibc_root() { # glibc_root ROOT MULTIARCH LOADER: glibc's libraries alone
	mkdir -p "$1/lib/$2" "$1/lib64" "$1/opt"
	cp -L "/lib/$2"/{libc.so.6,libm.so.6,libdl.so.2,libpthread.so.0,librt.so.1} "$1/lib/$2/"
	cp -L "$3" "$1/$3"
}
R=$T/root-x86_64
if [ -d "$T/x86_64/lib" ]; then
	glibc_root "$R" x86_64-linux-gnu /lib64/ld-linux-x86-64.so.2
	cp -r "$T/x86_64/lib" "$R/opt/lib"
	cc -o "$R/dlopen" "$T/dlopen.c"
	check "x86_64: loader, agent and net half load with RTLD_NOW where only glibc is" bash -c "chroot '$R' /dlopen ${LOADS[*]} >'$T/dlopen.out'"
	rm "$R/lib/x86_64-linux-gnu/libdl.so.2"
	check "... and the check can fail: without glibc's libdl the agent does not load" bash -c "! chroot '$R' /dlopen /opt/lib/libjvmsnap-agent.so jvmsnap_agent_load >/dev/null"
fi
R=$T/root-arm64
LCC=$ROOT/$BUILD/layer-arm64/deps/bin/cc
if [ -d "$T/arm64/lib" ]; then
	if [ -x /usr/bin/qemu-aarch64-static ] && [ -f /lib/aarch64-linux-gnu/libc.so.6 ] && [ -x "$LCC" ]; then
		glibc_root "$R" aarch64-linux-gnu /lib/ld-linux-aarch64.so.1
		cp -r "$T/arm64/lib" "$R/opt/lib"
		"$LCC" -o "$R/dlopen" "$T/dlopen.c" -ldl
		check "arm64 (qemu-user): loader, agent and net half load with RTLD_NOW where only glibc is" \
			bash -c "qemu-aarch64-static -L '$R' '$R/dlopen' ${LOADS[*]} >'$T/dlopen-arm64.out'"
	else
		not_ok "arm64: qemu-user-static, libc6:arm64 (make test-deps) and the layer's compiler $LCC present"
	fi
fi

# --- every /opt path the README, the docs and the examples tell users to use for jvmsnap (under the layer's
# lib/ and bin/, or naming jvmsnap) is in the layer
listing=$(unzip -Z1 "$ROOT/dist/jvmsnap-layer-x86_64.zip" 2>/dev/null | sed 's|^|/opt/|')
paths=$(cd "$ROOT" && grep -rhoE '/opt/[A-Za-z0-9._/-]*[A-Za-z0-9_]' README.md docs/*.md examples scripts/lambda_wrapper.sh \
	--exclude-dir=node_modules --exclude-dir=build --exclude-dir=target | grep -E '^/opt/(lib|bin)(/|$)|jvmsnap' | sort -u)
check "the docs and examples name /opt paths ($(echo $paths))" test -n "$paths"
for p in $paths; do
	check "$p (in docs or examples) is in the layer" bash -c "grep -qx -- '$p' <<<'$listing' || grep -q -- '^$p/' <<<'$listing'"
done

# --- the wrapper
A=-agentpath:/opt/lib/libjvmsnap.so
jto() { sh "$WRAPPER" sh -c 'printf %s "$JAVA_TOOL_OPTIONS"'; }
check "wrapper without JAVA_TOOL_OPTIONS" test "$(env -u JAVA_TOOL_OPTIONS sh "$WRAPPER" sh -c 'printf %s "$JAVA_TOOL_OPTIONS"')" = "$A"
check "wrapper with an empty JAVA_TOOL_OPTIONS" test "$(JAVA_TOOL_OPTIONS='' jto)" = "$A"
check "wrapper appends to existing options" test "$(JAVA_TOOL_OPTIONS='-Xmx512m -XX:+UseSerialGC' jto)" = "-Xmx512m -XX:+UseSerialGC $A"
check "wrapper keeps an agent already there" test "$(JAVA_TOOL_OPTIONS="-Xss1m $A" jto)" = "-Xss1m $A"
check "wrapper keeps an agent already there with options" test "$(JAVA_TOOL_OPTIONS="$A=debug -Xss1m" jto)" = "$A=debug -Xss1m"
check "wrapper adds next to another agent" test "$(JAVA_TOOL_OPTIONS="-agentpath:/opt/lib/other.so" jto)" = "-agentpath:/opt/lib/other.so $A"
check "wrapper passes arguments unchanged" test "$(sh "$WRAPPER" printf '%s|' 'a b' '' '$HOME' '-Dx="y z"')" = 'a b||$HOME|-Dx="y z"|'
sh "$WRAPPER" sh -c 'exit 7'
check "wrapper passes the exit status" test $? -eq 7
check "wrapper execs (same process)" test "$(sh -c 'echo $$; exec sh "$0" sh -c "echo \$\$"' "$WRAPPER" | uniq | wc -l)" -eq 1
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
	out=$(JAVA_TOOL_OPTIONS='-Xmx64m' sh "$WRAPPER" "$JAVA_HOME/bin/java" -XX:+PrintFlagsFinal -version 2>&1)
	check "a JVM started through the wrapper picks the options up" grep -q "Picked up JAVA_TOOL_OPTIONS: -Xmx64m $A" <<<"$out"
fi

finish
