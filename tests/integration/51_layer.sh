#!/usr/bin/env bash
# The Lambda layer (scripts/lambda_layer.sh, `make layer`): zip contents, RPATH $ORIGIN on
# every library, no glibc bundled, self-contained (loads in a root holding nothing but
# glibc and the layer), the glibc 2.34 check (it catches a crafted too-new symbol and then
# refuses to build), and the AWS_LAMBDA_EXEC_WRAPPER script's JAVA_TOOL_OPTIONS.
. "$(dirname "$0")/lib.sh"
LAYER=$ROOT/scripts/lambda_layer.sh
WRAPPER=$ROOT/scripts/lambda_wrapper.sh
AGENT=${LAYER_TEST_AGENT:-$AGENT} # another agent build to package, for development
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# --- build the layer from the agent `make` built
if bash "$LAYER" "$AGENT" "$T/layer.zip" >"$T/build.out" 2>&1; then ok "layer builds"; else
	not_ok "layer builds"
	cat "$T/build.out"
fi
mkdir -p "$T/opt"
unzip -q "$T/layer.zip" -d "$T/opt" 2>/dev/null
check "zip holds lib/libjvmsnap.so (the loader), lib/libjvmsnap-agent.so and lib/libjvmsnap-net.so" \
	test -f "$T/opt/lib/libjvmsnap.so" -a -f "$T/opt/lib/libjvmsnap-agent.so" -a -f "$T/opt/lib/libjvmsnap-net.so"
loader_needs=$(readelf -d "$T/opt/lib/libjvmsnap.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
check "the loader needs glibc alone (${loader_needs})" test -z "$(tr ' ' '\n' <<<"$loader_needs" | grep -Ev '^(libc|libdl)\.so|^$')"
check "zip holds bin/jvmsnap-wrapper, executable" bash -c "unzip -Z '$T/layer.zip' bin/jvmsnap-wrapper | grep -q '^-rwxr-xr-x'"
check "zip holds only bin/ and lib/" test -z "$(unzip -Z1 "$T/layer.zip" | grep -Ev '^(bin|lib)/')"
own_needs() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -Ev '^(libc|libm|libpthread|libdl|librt|libresolv)\.so' | tr '\n' ' '; }
direct=$(own_needs "$T/opt/lib/libjvmsnap-agent.so")
net_direct=$(own_needs "$T/opt/lib/libjvmsnap-net.so")
check "the agent's own needs are bundled (${direct})" bash -c "cd '$T/opt/lib' && ls $direct >/dev/null"
check "the agent needs no network library (libcurl, libssl, libmicrohttpd are the net half's)" \
	test -z "$(tr ' ' '\n' <<<"$direct" | grep -E '^lib(curl|ssl|microhttpd)')"
check "the net half's own needs are bundled (${net_direct})" bash -c "cd '$T/opt/lib' && ls $net_direct >/dev/null"
check "no glibc library bundled" test -z "$(find "$T/opt/lib" -printf '%f\n' | grep -E '^(libc|libm|libpthread|libdl|librt|libresolv)\.so|^ld-linux')"
norpath=""
for f in "$T"/opt/lib/*; do
	readelf -d "$f" | grep -q '(RPATH).*\[\$ORIGIN\]' || norpath="$norpath $(basename "$f")"
done
check "every library has RPATH \$ORIGIN${norpath:+ (missing:$norpath)}" test -z "$norpath"
unneeded=""
for f in "$T"/opt/lib/*; do
	for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -e "$T/opt/lib/$n" ] || [[ $n =~ ^(libc|libm|libpthread|libdl|librt|libresolv)\.so|^ld-linux ]] || unneeded="$unneeded $n"
	done
done
check "every NEEDED is bundled or glibc${unneeded:+ (missing:$unneeded)}" test -z "$unneeded"
check "bundled files pass the glibc 2.34 check" bash "$LAYER" --check-glibc "$T"/opt/lib/*

# --- self-contained: load it where only glibc and the layer exist
R=$T/root
mkdir -p "$R/lib64" "$R/lib/x86_64-linux-gnu"
cp -r "$T/opt" "$R/opt"
cat >"$T/loader.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	(void)argc;
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
	if (!h) {
		printf("dlopen failed: %s\n", dlerror());
		return 1;
	}
	printf("%s %s\n", argv[2], dlsym(h, argv[2]) ? "found" : "missing");
	return 0;
}
EOF
cc -o "$R/loader" "$T/loader.c"
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
for l in libc.so.6 libm.so.6 libresolv.so.2 libpthread.so.0 libdl.so.2 librt.so.1; do
	cp -L "/lib/x86_64-linux-gnu/$l" "$R/lib/x86_64-linux-gnu/"
done
if chroot "$R" /loader /opt/lib/libjvmsnap.so Agent_OnLoad >"$T/chroot.out" 2>&1 || [ -s "$T/chroot.out" ]; then
	check "the loader loads in a root with only glibc" \
		bash -c "chroot '$R' /loader /opt/lib/libjvmsnap.so Agent_OnLoad | grep -q 'Agent_OnLoad found'"
	check "the agent loads there too (RTLD_NOW, LD_LIBRARY_PATH as on Lambda)" \
		bash -c "LD_LIBRARY_PATH=/lib64:/usr/lib64:/opt/lib chroot '$R' /loader /opt/lib/libjvmsnap-agent.so jvmsnap_agent_load | grep -q 'jvmsnap_agent_load found'"
	check "the net half loads there too" \
		bash -c "LD_LIBRARY_PATH=/lib64:/usr/lib64:/opt/lib chroot '$R' /loader /opt/lib/libjvmsnap-net.so jvmsnap_net_api | grep -q 'jvmsnap_net_api found'"
	victim=${direct%% *}
	rm "$R/opt/lib/$victim"
	check "... and the agent fails there without the bundled $victim" bash -c "! chroot '$R' /loader /opt/lib/libjvmsnap-agent.so jvmsnap_agent_load >/dev/null"
	victim=${net_direct%% *}
	rm "$R/opt/lib/$victim"
	check "... and the net half without the bundled $victim" bash -c "! chroot '$R' /loader /opt/lib/libjvmsnap-net.so jvmsnap_net_api >/dev/null"
else
	not_ok "chroot available for the self-containment check: $(cat "$T/chroot.out")"
fi

# --- a JVM loads the layer's agent with the layer's libraries, even with the system's
# directories first in LD_LIBRARY_PATH as on Lambda (RPATH wins over it)
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
	mkdir -p "$T/snap"
	(cd "$T" && LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:$T/opt/lib LD_DEBUG=libs \
		IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$T/snap/" \
		"$JAVA_HOME/bin/java" -agentpath:"$T/opt/lib/libjvmsnap.so" -version >"$T/jvm.out" 2>&1)
	check "a JVM starts with the layer's agent" test $? -eq 0
	first=${direct%% *}
	check "... and its $first is the layer's" grep -q "calling init: $T/opt/lib/$first\$" "$T/jvm.out"
	zips=("$T"/snap/*.zip)
	check "... and writes one snapshot zip (${#zips[@]})" test -f "${zips[0]}" -a ${#zips[@]} = 1
	nps_check "${zips[0]}" >"$T/nps.out" 2>&1
	check "... which loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$T/nps.out"
fi

# --- the glibc check catches a too-new symbol: arc4random is GLIBC_2.36
cat >"$T/new.c" <<'EOF'
#include <stdlib.h>
unsigned int jvmsnap_test_random(void);
unsigned int jvmsnap_test_random(void) { return arc4random(); }
EOF
cat >"$T/old.c" <<'EOF'
#include <string.h>
size_t jvmsnap_test_len(const char *s);
size_t jvmsnap_test_len(const char *s) { return strlen(s); }
EOF
if cc -shared -fPIC -o "$T/libnew.so" "$T/new.c" 2>"$T/cc.err" && cc -shared -fPIC -o "$T/libold.so" "$T/old.c"; then
	check "crafted input really needs GLIBC_2.36" bash -c "readelf -V -W '$T/libnew.so' | grep -q 'Name: GLIBC_2.36'"
	bash "$LAYER" --check-glibc "$T/libnew.so" 2>"$T/check.err"
	rc=$?
	check "check fails on a GLIBC_2.36 symbol" test "$rc" -ne 0
	check "... naming the version and the symbol" grep -q 'libnew.so needs GLIBC_2.36.*arc4random' "$T/check.err"
	check "check passes a library with old symbols only" bash "$LAYER" --check-glibc "$T/libold.so"
	check "JVMSNAP_MAX_GLIBC moves the limit (2.36 accepts it)" env JVMSNAP_MAX_GLIBC=2.36 bash "$LAYER" --check-glibc "$T/libnew.so"
	bash "$LAYER" "$T/libnew.so" "$T/bad.zip" >/dev/null 2>&1
	rc=$?
	check "layer build fails for an agent needing GLIBC_2.36, writing no zip" test "$rc" -ne 0 -a ! -e "$T/bad.zip"
else
	not_ok "compile the crafted check input: $(cat "$T/cc.err")"
fi

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
