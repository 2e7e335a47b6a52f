#!/bin/sh
# jvmsnap's AWS_LAMBDA_EXEC_WRAPPER (shipped in the layer as /opt/bin/jvmsnap-wrapper).
# Lambda runs it with the runtime's full java command line; it adds the agent to
# JAVA_TOOL_OPTIONS, keeping what the function already set there, and execs that command.
agent=-agentpath:/opt/lib/libjvmsnap.so
case " ${JAVA_TOOL_OPTIONS:-} " in
*" $agent "* | *" $agent="*) ;; # already loaded through the function's own settings
*) JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:+$JAVA_TOOL_OPTIONS }$agent" ;;
esac
export JAVA_TOOL_OPTIONS
exec "$@"
