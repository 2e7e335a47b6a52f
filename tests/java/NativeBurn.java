import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.TreeSet;

/** Loads the JNI library LIB (built by 44_signal_foreign.sh), starts its native thread
 *  (never attached to the JVM) burning CPU for MILLIS ms beside two busy Java threads, and
 *  reads /proc/self/timers while they run. Prints "native-tid N", each distinct timer's
 *  "notify" line as "timer-notify ...", and "native-cpu-ns N" (what the native thread
 *  burned). Usage: NativeBurn LIB MILLIS */
public class NativeBurn {
    static native int start(int millis);
    static native long join();
    static volatile long sink;

    static long javaBusy(long until) {
        long x = 0;
        while (System.nanoTime() < until) for (int i = 0; i < 100_000; i++) x += (i * 31) ^ (x >>> 3);
        return x;
    }

    public static void main(String[] args) throws Exception {
        System.load(args[0]);
        int millis = Integer.parseInt(args[1]);
        long until = System.nanoTime() + millis * 1_000_000L;
        int tid = start(millis);
        System.out.println("native-tid " + tid);
        Thread[] busy = new Thread[2];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = new Thread(() -> sink += javaBusy(until), "java-busy-" + i);
            busy[i].start();
        }
        TreeSet<String> notify = new TreeSet<>();
        while (System.nanoTime() < until) {
            readTimers(notify);
            Thread.sleep(50);
        }
        for (Thread t : busy) t.join();
        System.out.println("native-cpu-ns " + join());
        for (String n : notify) System.out.println("timer-notify " + n);
    }

    static void readTimers(TreeSet<String> notify) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/timers"))) {
            if (line.startsWith("notify:")) notify.add(line.substring(7).trim());
        }
    }
}
