#!/usr/bin/env python3
"""Start-up of a hello world with and without jvmsnap, split where the user feels it.

For each run: fork to the program's first byte of output (`main` is running) and fork to
exit. Configurations are interleaved run by run so machine drift cancels; one unmeasured
round first. Prints the median of each and the difference to no agent. Never judges.

  python3 bench/startup.py [RUNS]      (default 21; JAVA_HOME, BUILD as for make)
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
AGENT = os.path.join(ROOT, BUILD, "libjvmsnap.so")


def java_home():
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    javac = os.path.realpath(shutil.which("javac"))
    return os.path.dirname(os.path.dirname(javac))


def one_run(cmd, env):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    p.stdout.read(1)
    t1 = time.perf_counter()
    p.stdout.read()
    p.wait()
    t2 = time.perf_counter()
    if p.returncode != 0:
        sys.exit(f"startup: {cmd[0]} exited {p.returncode}")
    return (t1 - t0) * 1e3, (t2 - t0) * 1e3


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    java = os.path.join(java_home(), "bin", "java")
    work = tempfile.mkdtemp(prefix="jvmsnap-startup.")
    try:
        subprocess.run([os.path.join(java_home(), "bin", "javac"), "-d", work,
                        os.path.join(ROOT, "bench", "java", "Hello.java")], check=True)
        base = dict(os.environ)
        base.pop("IOPIPE_PROFILER_ENABLED", None)
        enabled = dict(base, IOPIPE_PROFILER_ENABLED="true")
        cp = ["-cp", work, "Hello"]
        configs = {
            "no agent": ([java] + cp, base),
            "disabled": ([java, "-agentpath:" + AGENT] + cp, base),
            "enabled": ([java, f"-agentpath:{AGENT}=file={work}/,prefix=hello"] + cp, enabled),
        }
        res = {k: ([], []) for k in configs}
        for i in range(runs + 1):
            for name, (cmd, env) in configs.items():
                to_main, total = one_run(cmd, env)
                if i:
                    res[name][0].append(to_main)
                    res[name][1].append(total)
        print(f"JDK: {java}; {runs} runs each, interleaved; medians")
        print(f"{'configuration':14s} {'until main prints':>18s} {'whole run':>12s}")
        m0 = statistics.median(res["no agent"][0])
        t0 = statistics.median(res["no agent"][1])
        for name, (a, b) in res.items():
            ma, mb = statistics.median(a), statistics.median(b)
            print(f"{name:14s} {ma:9.1f} ms ({ma - m0:+5.1f}) {mb:7.1f} ms ({mb - t0:+5.1f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
