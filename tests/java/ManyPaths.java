import java.util.concurrent.ThreadLocalRandom;

/** Many distinct call paths: each step down picks one of 8 methods at random, DEPTH levels
 *  deep, so almost every sample is a call path never seen before and the profile's call tree
 *  grows for as long as the program runs (and the agent's memory cap allows).
 *  Arguments: milliseconds to run (default 3000), threads (default 2), DEPTH (default 14;
 *  a deep one makes each sample add ~DEPTH nodes). */
public class ManyPaths {
    static volatile long sink;
    static int depth = 14;

    static long step(int d) {
        if (d == 0) {
            long x = 0;
            for (int i = 0; i < 200; i++) x += i ^ (x << 1);
            return x;
        }
        switch (ThreadLocalRandom.current().nextInt(8)) {
            case 0: return a0(d);
            case 1: return a1(d);
            case 2: return a2(d);
            case 3: return a3(d);
            case 4: return a4(d);
            case 5: return a5(d);
            case 6: return a6(d);
            default: return a7(d);
        }
    }

    static long a0(int d) { return step(d - 1) + 1; }
    static long a1(int d) { return step(d - 1) + 2; }
    static long a2(int d) { return step(d - 1) + 3; }
    static long a3(int d) { return step(d - 1) + 4; }
    static long a4(int d) { return step(d - 1) + 5; }
    static long a5(int d) { return step(d - 1) + 6; }
    static long a6(int d) { return step(d - 1) + 7; }
    static long a7(int d) { return step(d - 1) + 8; }

    public static void main(String[] args) throws Exception {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : 3000;
        int nthreads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        depth = args.length > 2 ? Integer.parseInt(args[2]) : 14;
        long end = System.nanoTime() + runMs * 1_000_000L;
        Thread[] threads = new Thread[nthreads];
        for (int t = 0; t < nthreads; t++) {
            threads[t] = new Thread(() -> {
                long x = 0;
                while (System.nanoTime() < end) x += step(depth);
                sink += x;
            }, "paths-" + t);
            threads[t].start();
        }
        System.out.println("ready");
        System.out.flush();
        for (Thread t : threads) t.join();
        System.out.println("done");
    }
}
