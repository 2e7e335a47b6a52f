import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.graalvm.visualvm.lib.jfluid.results.CCTNode;
import org.graalvm.visualvm.lib.jfluid.results.ResultsSnapshot;
import org.graalvm.visualvm.lib.jfluid.results.cpu.CPUCCTContainer;
import org.graalvm.visualvm.lib.jfluid.results.cpu.CPUResultsSnapshot;
import org.graalvm.visualvm.lib.jfluid.results.cpu.FlatProfileContainer;
import org.graalvm.visualvm.lib.jfluid.results.cpu.PrestimeCPUCCTNode;
import org.graalvm.visualvm.lib.jfluid.utils.formatting.MethodNameFormatterFactory;
import org.graalvm.visualvm.lib.profiler.LoadedSnapshot;

/**
 * Validates .nps files with VisualVM's own loader, then builds every view VisualVM offers
 * (per-thread call trees, merged tree, Hot Spots for all and for each thread, Back
 * Traces, class and package aggregation) and cross-checks them, because layout errors
 * (duplicate siblings, zero hit counts, a wrong nodeSize) load fine and only show up as
 * views that disagree. Prints a grep-able summary, one fact per line.
 *
 * Usage: java -cp $VV_CP:build/tests/java NpsCheck [--resave DIR] [--has METHOD]... FILE.nps|FILE.zip ...
 * With --resave, every snapshot that passes is also saved again by VisualVM (as its
 * "Save As" does) to DIR/N.nps, numbered from 1, so our reader can be tested on files
 * VisualVM wrote.
 * With --has METHOD (Class.method as the summary prints it, e.g. HotSpin.hotMethod), each
 * snapshot also says whether METHOD is anywhere in any thread's call tree, not just among
 * the hottest the summary lists: a line "has METHOD<TAB>yes|no<TAB>HITS" (HITS: its
 * invocations summed over every tree node), before the OK line. The exit status is then 1
 * also when a snapshot lacks a METHOD asked for, so a test of absence must look for the
 * OK line and "no".
 */
public final class NpsCheck {
    /** Stops walks of views that can grow quadratically (back traces of deep trees). */
    private static final int WALK_BUDGET = 2_000_000;
    private static final int M = CPUResultsSnapshot.METHOD_LEVEL_VIEW;

    private static PrintStream out;
    private static File resaveDir;
    private static int resaved;
    private static final List<String> wanted = new ArrayList<>();
    /** Whether every snapshot checked so far held every --has method. */
    private static boolean allPresent = true;

    private NpsCheck() {}

    static final class Fail extends Exception {
        Fail(String msg) { super(msg); }
    }

    public static void main(String[] args) throws Exception {
        out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        if (args.length == 0) {
            out.println("usage: NpsCheck FILE.nps|FILE.zip ...");
            System.exit(2);
        }
        int failed = 0;
        for (int i = 0; i < args.length; i++) {
            String path = args[i];
            if (path.equals("--resave") && i + 1 < args.length) {
                resaveDir = new File(args[++i]);
                continue;
            }
            if (path.equals("--has") && i + 1 < args.length) {
                wanted.add(args[++i]);
                continue;
            }
            try {
                if (path.endsWith(".zip")) failed += checkZip(path);
                else if (!checkOne(path, new FileInputStream(path))) failed++;
            } catch (Throwable t) {
                out.println("NpsCheck: FAIL " + path + ": " + t);
                failed++;
            }
        }
        System.exit(failed == 0 && allPresent ? 0 : 1);
    }

    private static int checkZip(String path) throws Exception {
        int failed = 0, found = 0;
        try (ZipFile zip = new ZipFile(path)) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements();) {
                ZipEntry entry = e.nextElement();
                if (!entry.getName().endsWith(".nps")) continue;
                found++;
                if (!checkOne(path + "!" + entry.getName(), zip.getInputStream(entry))) failed++;
            }
        }
        if (found == 0) {
            out.println("NpsCheck: FAIL " + path + ": no .nps entry in the zip");
            return 1;
        }
        return failed;
    }

    private static boolean checkOne(String label, InputStream in) {
        try (DataInputStream dis = new DataInputStream(new BufferedInputStream(in))) {
            LoadedSnapshot ls = LoadedSnapshot.loadSnapshot(dis);
            if (ls == null) throw new Fail("VisualVM refused the snapshot (load returned null)");
            ResultsSnapshot rs = ls.getSnapshot();
            if (!(rs instanceof CPUResultsSnapshot)) throw new Fail("not a CPU snapshot: " + rs);
            new Walk((CPUResultsSnapshot) rs, label).run();
            if (ls.getSettings() != null)
                out.println("sampling_period_ms " + ls.getSettings().getSamplingFrequency());
            if (resaveDir != null) {
                File f = new File(resaveDir, ++resaved + ".nps");
                try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(f)))) {
                    ls.save(o);
                }
                out.println("resaved " + f.getPath());
            }
            out.println("NpsCheck: OK " + label);
            return true;
        } catch (Throwable t) {
            String msg = t.getMessage() != null ? t.getMessage() : t.toString();
            if (!(t instanceof Fail)) msg = t.getClass().getSimpleName() + ": " + msg;
            out.println("NpsCheck: FAIL " + label + ": " + msg);
            return false;
        }
    }

    /** Self time of one method as the Call Tree shows it. */
    static final class Self {
        long wall, cpu;
        int nodes;
    }

    static final class Walk {
        final CPUResultsSnapshot s;
        final String label;
        final boolean two;
        final Map<Integer, Self> treeSelf = new HashMap<>();
        final Map<Integer, Integer> nodesPerThread = new HashMap<>();
        /** Invocations per method id over every node of every thread's tree. */
        final Map<Integer, Long> callsInTree = new HashMap<>();
        int budget = WALK_BUDGET;

        Walk(CPUResultsSnapshot s, String label) {
            this.s = s;
            this.label = label;
            this.two = s.isCollectingTwoTimeStamps();
        }

        void run() throws Fail {
            int[] ids = s.getThreadIds();
            if (ids.length == 0) throw new Fail("no threads");
            out.println("file " + label);
            out.println("threads " + ids.length);
            for (int id : ids) threadTree(id);
            FlatProfileContainer flat = s.getFlatProfile(-1, M);
            crossCheckHotSpots(flat);
            walkFree(s.getRootNode(M, null, false), "call tree (all threads)");
            walkFree(s.getRootNode(M, null, true), "call tree (merged threads)");
            walkFree(s.getReverseRootNode(M, null, false), "back traces");
            for (int view : new int[] {CPUResultsSnapshot.CLASS_LEVEL_VIEW, CPUResultsSnapshot.PACKAGE_LEVEL_VIEW})
                aggregateView(view, flat, ids);
            printHot(flat, ids);
            printWanted();
        }

        /** The --has answers: a method is present when any tree node names it. */
        private void printWanted() {
            for (String name : wanted) {
                boolean found = false;
                long hits = 0;
                for (Map.Entry<Integer, Long> e : callsInTree.entrySet()) {
                    if (!cm(e.getKey()).equals(name)) continue;
                    found = true;
                    hits += e.getValue();
                }
                if (!found) allPresent = false;
                out.println("has " + name + "\t" + (found ? "yes" : "no") + "\t" + hits);
            }
        }

        private String cm(int methodId) {
            String[] n = s.getMethodClassNameAndSig(methodId, M);
            return n[0] + "." + n[1];
        }

        /** One thread's forward tree: every node, with time invariants checked. */
        private void threadTree(int id) throws Fail {
            CPUCCTContainer c = s.getContainerForThread(id, M);
            PrestimeCPUCCTNode root = c.getRootNode();
            String name = s.getThreadNameForId(id);
            if (root.getMethodId() != 0) throw new Fail("thread " + name + ": root is not the thread node");
            if (c.getWholeGraphNetTime0() != root.getTotalTime0())
                throw new Fail("thread " + name + ": wholeGraphNetTime0 " + c.getWholeGraphNetTime0()
                               + " != root total " + root.getTotalTime0());
            int nodes = 0;
            ArrayDeque<PrestimeCPUCCTNode> todo = new ArrayDeque<>();
            todo.push(root);
            while (!todo.isEmpty()) {
                PrestimeCPUCCTNode n = todo.pop();
                nodes++;
                if (n.getNodeName() == null) throw new Fail("node without a name in thread " + name);
                if (n.getTotalTime0() < 0 || n.getTotalTime1() < 0) throw new Fail("negative time in " + n.getNodeName());
                CCTNode[] kids = n.getChildren();
                if (n != root && !n.isSelfTimeNode()) callsInTree.merge(n.getMethodId(), (long) n.getNCalls(), Long::sum);
                if (n.isSelfTimeNode()) {
                    addSelf(n.getMethodId(), n);
                    continue;
                }
                if (kids == null || kids.length == 0) {
                    if (n != root) addSelf(n.getMethodId(), n);
                    continue;
                }
                checkSum(n, kids, name);
                for (CCTNode k : kids) todo.push((PrestimeCPUCCTNode) k);
            }
            nodesPerThread.put(id, nodes);
            out.println("thread " + id + "\t" + root.getTotalTime0() + "\t" + (two ? root.getTotalTime1() : 0) + "\t" + name);
        }

        private void addSelf(int methodId, PrestimeCPUCCTNode n) {
            Self e = treeSelf.computeIfAbsent(methodId, k -> new Self());
            e.wall += n.getTotalTime0();
            e.cpu += two ? n.getTotalTime1() : 0;
            e.nodes++;
        }

        /** total = Σ children (the "Self time" child included), ±1 µs of rounding per child. */
        private void checkSum(PrestimeCPUCCTNode n, CCTNode[] kids, String thread) throws Fail {
            long w = 0, c = 0;
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (CCTNode k : kids) {
                PrestimeCPUCCTNode p = (PrestimeCPUCCTNode) k;
                if (!p.isSelfTimeNode() && !seen.add(p.getMethodId()))
                    throw new Fail("duplicate child " + p.getNodeName() + " under " + n.getNodeName());
                w += p.getTotalTime0();
                c += p.getTotalTime1();
            }
            if (Math.abs(n.getTotalTime0() - w) > kids.length)
                throw new Fail("thread " + thread + ": " + n.getNodeName() + " total " + n.getTotalTime0()
                               + " but its children add up to " + w + " (duplicate siblings merged, or a total that is not self + children)");
            if (two && Math.abs(n.getTotalTime1() - c) > kids.length)
                throw new Fail("thread " + thread + ": " + n.getNodeName() + " CPU total " + n.getTotalTime1()
                               + " but its children add up to " + c);
        }

        /** Hot Spots must list every method the Call Tree charges self time to, with the same time. */
        private void crossCheckHotSpots(FlatProfileContainer flat) throws Fail {
            Map<Integer, Integer> rows = new HashMap<>();
            for (int r = 0; r < flat.getNRows(); r++) {
                int m = flat.getMethodIdAtRow(r);
                if (m == 0) throw new Fail("Hot Spots lists the thread pseudo-method");
                if (flat.getMethodNameAtRow(r) == null) throw new Fail("Hot Spots row without a name");
                if (flat.getTimeInMcs0AtRow(r) > flat.getTotalTimeInMcs0AtRow(r))
                    throw new Fail(cm(m) + ": self time above total time in Hot Spots");
                rows.put(m, r);
            }
            for (Map.Entry<Integer, Self> e : treeSelf.entrySet()) {
                Self t = e.getValue();
                Integer r = rows.get(e.getKey());
                if (r == null) {
                    if (t.wall > 0 || t.cpu > 0)
                        throw new Fail(cm(e.getKey()) + " has " + t.wall + " us self time in the Call Tree but no Hot Spots row (zero hits?)");
                    continue;
                }
                long fw = flat.getTimeInMcs0AtRow(r), fc = two ? flat.getTimeInMcs1AtRow(r) : 0;
                if (Math.abs(fw - t.wall) > t.nodes || Math.abs(fc - t.cpu) > t.nodes)
                    throw new Fail(cm(e.getKey()) + ": Hot Spots self " + fw + "/" + fc + " us, Call Tree " + t.wall + "/" + t.cpu);
            }
        }

        /** Any tree VisualVM builds on demand: names, times, children. */
        private void walkFree(PrestimeCPUCCTNode root, String what) throws Fail {
            if (root == null) throw new Fail(what + ": no root");
            ArrayDeque<PrestimeCPUCCTNode> todo = new ArrayDeque<>();
            todo.push(root);
            while (!todo.isEmpty() && budget-- > 0) {
                PrestimeCPUCCTNode n = todo.pop();
                if (n != root && n.getNodeName() == null) throw new Fail(what + ": node without a name");
                if (n.getTotalTime0() < 0) throw new Fail(what + ": negative time at " + n.getNodeName());
                CCTNode[] kids = n.getChildren();
                if (kids != null) for (CCTNode k : kids) todo.push((PrestimeCPUCCTNode) k);
            }
        }

        private static long selfSum(FlatProfileContainer f) {
            long sum = 0;
            for (int r = 0; r < f.getNRows(); r++) sum += f.getTimeInMcs0AtRow(r);
            return sum;
        }

        /** Class/package views are rebuilt from self times with nodeSize: they must keep the totals. */
        private void aggregateView(int view, FlatProfileContainer methods, int[] ids) throws Fail {
            String what = view == CPUResultsSnapshot.CLASS_LEVEL_VIEW ? "class view" : "package view";
            FlatProfileContainer f = s.getFlatProfile(-1, view);
            for (int r = 0; r < f.getNRows(); r++)
                if (f.getMethodNameAtRow(r) == null) throw new Fail(what + ": row without a name");
            if (selfSum(f) != selfSum(methods))
                throw new Fail(what + ": self times add up to " + selfSum(f) + " us, method view " + selfSum(methods));
            for (int id : ids) {
                PrestimeCPUCCTNode a = s.getContainerForThread(id, view).getRootNode();
                PrestimeCPUCCTNode b = s.getContainerForThread(id, M).getRootNode();
                if (Math.abs(a.getTotalTime0() - b.getTotalTime0()) > nodesPerThread.get(id))
                    throw new Fail(what + ": thread " + id + " total " + a.getTotalTime0() + " us, method view " + b.getTotalTime0());
                s.getFlatProfile(id, view);
            }
            walkFree(s.getRootNode(view, null, false), what + " tree");
            walkFree(s.getReverseRootNode(view, null, false), what + " back traces");
        }

        private static List<Integer> bySelfWall(FlatProfileContainer f, String[] names) {
            List<Integer> rows = new ArrayList<>();
            for (int r = 0; r < f.getNRows(); r++) rows.add(r);
            Collections.sort(rows, (x, y) -> {
                int c = Long.compare(f.getTimeInMcs0AtRow(y), f.getTimeInMcs0AtRow(x));
                return c != 0 ? c : names[x].compareTo(names[y]);
            });
            return rows;
        }

        private String[] rowNames(FlatProfileContainer f) {
            String[] n = new String[f.getNRows()];
            for (int r = 0; r < n.length; r++) n[r] = cm(f.getMethodIdAtRow(r));
            return n;
        }

        private void printHot(FlatProfileContainer flat, int[] ids) {
            String[] names = rowNames(flat);
            List<Integer> rows = bySelfWall(flat, names);
            for (int i = 0; i < Math.min(20, rows.size()); i++) {
                int r = rows.get(i);
                out.println("hot " + flat.getTimeInMcs0AtRow(r) + "\t" + (two ? flat.getTimeInMcs1AtRow(r) : 0) + "\t"
                            + flat.getTotalTimeInMcs0AtRow(r) + "\t" + flat.getNInvocationsAtRow(r) + "\t" + names[r]);
                // The name as VisualVM's views show it (its default formatter: '/' in a
                // hidden class's name becomes '.', parameters by simple name).
                String[] cs = s.getMethodClassNameAndSig(flat.getMethodIdAtRow(r), M);
                out.println("shown " + MethodNameFormatterFactory.getDefault().getFormatter()
                            .formatMethodName(cs[0], cs[1], cs[2]).toFormatted());
            }
            for (int id : ids) {
                FlatProfileContainer f = s.getFlatProfile(id, M);
                String[] tn = rowNames(f);
                List<Integer> tr = bySelfWall(f, tn);
                for (int i = 0; i < Math.min(5, tr.size()); i++)
                    out.println("threadhot " + s.getThreadNameForId(id) + "\t" + f.getTimeInMcs0AtRow(tr.get(i)) + "\t" + tn[tr.get(i)]);
            }
            out.println("methods " + s.getNInstrMethods());
            for (int i = 0; i < Math.min(5, rows.size()); i++)
                out.println("hassig " + names[rows.get(i)] + "\t" + flat.getMethodNameAtRow(rows.get(i)));
        }
    }
}
