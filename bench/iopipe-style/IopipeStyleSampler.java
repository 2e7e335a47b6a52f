import java.lang.instrument.Instrumentation;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/*
 * The "old way" reference of bench/run.sh: a Java-level sampler in the style of IOpipe's
 * profiler (iopipe-java, com.iopipe.plugin.profiler.__Poller__). A daemon thread wakes every
 * interval, takes the stack of every live thread through the Java API and counts identical
 * stacks in a HashMap, allocating as it goes, as IOpipe did.
 *
 * Options (-javaagent:iopipe-style.jar=interval=1ms,mode=thread):
 *   interval  time between two rounds; a plain number is microseconds, units us, ms, s.
 *   mode      thread: Thread.getStackTrace per thread (IOpipe's way; on JDK 17 each call is
 *             one VM operation at a safepoint); all: one Thread.getAllStackTraces per round.
 *
 * At exit it prints one line on stderr, parsed by bench/lib/parse.sh:
 *   iopipe-style: profiled 30.12 s: 12000 rounds (every 1000 us requested, 2510 us achieved),
 *   48.0 threads per round, 900 stacks; sampling used 80.5 % of one CPU; getStackTrace 2000.0 us
 *   per round; 30 deadlines missed
 */
public final class IopipeStyleSampler implements Runnable {
	private final long intervalNs;
	private final boolean perThread;
	private final Map<StackKey, long[]> stacks = new HashMap<>();
	private volatile boolean stop;

	private long rounds;
	private long threadsSampled;
	private long missed;
	private long busyNs;  /* whole rounds: stack calls and aggregation */
	private long callsNs; /* inside getStackTrace / getAllStackTraces only */
	private long firstNs;
	private long lastNs;

	private IopipeStyleSampler(long intervalNs, boolean perThread) {
		this.intervalNs = intervalNs;
		this.perThread = perThread;
	}

	public static void premain(String args, Instrumentation inst) {
		long intervalNs = 1_000_000L;
		boolean perThread = true;
		if (args != null) {
			for (String kv : args.split(",")) {
				String[] p = kv.split("=", 2);
				if (p.length != 2)
					continue;
				if (p[0].equals("interval"))
					intervalNs = parseDurationNs(p[1]);
				else if (p[0].equals("mode"))
					perThread = !p[1].equals("all");
			}
		}
		IopipeStyleSampler s = new IopipeStyleSampler(intervalNs, perThread);
		Thread t = new Thread(s, "iopipe-style-sampler");
		t.setDaemon(true);
		t.start();
		Runtime.getRuntime().addShutdownHook(new Thread(() -> s.finish(t), "iopipe-style-exit"));
	}

	private static long parseDurationNs(String v) {
		long mult = 1_000L;
		String num = v;
		if (v.endsWith("us")) {
			num = v.substring(0, v.length() - 2);
		} else if (v.endsWith("ms")) {
			num = v.substring(0, v.length() - 2);
			mult = 1_000_000L;
		} else if (v.endsWith("s")) {
			num = v.substring(0, v.length() - 1);
			mult = 1_000_000_000L;
		}
		return Math.max(1_000L, Long.parseLong(num.trim()) * mult);
	}

	@Override
	public void run() {
		Thread self = Thread.currentThread();
		Thread[] threads = new Thread[64];
		long next = System.nanoTime();
		firstNs = next;
		while (!stop) {
			long t0 = System.nanoTime();
			long inCalls = 0;
			long now = t0;
			if (perThread) {
				ThreadGroup root = self.getThreadGroup();
				while (root.getParent() != null)
					root = root.getParent();
				int n;
				while ((n = root.enumerate(threads, true)) == threads.length)
					threads = new Thread[threads.length * 2];
				for (int i = 0; i < n; i++) {
					if (threads[i] == self)
						continue;
					long c0 = System.nanoTime();
					StackTraceElement[] st = threads[i].getStackTrace();
					inCalls += System.nanoTime() - c0;
					record(st, now - lastOr(now));
					threadsSampled++;
				}
				Arrays.fill(threads, 0, n, null);
			} else {
				long c0 = System.nanoTime();
				Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
				inCalls += System.nanoTime() - c0;
				for (Map.Entry<Thread, StackTraceElement[]> e : all.entrySet()) {
					if (e.getKey() == self)
						continue;
					record(e.getValue(), now - lastOr(now));
					threadsSampled++;
				}
			}
			long t1 = System.nanoTime();
			busyNs += t1 - t0;
			callsNs += inCalls;
			rounds++;
			lastNs = t0;
			next += intervalNs;
			long wait = next - t1;
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			} else {
				missed++;
				next = t1;
			}
		}
	}

	private long lastOr(long now) {
		return rounds == 0 ? now : lastNs;
	}

	/* IOpipe charged each sampled stack the wall time since the previous round. */
	private void record(StackTraceElement[] st, long elapsedNs) {
		long[] cell = stacks.computeIfAbsent(new StackKey(st), k -> new long[2]);
		cell[0]++;
		cell[1] += elapsedNs;
	}

	private void finish(Thread sampler) {
		stop = true;
		try {
			sampler.join(1000);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		double spanNs = Math.max(1, lastNs - firstNs);
		double achievedUs = rounds > 1 ? spanNs / 1e3 / (rounds - 1) : 0;
		System.err.printf("iopipe-style: profiled %.2f s: %d rounds (every %d us requested, %.0f us achieved), "
				+ "%.1f threads per round, %d stacks; sampling used %.1f %% of one CPU; %s %.1f us per round; "
				+ "%d deadlines missed%n",
				spanNs / 1e9, rounds, intervalNs / 1000, achievedUs,
				rounds > 0 ? (double) threadsSampled / rounds : 0.0, stacks.size(),
				100.0 * busyNs / spanNs, perThread ? "getStackTrace" : "getAllStackTraces",
				rounds > 0 ? callsNs / 1e3 / rounds : 0.0, missed);
	}

	private static final class StackKey {
		private final StackTraceElement[] frames;
		private final int hash;

		StackKey(StackTraceElement[] frames) {
			this.frames = frames;
			this.hash = Arrays.hashCode(frames);
		}

		@Override
		public int hashCode() {
			return hash;
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof StackKey && Arrays.equals(frames, ((StackKey) o).frames);
		}
	}
}
