import java.util.ArrayList;
import java.util.List;

/** Allocates until the heap is exhausted (run with a small -Xmx). The OutOfMemoryError is
 *  uncaught by default, so the JVM exits 1 after printing it; with "catch" it recovers,
 *  prints "recovered" and exits 0. */
public class OutOfHeap {
    static volatile Object keep;

    public static void main(String[] args) {
        boolean recover = args.length > 0 && args[0].equals("catch");
        System.out.println("allocating");
        System.out.flush();
        List<long[]> hog = new ArrayList<>();
        try {
            while (true) {
                hog.add(new long[64 * 1024]);
            }
        } catch (OutOfMemoryError e) {
            if (!recover) {
                throw e;
            }
            hog = null;
            keep = null;
            System.out.println("recovered");
        }
    }
}
