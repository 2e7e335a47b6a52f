#!/usr/bin/env bash
# Builds build/libs/orders.jar with the JDK alone (no Gradle or Maven needed).
set -euo pipefail
cd "$(dirname "$0")"
rm -rf build/classes && mkdir -p build/classes build/libs
javac --release 17 -d build/classes $(find src/main/java -name '*.java')
jar --create --file build/libs/orders.jar -C build/classes .
echo "built $(pwd)/build/libs/orders.jar"
