/** Starts short-lived threads continuously for a while (and until at least a given number
 *  started): thousands start and die. Usage: ThreadChurn [RUN_MS] [AT_LEAST] */
public class ThreadChurn {
    static volatile long sink;

    static long shortWork(int n) {
        long x = 0;
        for (int i = 0; i < n; i++) {
            x += i * 7;
        }
        return x;
    }

    public static void main(String[] args) throws Exception {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : 2000;
        int atLeast = args.length > 1 ? Integer.parseInt(args[1]) : 0; // threads, however long it takes
        long end = System.nanoTime() + runMs * 1_000_000L;
        int started = 0;
        while (System.nanoTime() < end || started < atLeast) {
            Thread[] batch = new Thread[16];
            for (int i = 0; i < batch.length; i++) {
                long lifeNanos = (i % 4 == 0 ? 30 : 1) * 1_000_000L; // some live across samples
                batch[i] = new Thread(() -> {
                    long until = System.nanoTime() + lifeNanos;
                    do {
                        sink += shortWork(20_000);
                    } while (System.nanoTime() < until);
                }, "churn-" + started++);
                batch[i].start();
            }
            for (Thread t : batch) {
                t.join();
            }
        }
        System.out.println("started " + started);
    }
}
