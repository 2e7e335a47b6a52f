import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Compares the native stats columns (stats/, through build/tests/libstatsprobe.so) with what
 * this JVM's own MXBeans report at the same instant: exactly for values that cannot change
 * between two reads, within [before, after] for moving ones. Prints "ok - ..." / "not ok - ...".
 *
 * Usage: StatsProbe check [--contention] [--fallback] [--debug] [--cost] [--csv FILE]
 *        StatsProbe ods FILE.ods FILE.csv   (a LibreOffice conversion of FILE.csv)
 *        StatsProbe order SPEC FILE.csv     (labels follow SPEC, IOpipe's label list)
 *        StatsProbe agentrun RUN_MS BLOCK_MS [--contention]   (a program for the agent)
 *        StatsProbe agentcheck FILE.csv KEY BLOCK_MS contention|nocontention MINCOLS MAXCOLS [ENDED_KEY]
 */
public class StatsProbe {
    static native int open(boolean contention, boolean fallback, boolean debug);
    static native byte[] collect();
    static native long lastCollectNs();
    static native long costNs(int n, boolean noUserTime);
    static native long lastCostCpuNs();
    static native void close();

    static int passed, failed;

    static void check(boolean cond, String desc) {
        if (cond) {
            passed++;
            System.out.println("ok - " + desc);
        } else {
            failed++;
            System.out.println("not ok - " + desc);
        }
    }

    // ---- CSV ---------------------------------------------------------------------------

    static List<List<String>> parseCsv(String s) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (q) {
                if (ch == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        q = false;
                    }
                } else {
                    f.append(ch);
                }
            } else if (ch == '"') {
                q = true;
            } else if (ch == ',') {
                row.add(f.toString());
                f.setLength(0);
            } else if (ch == '\n') {
                row.add(f.toString());
                f.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                f.append(ch);
            }
        }
        return rows;
    }

    /** The native table: label → cells. */
    static final class Table {
        final LinkedHashMap<String, List<String>> rows = new LinkedHashMap<>();
        int columns = -1;
        boolean rectangular = true;

        Table(String csv) {
            for (List<String> r : parseCsv(csv)) {
                String label = r.get(0);
                if (columns < 0) columns = r.size() - 1;
                if (r.size() - 1 != columns) rectangular = false;
                rows.put(label, r.subList(1, r.size()));
            }
        }

        boolean has(String label) { return rows.containsKey(label); }

        String text(String label, int col) {
            List<String> r = rows.get(label);
            return r == null || col >= r.size() ? "<missing row " + label + ">" : r.get(col);
        }

        long num(String label, int col) {
            try {
                return Long.parseLong(text(label, col));
            } catch (NumberFormatException e) {
                return Long.MIN_VALUE;
            }
        }

        /** Thread `key` ("Thread.<name>.<id>.") in column `col`: "present" when each of its nine
         * cells has a value (a number in the numeric rows, text in LockedName and State),
         * "absent" when all nine are empty, else what is wrong. */
        String presence(String key, int col) {
            int empty = 0;
            List<String> bad = new ArrayList<>();
            for (String f : THREAD_FIELDS) {
                String v = text(key + f, col);
                if (v.isEmpty()) empty++;
                else if (!f.equals("LockedName (object)") && !f.equals("State (state)") && num(key + f, col) == Long.MIN_VALUE)
                    bad.add(f + "=" + v);
                else if (f.equals("State (state)") && v.equals("null")) bad.add("State null");
            }
            if (empty == THREAD_FIELDS.length) return "absent";
            if (empty == 0 && bad.isEmpty()) return "present";
            return "mixed (" + empty + " empty" + (bad.isEmpty() ? "" : ", " + bad) + ")";
        }

        /** Item names of a group, in row order: "GC.<g>.Count (collections)" → g. */
        List<String> items(String prefix, String suffix) {
            List<String> out = new ArrayList<>();
            for (String l : rows.keySet())
                if (l.startsWith(prefix) && l.endsWith(suffix))
                    out.add(l.substring(prefix.length(), l.length() - suffix.length()));
            return out;
        }
    }

    static final String[] THREAD_FIELDS = {
        "CPUTime (ns)", "UserTime (ns)", "Blocked (count)", "BlockedTime (ns)", "LockedName (object)",
        "LockedOwner (threadid)", "State (state)", "Waited (count)", "WaitedTime (ns)"};

    // ---- MXBean snapshot ---------------------------------------------------------------

    static final String[] POOL_FIELDS = {
        "CollectionUsage.init (byte)", "CollectionUsage.used (byte)", "CollectionUsage.committed (byte)",
        "CollectionUsage.max (byte)", "CollectionUsageThreshold (byte)", "CollectionUsageThresholdHit (count)",
        "PeakUsage.init (byte)", "PeakUsage.used (byte)", "PeakUsage.committed (byte)", "PeakUsage.max (byte)",
        "Usage.init (byte)", "Usage.used (byte)", "Usage.committed (byte)", "Usage.max (byte)",
        "UsageThreshold (byte)", "UsageThresholdHit (count)"};
    /** Which pool fields cannot move while no GC runs (compared exactly). */
    static final boolean[] POOL_STILL = {
        true, true, true, true, true, true,
        true, false, false, true,
        true, false, false, true,
        true, false};

    static final class Mx {
        long nano, start, uptime, total, unloaded, comp;
        int loaded, pending;
        final LinkedHashMap<String, long[]> gc = new LinkedHashMap<>();
        final LinkedHashMap<String, long[]> pools = new LinkedHashMap<>();
        long[] heap, nonHeap;
        final Map<Long, ThreadInfo> threads = new LinkedHashMap<>();
        final Map<Long, long[]> cpu = new LinkedHashMap<>();
        final LinkedHashMap<String, long[]> buffers = new LinkedHashMap<>();
    }

    static long[] usage(MemoryUsage u) {
        return u == null ? new long[] {-1, -1, -1, -1}
                         : new long[] {u.getInit(), u.getUsed(), u.getCommitted(), u.getMax()};
    }

    static Mx read() {
        Mx m = new Mx();
        m.nano = System.nanoTime();
        m.start = ManagementFactory.getRuntimeMXBean().getStartTime();
        m.uptime = ManagementFactory.getRuntimeMXBean().getUptime();
        m.loaded = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        m.total = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        m.unloaded = ManagementFactory.getClassLoadingMXBean().getUnloadedClassCount();
        var comp = ManagementFactory.getCompilationMXBean();
        m.comp = comp != null && comp.isCompilationTimeMonitoringSupported() ? comp.getTotalCompilationTime() : -1;
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans())
            m.gc.put(g.getName(), new long[] {g.getCollectionCount(), g.getCollectionTime()});
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            long[] v = new long[16];
            System.arraycopy(usage(p.getCollectionUsage()), 0, v, 0, 4);
            boolean cs = p.isCollectionUsageThresholdSupported();
            v[4] = cs ? p.getCollectionUsageThreshold() : -1;
            v[5] = cs ? p.getCollectionUsageThresholdCount() : -1;
            System.arraycopy(usage(p.getPeakUsage()), 0, v, 6, 4);
            System.arraycopy(usage(p.getUsage()), 0, v, 10, 4);
            boolean us = p.isUsageThresholdSupported();
            v[14] = us ? p.getUsageThreshold() : -1;
            v[15] = us ? p.getUsageThresholdCount() : -1;
            m.pools.put(p.getName(), v);
        }
        m.heap = usage(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage());
        m.nonHeap = usage(ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage());
        m.pending = ManagementFactory.getMemoryMXBean().getObjectPendingFinalizationCount();
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        long[] ids = t.getAllThreadIds();
        ThreadInfo[] infos = t.getThreadInfo(ids, 0);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) continue;
            m.threads.put(ids[i], infos[i]);
            m.cpu.put(ids[i], new long[] {t.getThreadCpuTime(ids[i]), t.getThreadUserTime(ids[i])});
        }
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
            m.buffers.put(b.getName(), new long[] {b.getCount(), b.getMemoryUsed(), b.getTotalCapacity()});
        m.uptime = Math.min(m.uptime, ManagementFactory.getRuntimeMXBean().getUptime());
        return m;
    }

    static boolean within(long v, long a, long b) {
        return Math.min(a, b) <= v && v <= Math.max(a, b);
    }

    /** Exact when the MXBean read the same value before and after; else within the movement. */
    static void still(String what, long v, long a, long b) {
        if (a == b) check(v == a, what + " = " + a + " (native " + v + ")");
        else check(within(v, a, b), what + " within [" + a + ", " + b + "] (moved; native " + v + ")");
    }

    static void moving(String what, long v, long a, long b) {
        check(within(v, a, b), what + " within [" + Math.min(a, b) + ", " + Math.max(a, b) + "] (native " + v + ")");
    }

    // ---- the test program --------------------------------------------------------------

    static final Object monitor = new Object() { };
    static final Object waitLock = new Object();
    static volatile boolean stop;
    static final List<Object> keep = new ArrayList<>();

    static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String lockName(Object o) {
        return o.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(o));
    }

    static String key(Thread t) {
        return "Thread." + t.getName() + "." + t.getId() + ".";
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("ods")) {
            odsCheck(Path.of(args[1]), Path.of(args[2]));
        } else if (args.length >= 3 && args[0].equals("order")) {
            orderCheck(Path.of(args[1]), Path.of(args[2]));
        } else if (args.length >= 3 && args[0].equals("agentrun")) {
            agentRun(Long.parseLong(args[1]), Long.parseLong(args[2]), args.length > 3 && args[3].equals("--contention"));
            return; // prints only the blocked thread's key: the agent's snapshot is the result
        } else if (args.length >= 7 && args[0].equals("agentcheck")) {
            agentCheck(Path.of(args[1]), args[2], Long.parseLong(args[3]), args[4].equals("contention"),
                       Integer.parseInt(args[5]), Integer.parseInt(args[6]), args.length > 7 ? args[7] : null);
        } else if (args.length >= 1 && args[0].equals("startup")) {
            startup(args.length > 1 && args[1].equals("--fallback"));
        } else {
            run(args);
        }
        System.out.println("# " + passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    static void run(String[] args) throws Exception {
        boolean contention = false, fallback = false, debug = false, cost = false;
        Path csvOut = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--contention": contention = true; break;
                case "--fallback": fallback = true; break;
                case "--debug": debug = true; break;
                case "--cost": cost = true; break;
                case "--csv": csvOut = Path.of(args[++i]); break;
                default: break;
            }
        }
        System.load(Path.of(System.getProperty("statsprobe.lib", "build/tests/libstatsprobe.so")).toAbsolutePath().toString());
        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        boolean contentionBefore = tmx.isThreadContentionMonitoringEnabled();

        // Workload: garbage, direct and mapped buffers, a blocked, a waiting and odd-named threads.
        for (int i = 0; i < 200; i++) keep.add(new byte[10_000]);
        keep.clear();
        for (int i = 0; i < 3; i++) keep.add(ByteBuffer.allocateDirect(1000 + i));
        Path tmp = Files.createTempFile("statsprobe", ".bin");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
            keep.add(mb);
        }
        Files.deleteIfExists(tmp);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.isUsageThresholdSupported()) p.setUsageThreshold(1); // sensors: counts become > 0
            if (p.isCollectionUsageThresholdSupported()) p.setCollectionUsageThreshold(1);
        }

        CountDownLatch held = new CountDownLatch(1);
        Thread holder = start("stats-holder", () -> {
            synchronized (monitor) {
                held.countDown();
                while (!stop) LockSupport.parkNanos(50_000_000L);
            }
        });
        held.await();
        Thread blocked = start("stats-blocked", () -> {
            synchronized (monitor) { }
        });
        Thread waiter = start("stats-waiter", () -> {
            synchronized (waitLock) {
                try {
                    waitLock.wait();
                } catch (InterruptedException e) {
                    // ends the thread
                }
            }
        });
        Runnable sleeper = () -> {
            while (!stop) sleepQuietly(60_000);
        };
        Thread evil = start("=1+1, \"x\"", sleeper);
        Thread unicode = start("Ünïcødé-スレッド-\uD83D\uDE00\nline2", sleeper);
        Thread twin1 = start("twin", sleeper);
        Thread twin2 = start("twin", sleeper);
        Thread shortLived = start("stats-short", () -> sleepQuietly(600_000));
        while (blocked.getState() != Thread.State.BLOCKED || waiter.getState() != Thread.State.WAITING
               || evil.getState() != Thread.State.TIMED_WAITING || unicode.getState() != Thread.State.TIMED_WAITING)
            Thread.sleep(5);
        Thread.sleep(contention ? 30 : 5);

        int source = open(contention, fallback, debug);
        check(fallback ? source == 2 : source != 0,
              "collector opened, source " + (source == 1 ? "JMM" : source == 2 ? "MXBeans via JNI" : "none"));
        if (source == 0) return;
        System.out.println("# source " + (source == 1 ? "jmm" : "mxbean"));
        // The VM-wide switch, as ThreadInfo sees it (JDK 25's ThreadMXBean caches its own flag
        // per instance, so isThreadContentionMonitoringEnabled() does not show a JMM change).
        long blockedMs = tmx.getThreadInfo(blocked.getId()).getBlockedTime();
        check((blockedMs != -1) == (contention || contentionBefore),
              "thread contention monitoring " + (contention ? "enabled by the option" : "left off")
              + " (MXBean BlockedTime " + blockedMs + ")");

        // Column 0 (warm-up: first-use costs), then line up a column with the MXBeans.
        System.gc();
        System.gc();
        Thread.sleep(100);
        byte[] csv = collect();
        check(csv != null, "first column taken (" + lastCollectNs() / 1000 + " us, includes first-use costs)");
        if (csv == null) return;
        Table t0 = new Table(new String(csv, StandardCharsets.UTF_8));
        check(t0.has(key(shortLived) + "State (state)"), "short-lived thread present in column 0");
        shortLived.interrupt();
        shortLived.join();
        Thread late = start("stats-late", sleeper);
        while (late.getState() != Thread.State.TIMED_WAITING) Thread.sleep(5);

        Mx before = null, after = null;
        Table t = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            System.gc();
            Thread.sleep(50);
            read(); // warm the MXBean code so that reading loads no classes in between
            // The JIT's scratch space in the code heap moves its usage up and down again,
            // which two reads cannot bound: line up only once the JIT is idle.
            jitQuiet();
            before = read();
            csv = collect();
            after = read();
            if (csv == null) break;
            t = new Table(new String(csv, StandardCharsets.UTF_8));
            if (gcCounts(before).equals(gcCounts(after))) break; // no GC in between
        }
        check(csv != null && t != null, "second column taken (" + lastCollectNs() / 1000 + " us)");
        if (t == null) return;
        if (csvOut != null) Files.write(csvOut, csv);
        compare(t, 1, before, after, contention || contentionBefore);

        // Thread-specific checks.
        String b = key(blocked), w = key(waiter), h = key(holder);
        check(t.text(b + "State (state)", 1).equals("BLOCKED"), "blocked thread: State BLOCKED");
        check(t.text(b + "LockedName (object)", 1).equals(lockName(monitor)),
              "blocked thread: LockedName " + lockName(monitor) + " (native " + t.text(b + "LockedName (object)", 1) + ")");
        check(t.num(b + "LockedOwner (threadid)", 1) == holder.getId(), "blocked thread: LockedOwner = holder id " + holder.getId());
        check(t.num(b + "Blocked (count)", 1) == 1, "blocked thread: Blocked count 1");
        long bt = t.num(b + "BlockedTime (ns)", 1);
        if (contention) check(bt >= 0 && bt % 1_000_000 == 0, "blocked thread: BlockedTime in ns (" + bt + ") with contention monitoring");
        else if (!contentionBefore) check(bt == -1, "blocked thread: BlockedTime -1 without contention monitoring");
        check(t.text(w + "State (state)", 1).equals("WAITING"), "waiting thread: State WAITING");
        check(t.text(w + "LockedName (object)", 1).equals(lockName(waitLock)), "waiting thread: LockedName " + lockName(waitLock));
        check(t.num(w + "LockedOwner (threadid)", 1) == -1, "waiting thread: LockedOwner -1");
        check(t.text(h + "LockedName (object)", 1).equals("null"), "parked holder: LockedName null (waits on no lock)");
        check(t.text(key(evil) + "State (state)", 1).equals("TIMED_WAITING"),
              "thread named =1+1, \"x\" keyed by name and id: " + key(evil) + "State (state)");
        check(t.has(key(unicode) + "CPUTime (ns)"), "non-ASCII thread name (with newline, emoji) round-trips through the CSV");
        check(!key(twin1).equals(key(twin2)) && t.has(key(twin1) + "CPUTime (ns)") && t.has(key(twin2) + "CPUTime (ns)"),
              "two threads named twin stay apart");
        // Appearing and disappearing items.
        check(t.rectangular && t.columns == 2, "every row has a label and 2 cells");
        check(t.presence(key(late), 0).equals("absent") && t.presence(key(late), 1).equals("present")
              && t.text(key(late) + "State (state)", 1).equals("TIMED_WAITING"),
              "thread started after column 0: its nine cells empty in column 0 (" + t.presence(key(late), 0)
              + "), filled in column 1 (" + t.presence(key(late), 1) + ")");
        check(t.presence(key(shortLived), 1).equals("absent") && t.presence(key(shortLived), 0).equals("present")
              && t.num(key(shortLived) + "CPUTime (ns)", 0) >= 0,
              "thread ended before column 1: its nine cells filled in column 0 (" + t.presence(key(shortLived), 0)
              + "), empty in column 1 (" + t.presence(key(shortLived), 1) + ")");
        long abs0 = t.num("AbsoluteTime (ns)", 0), abs1 = t.num("AbsoluteTime (ns)", 1);
        check(t.num("RelativeTime (ns)", 0) == 0 && t.num("RelativeTime (ns)", 1) == abs1 - abs0 && abs1 > abs0,
              "RelativeTime: 0, then AbsoluteTime difference");
        // A third column: the ended thread stays absent, in every row, and the CSV written for
        // the spreadsheet check is this one.
        byte[] csv3 = collect();
        check(csv3 != null, "third column taken");
        if (csv3 != null) {
            Table t3 = new Table(new String(csv3, StandardCharsets.UTF_8));
            check(t3.rectangular && t3.columns == 3, "every row has a label and 3 cells (empty ones included)");
            String s = key(shortLived), l = key(late);
            check(t3.presence(s, 0).equals("present") && t3.presence(s, 1).equals("absent") && t3.presence(s, 2).equals("absent")
                  && t3.presence(l, 0).equals("absent") && t3.presence(l, 1).equals("present") && t3.presence(l, 2).equals("present"),
                  "3 columns: the thread that ended after column 0 is empty in columns 1 and 2 ("
                  + t3.presence(s, 1) + ", " + t3.presence(s, 2) + "), the one started after column 0 only there");
            if (csvOut != null) Files.write(csvOut, csv3);
        }

        if (cost) {
            List<Thread> idle = new ArrayList<>();
            while (tmx.getThreadCount() < 50) idle.add(start("idle-" + idle.size(), sleeper));
            Thread.sleep(50);
            // Five batches of 100 warm columns each: the best batch is the cost without noise
            // from other processes, the median what a busy machine sees.
            long[] withUser = new long[5], noUser = new long[5], withUserCpu = new long[5], noUserCpu = new long[5];
            for (int i = 0; i < 5; i++) {
                withUser[i] = costNs(100, false);
                withUserCpu[i] = lastCostCpuNs();
                noUser[i] = costNs(100, true);
                noUserCpu[i] = lastCostCpuNs();
            }
            for (long[] a : new long[][] {withUser, noUser, withUserCpu, noUserCpu}) java.util.Arrays.sort(a);
            check(withUser[0] > 0 && noUser[0] > 0, "cost measured");
            System.out.printf("# cost: %d threads, one column: wall %.1f us best / %.1f median, CPU %.1f us median;"
                              + " without per-thread user time: wall %.1f / %.1f, CPU %.1f us%n",
                              tmx.getThreadCount(), withUser[0] / 1000.0, withUser[2] / 1000.0, withUserCpu[2] / 1000.0,
                              noUser[0] / 1000.0, noUser[2] / 1000.0, noUserCpu[2] / 1000.0);
        }
        stop = true;
        close();
    }

    /** Start-up cost of stats in a JVM that has not touched java.lang.management: run with
     * -Xlog:class+load and count the classes logged between the two marks. */
    static void startup(boolean fallback) throws Exception {
        System.load(Path.of(System.getProperty("statsprobe.lib", "build/tests/libstatsprobe.so")).toAbsolutePath().toString());
        System.out.println("# mark: open");
        long t0 = System.nanoTime();
        int source = open(false, fallback, false);
        long t1 = System.nanoTime();
        byte[] csv = collect();
        long t2 = System.nanoTime();
        System.out.println("# mark: done");
        check(source != 0 && csv != null, "collector opened and first column taken");
        System.out.printf("# startup: open %.1f ms, first column %.1f ms (%s)%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6,
                          source == 1 ? "jmm" : "mxbean");
        if (csv != null) mappedLater(new Table(new String(csv, StandardCharsets.UTF_8)));
        close();
    }

    /** The collector found the mapped pool's classes unloaded and left them so (0, as the
     * MXBean would read); once the application maps a file, the next column has its values. */
    static void mappedLater(Table t0) throws Exception {
        String m = "BufferPool.mapped.";
        check(t0.num(m + "Count (objects)", 0) == 0 && t0.num(m + "Used (byte)", 0) == 0
              && t0.num(m + "Capacity (byte)", 0) == 0, "mapped pool before any mapping: 0, 0, 0");
        Path tmp = Files.createTempFile("statsprobe", ".bin");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            keep.add(ch.map(FileChannel.MapMode.READ_WRITE, 0, 8192));
        }
        Files.deleteIfExists(tmp);
        byte[] csv = collect();
        Table t = new Table(new String(csv, StandardCharsets.UTF_8));
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            String p = "BufferPool." + b.getName() + ".";
            long[] want = {b.getCount(), b.getMemoryUsed(), b.getTotalCapacity()};
            long[] got = {t.num(p + "Count (objects)", 1), t.num(p + "Used (byte)", 1), t.num(p + "Capacity (byte)", 1)};
            check(java.util.Arrays.equals(want, got), p + "* after the application mapped a file: "
                  + java.util.Arrays.toString(got) + " = MXBean " + java.util.Arrays.toString(want));
        }
    }

    // ---- label order -------------------------------------------------------------------

    /** One element of IOpipe's label list: a fixed label, or a group of per-item labels
     * "<prefix><item>.<field>" written together for each item. */
    static final class Seg {
        final String fixed, prefix, what;
        final List<String> fields = new ArrayList<>();
        Seg(String fixed, String prefix, String what) { this.fixed = fixed; this.prefix = prefix; this.what = what; }
    }

    /** IOpipe's label list (tests/data/iopipe-stat-labels.txt) ("-- for each …" starts a group). */
    static List<Seg> parseSpec(List<String> lines) {
        List<Seg> segs = new ArrayList<>();
        Seg group = null;
        for (String l : lines) {
            l = l.strip();
            if (l.isEmpty()) continue;
            if (l.startsWith("--")) {
                group = null;
                continue;
            }
            int lt = l.indexOf('<'), gt = l.indexOf(">.");
            if (lt < 0) {
                segs.add(new Seg(l, null, null));
                continue;
            }
            String prefix = l.substring(0, lt), field = l.substring(gt + 2);
            if (group == null || !group.prefix.equals(prefix)) {
                group = new Seg(null, prefix, l.substring(lt, gt + 1));
                segs.add(group);
            }
            group.fields.add(field);
        }
        return segs;
    }

    /** Every label of the CSV, in order, is IOpipe's: the fixed ones in place, each item's
     * rows together and in the group's field order, groups in IOpipe's order, nothing else. */
    static void orderCheck(Path spec, Path csvPath) throws Exception {
        List<Seg> segs = parseSpec(Files.readAllLines(spec));
        List<String> labels = new ArrayList<>();
        for (List<String> r : parseCsv(new String(Files.readAllBytes(csvPath), StandardCharsets.UTF_8))) labels.add(r.get(0));
        int i = 0;
        String error = null;
        List<String> counts = new ArrayList<>();
        for (Seg g : segs) {
            if (error != null) break;
            if (g.fixed != null) {
                if (i < labels.size() && labels.get(i).equals(g.fixed)) i++;
                else error = "row " + (i + 1) + ": expected " + g.fixed + ", got " + (i < labels.size() ? labels.get(i) : "end");
                continue;
            }
            Set<String> items = new HashSet<>();
            String first = "." + g.fields.get(0);
            while (error == null && i < labels.size() && labels.get(i).startsWith(g.prefix) && labels.get(i).endsWith(first)) {
                String l = labels.get(i);
                String item = l.substring(g.prefix.length(), l.length() - first.length());
                if (!items.add(item)) error = "row " + (i + 1) + ": item " + item + " appears twice";
                for (int f = 0; f < g.fields.size() && error == null; f++) {
                    String want = g.prefix + item + "." + g.fields.get(f);
                    if (i + f >= labels.size() || !labels.get(i + f).equals(want))
                        error = "row " + (i + f + 1) + ": expected " + g.prefix + g.what + "." + g.fields.get(f)
                                + " (" + want + "), got " + (i + f < labels.size() ? labels.get(i + f) : "end");
                }
                i += g.fields.size();
            }
            if (error == null && items.isEmpty())
                error = "row " + (i + 1) + ": no " + g.prefix + g.what + " item (got " + (i < labels.size() ? labels.get(i) : "end") + ")";
            counts.add(items.size() + " " + g.prefix + g.what);
        }
        if (error == null && i != labels.size()) error = "row " + (i + 1) + ": unexpected label " + labels.get(i);
        check(segs.size() > 10 && error == null, "the " + labels.size() + " labels follow IOpipe's order exactly ("
              + String.join(", ", counts) + ")" + (error == null ? "" : ": " + error));
    }

    // ---- the agent's own CSV -----------------------------------------------------------

    /** A program for the agent: one thread blocked on a monitor for blockMs (after the
     * agent's collector has enabled contention monitoring, when asked to wait for it), then
     * kept alive, so that the end column shows its BlockedTime; the run lasts runMs. */
    static void agentRun(long runMs, long blockMs, boolean waitForContention) throws Exception {
        long t0 = System.nanoTime();
        if (waitForContention) { // times accrue only from the moment monitoring is on
            ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            while (tmx.getThreadInfo(self).getBlockedTime() == -1 && System.nanoTime() - t0 < 5_000_000_000L) Thread.sleep(5);
        }
        Object lock = new Object();
        CountDownLatch held = new CountDownLatch(1);
        Thread[] blocked = new Thread[1];
        Thread holder = start("agent-holder", () -> {
            synchronized (lock) {
                held.countDown();
                // The known time starts once the other thread is blocked on the monitor.
                while (blocked[0] == null || blocked[0].getState() != Thread.State.BLOCKED) sleepQuietly(1);
                sleepQuietly(blockMs);
            }
        });
        held.await();
        Thread blockedThread = start("agent-blocked", () -> {
            synchronized (lock) { }
            while (true) sleepQuietly(60_000);
        });
        blocked[0] = blockedThread;
        holder.join(); // ends mid-window: its cells after its end must be empty
        System.out.println("# blocked " + blockedThread.getName() + "." + blockedThread.getId());
        System.out.println("# ended " + holder.getName() + "." + holder.getId());
        long left = runMs - (System.nanoTime() - t0) / 1_000_000;
        if (left > 0) Thread.sleep(left);
    }

    /** The agent's CSV: column count in [minCols, maxCols]; with contention monitoring every
     * BlockedTime/WaitedTime cell is >= 0 and the blocked thread's last BlockedTime about
     * blockMs; without, every such cell of a live thread is -1. Every thread is, in each
     * column, either present (all nine cells filled) or absent (all nine empty), once absent
     * after being present it stays so, and the thread `ended` (joined before the program
     * ended) is absent from the last column. */
    static void agentCheck(Path csvPath, String key, long blockMs, boolean contention, int minCols, int maxCols,
                           String ended) throws Exception {
        Table t = new Table(new String(Files.readAllBytes(csvPath), StandardCharsets.UTF_8));
        check(t.rectangular && t.columns >= minCols && t.columns <= maxCols,
              "columns: " + t.columns + " in [" + minCols + ", " + maxCols + "], every row as long");
        absentCells(t, ended);
        List<String> bad = new ArrayList<>();
        int cells = 0;
        for (String k : t.items("Thread.", ".State (state)"))
            for (String f : new String[] {"BlockedTime (ns)", "WaitedTime (ns)"})
                for (int c = 0; c < t.columns; c++) {
                    if (t.text("Thread." + k + ".State (state)", c).isEmpty()) continue; // not alive: empty
                    long v = t.num("Thread." + k + "." + f, c);
                    cells++;
                    if (contention ? v < 0 || v % 1_000_000 != 0 : v != -1) bad.add(k + "." + f + "[" + c + "]=" + v);
                }
        check(cells > 0 && bad.isEmpty(), (contention ? "contention monitoring: " : "no contention monitoring: ") + cells
              + " BlockedTime/WaitedTime cells of live threads are " + (contention ? ">= 0, in whole ms" : "-1")
              + (bad.isEmpty() ? "" : " " + (bad.size() > 10 ? bad.subList(0, 10) : bad)));
        int last = t.columns - 1;
        long bt = t.num("Thread." + key + ".BlockedTime (ns)", last);
        check(t.num("Thread." + key + ".Blocked (count)", last) == 1, "blocked thread " + key + ": Blocked (count) 1");
        if (contention)
            check(bt >= (blockMs - 150) * 1_000_000L && bt <= (blockMs + 5_000) * 1_000_000L,
                  "blocked thread " + key + ": BlockedTime " + bt + " ns, about the " + blockMs + " ms it was blocked");
        else
            check(bt == -1, "blocked thread " + key + ": BlockedTime -1 without contention monitoring");
    }

    /** Threads coming and going in the agent's CSV: see agentCheck. */
    static void absentCells(Table t, String ended) {
        List<String> bad = new ArrayList<>();
        int present = 0, absent = 0, endedMidWindow = 0;
        for (String k : t.items("Thread.", ".State (state)")) {
            String key = "Thread." + k + ".";
            int first = -1, last = -1;
            for (int c = 0; c < t.columns; c++) {
                String p = t.presence(key, c);
                if (p.equals("present")) {
                    present++;
                    if (first < 0) first = c;
                    if (last >= 0 && last != c - 1) bad.add(k + " back in column " + c + " after its end");
                    last = c;
                } else if (p.equals("absent")) {
                    absent++;
                } else {
                    bad.add(k + "[" + c + "] " + p);
                }
            }
            if (last >= 0 && last < t.columns - 1) endedMidWindow++;
        }
        check(bad.isEmpty() && present > 0, "threads: in " + present + " thread columns all nine cells filled, in " + absent
              + " all nine empty (not alive), none mixed, none back after its end; " + endedMidWindow
              + " threads ended before the last column" + (bad.isEmpty() ? "" : " " + (bad.size() > 10 ? bad.subList(0, 10) : bad)));
        if (ended == null) return;
        String key = "Thread." + ended + ".";
        int last = -1;
        for (int c = 0; c < t.columns; c++) if (t.presence(key, c).equals("present")) last = c;
        if (!t.has(key + "State (state)")) {
            System.out.println("# thread " + ended + " ended between two columns: it is in none");
            return;
        }
        List<String> after = new ArrayList<>();
        for (int c = last + 1; c < t.columns; c++) after.add(t.presence(key, c));
        check(last >= 0 && last < t.columns - 1 && after.stream().allMatch("absent"::equals),
              "thread " + ended + ", ended mid-window: present up to column " + last + ", its nine cells empty in the "
              + after.size() + " columns after (" + String.join(", ", after) + ")");
    }

    /** Total JIT compilation time (ms), or -1 without a JIT that reports it (-Xint). */
    static long jitMs() {
        java.lang.management.CompilationMXBean cmx = ManagementFactory.getCompilationMXBean();
        return cmx != null && cmx.isCompilationTimeMonitoringSupported() ? cmx.getTotalCompilationTime() : -1;
    }

    /** Waits, 3 s at most, until the JIT has compiled nothing for 200 ms: the quiet moment the
     *  comparison needs (compiler threads allocate and free code-heap space as they work). */
    static void jitQuiet() throws InterruptedException {
        long start = System.nanoTime(), quietSince = start, last = jitMs();
        while (System.nanoTime() - start < 3_000_000_000L && System.nanoTime() - quietSince < 200_000_000L) {
            Thread.sleep(20);
            long now = jitMs();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    static Map<String, Long> gcCounts(Mx m) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.gc.forEach((k, v) -> out.put(k, v[0]));
        return out;
    }

    static void compare(Table t, int c, Mx a, Mx b, boolean contention) {
        moving("AbsoluteTime (ns) vs System.nanoTime()", t.num("AbsoluteTime (ns)", c), a.nano, b.nano);
        still("StartTime (utc ms)", t.num("StartTime (utc ms)", c), a.start, b.start);
        moving("UpTime (ms)", t.num("UpTime (ms)", c), a.uptime, b.uptime);
        still("CurrentLoadedClasses (classes)", t.num("CurrentLoadedClasses (classes)", c), a.loaded, b.loaded);
        still("TotalLoadedClasses (classes)", t.num("TotalLoadedClasses (classes)", c), a.total, b.total);
        still("TotalUnloadedClasses (classes)", t.num("TotalUnloadedClasses (classes)", c), a.unloaded, b.unloaded);
        moving("TotalCompilationTime (ms)", t.num("TotalCompilationTime (ms)", c), a.comp, b.comp);

        check(t.items("GC.", ".Count (collections)").equals(new ArrayList<>(a.gc.keySet())),
              "collector names and order " + a.gc.keySet());
        for (String g : a.gc.keySet()) {
            still("GC." + g + ".Count", t.num("GC." + g + ".Count (collections)", c), a.gc.get(g)[0], b.gc.get(g)[0]);
            still("GC." + g + ".Time", t.num("GC." + g + ".Time (ms)", c), a.gc.get(g)[1], b.gc.get(g)[1]);
        }
        check(t.items("MemPool.", ".Usage.used (byte)").equals(new ArrayList<>(a.pools.keySet())),
              "pool names and order " + a.pools.keySet());
        for (String p : a.pools.keySet()) {
            long[] va = a.pools.get(p), vb = b.pools.get(p);
            List<String> bad = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                long v = t.num("MemPool." + p + "." + POOL_FIELDS[i], c);
                boolean good = POOL_STILL[i] && va[i] == vb[i] ? v == va[i] : within(v, va[i], vb[i]);
                // A compiler thread holds scratch blobs in a code heap only while it works, so with
                // the JIT busy between the two reads "used" may have been anywhere up to the peak.
                if (!good && i == 11 && p.startsWith("CodeHeap") && a.comp != b.comp)
                    good = 0 < v && v <= Math.max(va[7], vb[7]);
                if (!good) bad.add(POOL_FIELDS[i] + "=" + v + " mx " + va[i] + ".." + vb[i]);
            }
            check(bad.isEmpty(), "MemPool." + p + ": 16 values (usage, peak, collection usage, thresholds, hits) " + bad);
        }
        String[] parts = {"init", "used", "committed", "max"};
        for (int i = 0; i < 4; i++) {
            Cmp cmp = i == 0 || i == 3 ? StatsProbe::still : StatsProbe::moving;
            cmp.run("Memory.Heap." + parts[i], t.num("Memory.Heap." + parts[i] + " (byte)", c), a.heap[i], b.heap[i]);
            cmp.run("Memory.NonHeap." + parts[i], t.num("Memory.NonHeap." + parts[i] + " (byte)", c), a.nonHeap[i], b.nonHeap[i]);
        }
        moving("PendingFinalizers (count)", t.num("PendingFinalizers (count)", c), a.pending, b.pending);

        // Threads: those alive at both reads must be there; nothing that was never alive.
        Set<String> nat = new HashSet<>(t.items("Thread.", ".State (state)"));
        Set<String> nativeHere = new HashSet<>();
        for (String k : nat) if (!t.text("Thread." + k + ".State (state)", c).isEmpty()) nativeHere.add(k);
        Set<String> both = new HashSet<>(), any = new HashSet<>();
        for (var e : a.threads.entrySet()) {
            String k = e.getValue().getThreadName() + "." + e.getKey();
            any.add(k);
            if (b.threads.containsKey(e.getKey())) both.add(k);
        }
        for (var e : b.threads.entrySet()) any.add(e.getValue().getThreadName() + "." + e.getKey());
        check(nativeHere.containsAll(both) && any.containsAll(nativeHere),
              "threads: the " + nativeHere.size() + " in the column include all alive at both MXBean reads (" + both.size()
              + ") and none never listed");
        String[] fields = THREAD_FIELDS;
        for (int f = 0; f < fields.length; f++) {
            List<String> bad = new ArrayList<>();
            int n = 0;
            for (var e : a.threads.entrySet()) {
                long id = e.getKey();
                ThreadInfo ia = e.getValue(), ib = b.threads.get(id);
                if (ib == null) continue;
                String row = "Thread." + ia.getThreadName() + "." + id + "." + fields[f];
                String cell = t.text(row, c);
                boolean good;
                switch (f) {
                    case 0: case 1: {
                        long v = t.num(row, c), x = a.cpu.get(id)[f], y = b.cpu.get(id)[f];
                        good = within(v, x, y);
                        break;
                    }
                    case 2: good = within(t.num(row, c), ia.getBlockedCount(), ib.getBlockedCount()); break;
                    case 7: good = within(t.num(row, c), ia.getWaitedCount(), ib.getWaitedCount()); break;
                    case 3: case 8: {
                        long v = t.num(row, c);
                        long x = f == 3 ? ia.getBlockedTime() : ia.getWaitedTime();
                        long y = f == 3 ? ib.getBlockedTime() : ib.getWaitedTime();
                        good = x == -1 && y == -1 ? v == -1 : v % 1_000_000 == 0 && within(v / 1_000_000, x, y);
                        if (!contention) good &= v == -1;
                        break;
                    }
                    case 4: good = !String.valueOf(ia.getLockName()).equals(String.valueOf(ib.getLockName()))
                                   || cell.equals(String.valueOf(ia.getLockName())); break;
                    case 5: good = ia.getLockOwnerId() != ib.getLockOwnerId() || t.num(row, c) == ia.getLockOwnerId(); break;
                    default: good = ia.getThreadState() != ib.getThreadState() || cell.equals(ia.getThreadState().name()); break;
                }
                n++;
                if (!good) bad.add(ia.getThreadName() + "." + id + "=" + cell);
            }
            check(bad.isEmpty() && n > 0, "Thread.*." + fields[f] + " matches ThreadMXBean for " + n + " threads " + bad);
        }

        check(t.items("BufferPool.", ".Count (objects)").equals(new ArrayList<>(a.buffers.keySet())),
              "buffer pool names and order " + a.buffers.keySet());
        String[] bf = {"Count (objects)", "Used (byte)", "Capacity (byte)"};
        for (String p : a.buffers.keySet())
            for (int i = 0; i < 3; i++)
                still("BufferPool." + p + "." + bf[i], t.num("BufferPool." + p + "." + bf[i], c),
                      a.buffers.get(p)[i], b.buffers.get(p)[i]);
        check(a.buffers.get("direct")[0] >= 3 && a.buffers.get("mapped")[0] >= 1, "direct and mapped buffers exist");
    }

    interface Cmp {
        void run(String what, long v, long a, long b);
    }

    // ---- LibreOffice round trip ----------------------------------------------------------

    /** Cells of the first sheet of an .ods: "n:<value>" for numbers, "s:<text>" for text. */
    static List<List<String>> odsCells(Path ods) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (ZipFile z = new ZipFile(ods.toFile())) {
            ZipEntry e = z.getEntry("content.xml");
            byte[] xml;
            try (InputStream in = z.getInputStream(e)) {
                xml = in.readAllBytes();
            }
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            var doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
            String tns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
            String ons = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
            Element table = (Element) doc.getElementsByTagNameNS(tns, "table").item(0);
            NodeList trs = table.getElementsByTagNameNS(tns, "table-row");
            for (int r = 0; r < trs.getLength(); r++) {
                Element tr = (Element) trs.item(r);
                int rep = tr.hasAttributeNS(tns, "number-rows-repeated")
                        ? Integer.parseInt(tr.getAttributeNS(tns, "number-rows-repeated")) : 1;
                List<String> row = new ArrayList<>();
                for (Node n = tr.getFirstChild(); n != null; n = n.getNextSibling()) {
                    if (!(n instanceof Element) || !"table-cell".equals(n.getLocalName())) continue;
                    Element td = (Element) n;
                    int crep = td.hasAttributeNS(tns, "number-columns-repeated")
                            ? Integer.parseInt(td.getAttributeNS(tns, "number-columns-repeated")) : 1;
                    String type = td.getAttributeNS(ons, "value-type");
                    String v;
                    if (td.hasAttributeNS(tns, "formula")) {
                        v = "f:" + td.getAttributeNS(tns, "formula");
                    } else if (type.equals("float")) {
                        v = "n:" + td.getAttributeNS(ons, "value");
                    } else if (type.isEmpty()) {
                        v = "";
                    } else {
                        StringBuilder sb = new StringBuilder();
                        NodeList ps = td.getElementsByTagNameNS("urn:oasis:names:tc:opendocument:xmlns:text:1.0", "p");
                        for (int i = 0; i < ps.getLength(); i++) {
                            if (i > 0) sb.append('\n');
                            sb.append(textOf(ps.item(i)));
                        }
                        v = "s:" + sb;
                    }
                    for (int i = 0; i < crep && i < 64; i++) row.add(v);
                }
                while (!row.isEmpty() && row.get(row.size() - 1).isEmpty()) row.remove(row.size() - 1);
                if (row.isEmpty()) continue;
                for (int i = 0; i < rep && i < 100000; i++) rows.add(row);
            }
        }
        return rows;
    }

    /** Text of a text:p, with text:s (spaces), text:tab and text:line-break expanded. */
    static String textOf(Node p) {
        StringBuilder sb = new StringBuilder();
        for (Node n = p.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeType() == Node.TEXT_NODE) {
                sb.append(n.getNodeValue());
            } else if (n instanceof Element) {
                String ln = n.getLocalName();
                if (ln.equals("s")) {
                    String c = ((Element) n).getAttributeNS("urn:oasis:names:tc:opendocument:xmlns:text:1.0", "c");
                    sb.append(" ".repeat(c.isEmpty() ? 1 : Integer.parseInt(c)));
                } else if (ln.equals("tab")) {
                    sb.append('\t');
                } else if (ln.equals("line-break")) {
                    sb.append('\n');
                } else {
                    sb.append(textOf(n));
                }
            }
        }
        return sb.toString();
    }

    static boolean formulaLike(String s) {
        return !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 && !s.matches("[+-]?[0-9]+(\\.[0-9]+)?");
    }

    /** Every CSV cell comes back from LibreOffice: integers as numbers, text as the same text
     * (a neutralised cell shows its leading apostrophe), empty cells empty, and no cell became
     * a formula. */
    static void odsCheck(Path ods, Path csvPath) throws Exception {
        List<List<String>> csv = parseCsv(new String(Files.readAllBytes(csvPath), StandardCharsets.UTF_8));
        List<List<String>> sheet = odsCells(ods);
        check(sheet.size() == csv.size(), "spreadsheet has the CSV's " + csv.size() + " rows (got " + sheet.size() + ")");
        int numbers = 0, texts = 0, neutralised = 0, empties = 0;
        List<String> bad = new ArrayList<>();
        for (int r = 0; r < Math.min(sheet.size(), csv.size()); r++) {
            // The sheet's rows end at their last non-empty cell (odsCells), so trailing empty
            // cells are compared as missing ones.
            List<String> want = new ArrayList<>(csv.get(r)), got = sheet.get(r);
            while (got.size() < want.size() && want.get(want.size() - 1).isEmpty()) {
                want.remove(want.size() - 1);
                empties++;
            }
            if (got.size() != want.size()) {
                bad.add("row " + (r + 1) + " has " + got.size() + " cells, CSV " + want.size());
                continue;
            }
            for (int i = 0; i < want.size(); i++) {
                String w = want.get(i), g = got.get(i);
                if (w.isEmpty()) { // no value (an absent thread): an empty cell, not 0, not text
                    empties++;
                    if (!g.isEmpty()) bad.add("r" + (r + 1) + "c" + (i + 1) + " (empty) → " + g);
                } else if (w.matches("-?[0-9]+")) {
                    numbers++;
                    if (!g.startsWith("n:") || Double.parseDouble(g.substring(2)) != Double.parseDouble(w))
                        bad.add("r" + (r + 1) + "c" + (i + 1) + " " + w + " → " + g);
                } else {
                    texts++;
                    if (w.startsWith("'") && formulaLike(w.substring(1))) neutralised++;
                    if (!g.equals("s:" + w)) bad.add("r" + (r + 1) + "c" + (i + 1) + " " + w + " → " + g);
                }
            }
        }
        check(bad.isEmpty(), numbers + " numbers, " + texts + " text cells (" + neutralised + " neutralised) and "
              + empties + " empty cells come back unchanged, no formula " + (bad.size() > 20 ? bad.subList(0, 20) : bad));
        check(numbers > 0 && texts > 0, "the spreadsheet saw numbers and text");
    }
}
