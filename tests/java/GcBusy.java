import java.util.ArrayList;
import java.util.List;

/** Keeps the JVM's own non-Java threads busy (GC workers) while Java threads allocate:
 *  two threads churn short-lived arrays and keep some alive for a while, for RUN_MS. */
public class GcBusy {
    static volatile Object sink;

    public static void main(String[] args) throws Exception {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : 1500;
        long end = System.nanoTime() + runMs * 1_000_000L;
        Runnable work = () -> {
            List<long[]> keep = new ArrayList<>();
            while (System.nanoTime() < end) {
                long[] a = new long[1024 + (int) (System.nanoTime() & 1023)];
                if ((a.length & 7) == 0) keep.add(a);
                if (keep.size() > 2000) keep.clear();
                sink = a;
            }
        };
        Thread a = new Thread(work, "alloc-a");
        Thread b = new Thread(work, "alloc-b");
        a.start();
        b.start();
        a.join();
        b.join();
        System.out.println("done");
    }
}
